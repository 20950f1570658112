import type { Queryable } from '../../store/db.ts';
import { DomainError } from '../shared/errors.ts';
import type { CatalogSettings, Product, Region, Tariff } from './schema.ts';

/** Catalog rows as the store keeps them: the spec is the validated JSON the operator wrote. */
export interface CatalogEntry<T> {
  spec: T;
  status: 'active' | 'retired';
}

export async function getTariff(q: Queryable, code: string): Promise<CatalogEntry<Tariff> | undefined> {
  const rows = await q.query<CatalogEntry<Tariff>>('SELECT spec, status FROM tariff_plan WHERE code = $1', [code]);
  return rows[0];
}

export async function requireTariff(q: Queryable, code: string): Promise<Tariff> {
  const t = await getTariff(q, code);
  if (!t) throw new DomainError('TARIFF_NOT_FOUND', { tariff: code });
  return t.spec;
}

export async function getProduct(q: Queryable, code: string): Promise<CatalogEntry<Product> | undefined> {
  const rows = await q.query<CatalogEntry<Product>>('SELECT spec, status FROM product WHERE code = $1', [code]);
  return rows[0];
}

export async function listTariffs(q: Queryable, opts: { includeRetired?: boolean } = {}): Promise<Tariff[]> {
  const rows = await q.query<{ spec: Tariff }>(
    `SELECT spec FROM tariff_plan ${opts.includeRetired ? '' : "WHERE status = 'active'"} ORDER BY code`,
  );
  return rows.map((r) => r.spec);
}

export async function listProducts(q: Queryable, opts: { includeRetired?: boolean } = {}): Promise<Product[]> {
  const rows = await q.query<{ spec: Product }>(
    `SELECT spec FROM product ${opts.includeRetired ? '' : "WHERE status = 'active'"} ORDER BY code`,
  );
  return rows.map((r) => r.spec);
}

export async function listRegions(q: Queryable): Promise<Region[]> {
  return q.query<Region>(
    `SELECT code, iso, name_ru AS "nameRu", name_en AS "nameEn", center_ru AS "centerRu",
            center_en AS "centerEn", time_zone AS "timeZone" FROM region ORDER BY code`,
  );
}

export async function getSettings(q: Queryable): Promise<CatalogSettings> {
  const rows = await q.query<{ value: CatalogSettings }>("SELECT value FROM catalog_setting WHERE key = 'settings'");
  return settingsFrom(rows[0]?.value);
}

/** The settings a statement of the caller's own read with `(SELECT value FROM catalog_setting WHERE key = 'settings')`. */
export function settingsFrom(value: unknown): CatalogSettings {
  if (value === null || value === undefined) throw new Error('catalog settings are missing: run `abonent seed`');
  return value as CatalogSettings;
}

/** What a fee costs over a month, for the paid-services audit: daily fees over 30 days. */
export function monthlyCost(fee: { model: string; amount: number }): number {
  switch (fee.model) {
    case 'monthly':
      return fee.amount;
    case 'daily':
      return fee.amount * 30;
    default:
      return 0;
  }
}

export function isPaid(p: Product): boolean {
  return p.fee.model !== 'none' || p.connectionFee > 0;
}
