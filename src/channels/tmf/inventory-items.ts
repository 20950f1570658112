import type { Product, Tariff } from '../../domain/catalog/schema.ts';
import type { Core } from '../../domain/core.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { emptyPage, readPage, type Paged, type StorePage } from '../../domain/shared/list-page.ts';
import { requireOperator } from '../../domain/shared/operator-access.ts';
import type { SqlFilter } from './filter-sql.ts';

/** What a subscriber has: its tariff plan and every product instance, past ones too. */
export type InventoryItem = {
  id: string;
  accountId: number;
  subscriberId: number;
  msisdn: string;
  customerId: number;
  customerKind: 'person' | 'business';
  status: string;
  startDate: Date;
  terminationDate: Date | null;
  nextChargeAt: Date | null;
} & ({ kind: 'tariff'; spec: Tariff } | { kind: 'product'; instanceId: number; spec: Product });

const instances = `
  SELECT 'product' AS kind, i.account_id || '-' || i.id AS id, i.id AS "instanceId", i.account_id AS "accountId", s.id AS "subscriberId",
         s.msisdn, s.customer_id AS "customerId", c.kind AS "customerKind", i.status, i.connected_at AS "startDate",
         i.disabled_at AS "terminationDate", i.next_charge_at AS "nextChargeAt", p.spec, p.code AS "offeringId",
         CASE WHEN i.status = 'disabled' THEN 'terminated' WHEN i.status IN ('suspended', 'limit_suspended', 'blocked') THEN 'suspended' ELSE i.status END AS "tmfStatus"
    FROM product_instance i JOIN subscriber s ON s.id = i.subscriber_id JOIN customer c ON c.id = s.customer_id
    JOIN product p ON p.code = i.product_code`;
const tariffs = `
  SELECT 'tariff' AS kind, s.account_id || '-tariff-' || s.id AS id, NULL::bigint AS "instanceId", s.account_id AS "accountId", s.id AS "subscriberId",
         s.msisdn, s.customer_id AS "customerId", c.kind AS "customerKind", s.status, s.tariff_since AS "startDate",
         NULL::timestamptz AS "terminationDate", s.tariff_next_charge_at AS "nextChargeAt", t.spec, 'tariff-' || t.code AS "offeringId",
         CASE WHEN s.status = 'active' THEN 'active' ELSE 'suspended' END AS "tmfStatus"
    FROM subscriber s JOIN customer c ON c.id = s.customer_id JOIN tariff_plan t ON t.code = s.tariff_code`;

/**
 * Every tariff and product instance, or one number's, by subscriber; `filter`: a condition over the
 * items' columns (x.id, x.msisdn, x."customerId", x."accountId", x."offeringId", x."tmfStatus" —
 * the status TMF637 shows —, x."startDate", x."terminationDate", x.spec); `page`: only that page,
 * with the total.
 */
export async function listProductInventory(core: Core, ctx: Ctx, input: { msisdn?: string; filter?: SqlFilter }, page?: StorePage): Promise<Paged<InventoryItem>> {
  requireOperator(ctx);
  const msisdn = input.msisdn === undefined ? null : normalizeMsisdn(input.msisdn);
  if (input.msisdn !== undefined && !msisdn) return emptyPage(page);
  const params: unknown[] = [msisdn];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<InventoryItem>(
    core.db,
    `SELECT * FROM (${tariffs} WHERE ($1::text IS NULL OR s.msisdn = $1) UNION ALL ${instances} WHERE ($1::text IS NULL OR s.msisdn = $1)) x WHERE ${where}`,
    params,
    `"subscriberId", kind DESC, "startDate", id`,
    page,
  );
}

/** One item by its TMF id: `<account>-<instance>` or `<account>-tariff-<subscriber>`. */
export async function getInventoryItem(core: Core, ctx: Ctx, input: { id: string }): Promise<InventoryItem> {
  requireOperator(ctx);
  const inst = /^(\d{1,15})-(\d{1,15})$/.exec(input.id);
  const tariff = /^(\d{1,15})-tariff-(\d{1,15})$/.exec(input.id);
  let rows: InventoryItem[] = [];
  if (inst) rows = await core.db.query<InventoryItem>(`${instances} WHERE i.account_id = $1 AND i.id = $2`, [Number(inst[1]), Number(inst[2])]);
  else if (tariff) rows = await core.db.query<InventoryItem>(`${tariffs} WHERE s.account_id = $1 AND s.id = $2`, [Number(tariff[1]), Number(tariff[2])]);
  if (!rows[0]) throw new DomainError('NOT_FOUND', { id: input.id });
  return rows[0];
}
