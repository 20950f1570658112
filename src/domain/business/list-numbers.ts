import type { Core } from '../core.ts';
import { readBalances } from '../ledger/read-balance.ts';
import type { Ctx } from '../shared/context.ts';
import { page, requireBusinessAdmin, scopeOf } from './access.ts';
import { heldExtrasOf, type HeldExtra } from './limit-holds.ts';
import { localSql, monthOf, SPENDING_ENTRY } from './period.ts';

export interface NumberFilter {
  q?: string;
  region?: string;
  departmentId?: number;
  /** `none`: numbers without a department. */
  noDepartment?: boolean;
  tariff?: string;
  status?: 'active' | 'blocked' | 'suspended';
  /** Month-to-date spend (kopecks) at least / at most. */
  spendMin?: number;
  spendMax?: number;
  overLimit?: boolean;
  sort?: 'msisdn' | 'employee' | 'spend';
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

export interface NumberListItem {
  msisdn: string;
  employeeName: string | null;
  regionCode: string;
  regionName: string;
  contractNumber: string | null;
  departmentId: number | null;
  departmentName: string | null;
  tariffCode: string;
  status: string;
  balance: number;
  monthSpend: number;
  limit: { amount: number; scope: string; action: string } | null;
  overLimit: boolean;
  /** Paid extras suspended by the spending limit ("block paid extras") until the number's month ends. */
  suspendedExtras: HeldExtra[];
}

export interface NumberList {
  month: string;
  total: number;
  offset: number;
  limit: number;
  items: NumberListItem[];
}

/**
 * The numbers of every contract and region the admin may see, with search (number or employee
 * name), filters and paging. Month-to-date spend is the charges of each number's own month, in its
 * region's time zone.
 */
export async function listNumbers(core: Core, ctx: Ctx, f: NumberFilter): Promise<NumberList> {
  const admin = requireBusinessAdmin(ctx, 'read');
  const now = core.clock.now();
  const month = monthOf(now);
  const scope = scopeOf(admin, 's', 2);
  const params: unknown[] = [now, ...scope.params];
  const where = [scope.where];
  const add = (sql: (n: number) => string, v: unknown) => {
    params.push(v);
    where.push(sql(params.length));
  };
  if (f.q !== undefined && f.q.trim() !== '') {
    const q = f.q.trim();
    const digits = q.replace(/\D/g, '');
    if (digits.length >= 3 && /^[+\d\s()-]+$/.test(q)) add((n) => `s.msisdn LIKE $${n}`, `%${digits.replace(/^8(?=\d{10}$)/, '7')}%`);
    else add((n) => `lower(coalesce(s.employee_name, '')) LIKE $${n}`, `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (f.region) add((n) => `s.region_code = $${n}`, f.region);
  if (f.noDepartment) where.push('s.department_id IS NULL');
  else if (f.departmentId !== undefined) add((n) => `s.department_id = $${n}`, f.departmentId);
  if (f.tariff) add((n) => `s.tariff_code = $${n}`, f.tariff);
  if (f.status) add((n) => `s.status = $${n}`, f.status);
  const having: string[] = [];
  if (f.spendMin !== undefined) {
    params.push(f.spendMin);
    having.push(`x.spend >= $${params.length}`);
  }
  if (f.spendMax !== undefined) {
    params.push(f.spendMax);
    having.push(`x.spend <= $${params.length}`);
  }
  if (f.overLimit !== undefined) having.push(`${f.overLimit ? '' : 'NOT '}(x.limit_amount IS NOT NULL AND x.spend >= x.limit_amount)`);
  const { offset, limit } = page(f, 50);
  const dir = f.order === 'desc' ? 'DESC' : 'ASC';
  const orderBy = f.sort === 'spend' ? `x.spend ${dir}, x.msisdn` : f.sort === 'employee' ? `x.employee_name ${dir} NULLS LAST, x.msisdn` : `x.msisdn ${dir}`;

  const base = `
    SELECT s.id, s.msisdn, s.employee_name, s.region_code, r.name_ru AS region_ru, r.name_en AS region_en, c.number AS contract_number,
           s.department_id, d.name AS department_name, s.tariff_code, s.status,
           COALESCE((SELECT SUM(-l.amount) FROM ledger_entry l
                      WHERE l.account_id = s.account_id AND l.created_at >= ${localSql.monthStart('$1', 'r.time_zone')}
                        AND l.created_at < ${localSql.monthStart('$1', 'r.time_zone', 1)} AND ${SPENDING_ENTRY}), 0)::bigint AS spend,
           nl.amount AS limit_amount, nl.scope AS limit_scope, nl.action AS limit_action
      FROM subscriber s JOIN region r ON r.code = s.region_code
      LEFT JOIN contract c ON c.id = s.contract_id LEFT JOIN department d ON d.id = s.department_id
      LEFT JOIN number_limit nl ON nl.subscriber_id = s.id
     WHERE ${where.join(' AND ')}`;
  const filtered = `SELECT * FROM (${base}) x${having.length ? ` WHERE ${having.join(' AND ')}` : ''}`;
  const [count] = await core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${filtered}) y`, params);
  const rows = await core.db.query<{
    id: number; msisdn: string; employee_name: string | null; region_code: string; region_ru: string; region_en: string; contract_number: string | null;
    department_id: number | null; department_name: string | null; tariff_code: string; status: string; spend: number;
    limit_amount: number | null; limit_scope: string | null; limit_action: string | null;
  }>(`${filtered} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}`, params);
  const held = await heldExtrasOf(core.db, rows.map((r) => r.id));
  const balances = new Map((await readBalances(core.db, { subscriberIds: rows.map((r) => Number(r.id)) }, now)).map((b) => [b.subscriberId, b.balance]));
  return {
    month: month.month,
    total: count?.n ?? 0,
    offset,
    limit,
    items: rows.map((r) => ({
      msisdn: r.msisdn,
      employeeName: r.employee_name,
      regionCode: r.region_code,
      regionName: ctx.lang === 'en' ? r.region_en : r.region_ru,
      contractNumber: r.contract_number,
      departmentId: r.department_id,
      departmentName: r.department_name,
      tariffCode: r.tariff_code,
      status: r.status,
      balance: balances.get(Number(r.id)) ?? 0,
      monthSpend: Number(r.spend),
      limit: r.limit_amount !== null ? { amount: Number(r.limit_amount), scope: r.limit_scope!, action: r.limit_action! } : null,
      overLimit: r.limit_amount !== null && Number(r.spend) >= Number(r.limit_amount),
      suspendedExtras: held.get(Number(r.id)) ?? [],
    })),
  };
}
