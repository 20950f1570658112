import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { emptyPage, readPage, type Paged, type StorePage } from '../shared/list-page.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { isBillId } from './bill-view.ts';
import { parseBillingAccountId } from './billing-accounts.ts';
import type { TimeRange } from './operator-bill-lines.ts';
import { listIssuedBills, listOnDemandBills, type OnDemandBillView, type OperatorBillView } from './operator-bills.ts';

/** What a list of bills may be narrowed by; every filter given must hold. */
export interface BillFilter {
  id?: string;
  /** An issued bill's number (bills on demand have none). */
  number?: string;
  billingAccountId?: string;
  customerId?: number;
  /** Issued bills (true) or bills on demand (false). */
  issued?: boolean;
  /** When the bill was issued (or the bill on demand made). */
  date?: TimeRange;
  periodStart?: Date;
  periodEnd?: Date;
  /** Kopecks charged in the period. */
  charges?: number;
  /** Kopecks owed: what a negative closing balance leaves, else 0. */
  due?: number;
}

/** An issued bill or a bill on demand. */
export type AnyBill = { issued: OperatorBillView; onDemand?: undefined } | { issued?: undefined; onDemand: OnDemandBillView };

const none = (page?: StorePage): Paged<AnyBill> => emptyPage(page);

/**
 * The issued bills, newest first, then the bills on demand, newest first (TMF678 customerBill).
 * Every filter is applied by the store, so with `page` it reads only that page's bills and counts
 * the rest (see readPage).
 */
export async function listBills(core: Core, ctx: Ctx, filter: BillFilter = {}, page?: StorePage): Promise<Paged<AnyBill>> {
  requireOperator(ctx);
  if (filter.id !== undefined && !isBillId(filter.id)) return none(page);
  const target = filter.billingAccountId === undefined ? undefined : parseBillingAccountId(filter.billingAccountId);
  if (target === null) return none(page);

  const params: unknown[] = [];
  const p = (v: unknown, cast: string) => {
    params.push(v);
    return `$${params.length}::${cast}`;
  };
  const conds = (alias: string, cols: { date: string; start: string; end: string; charges: string; closing: string }): string[] => {
    const c: string[] = [];
    if (filter.id !== undefined) c.push(`${alias}.id = ${p(filter.id, 'uuid')}`);
    if (target?.kind === 'account') c.push(`${alias}.account_id = ${p(target.accountId, 'bigint')}`);
    if (target?.kind === 'contract') c.push(`${alias}.contract_id = ${p(target.contractId, 'bigint')}`);
    if (filter.customerId !== undefined) c.push(`${alias}.customer_id = ${p(filter.customerId, 'bigint')}`);
    const ops = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
    for (const [k, op] of Object.entries(ops)) {
      const at = filter.date?.[k as keyof TimeRange];
      if (at) c.push(`${cols.date} ${op} ${p(at.toISOString(), 'timestamptz')}`);
    }
    if (filter.periodStart) c.push(`${cols.start} = ${p(filter.periodStart.toISOString(), 'timestamptz')}`);
    if (filter.periodEnd) c.push(`${cols.end} = ${p(filter.periodEnd.toISOString(), 'timestamptz')}`);
    if (filter.charges !== undefined) c.push(`${cols.charges} = ${p(filter.charges, 'bigint')}`);
    if (filter.due !== undefined) c.push(`greatest(0, -${cols.closing}) = ${p(filter.due, 'bigint')}`);
    return c;
  };
  const where = (c: string[]) => (c.length ? `WHERE ${c.join(' AND ')}` : '');
  const branches: string[] = [];
  if (filter.issued !== false) {
    const c = conds('b', { date: 'b.issued_at', start: 'b.period_start', end: 'b.period_end', charges: 'b.charges', closing: 'b.closing_balance' });
    if (filter.number !== undefined) c.push(`b.number = ${p(filter.number, 'text')}`);
    branches.push(`SELECT 0 AS src, b.id::text AS id, b.issued_at AS date, b.number AS sort_key FROM bill b ${where(c)}`);
  }
  if (filter.issued !== true && filter.number === undefined) {
    const c = conds('d', {
      date: 'd.created_at',
      start: `(d.draft->'period'->>'start')::timestamptz`,
      end: 'd.through',
      charges: `(d.draft->>'charges')::bigint`,
      closing: `(d.draft->>'closingBalance')::bigint`,
    });
    branches.push(`SELECT 1 AS src, d.id::text AS id, d.created_at AS date, d.id::text AS sort_key FROM bill_on_demand d ${where(c)}`);
  }
  if (!branches.length) return none(page);
  const rows = await readPage<{ src: number; id: string }>(core.db, branches.join(' UNION ALL '), params, 'src, date DESC, sort_key', page);
  const issuedIds = rows.filter((r) => Number(r.src) === 0).map((r) => r.id);
  const odIds = rows.filter((r) => Number(r.src) === 1).map((r) => r.id);
  const issued = new Map((issuedIds.length ? await listIssuedBills(core, ctx, { ids: issuedIds }) : []).map((b) => [b.id, b]));
  const od = new Map((odIds.length ? await listOnDemandBills(core, ctx, { ids: odIds }) : []).map((b) => [b.id, b]));
  const bills: AnyBill[] = [];
  for (const r of rows) {
    const b = Number(r.src) === 0 ? issued.get(r.id) : od.get(r.id);
    if (b) bills.push(Number(r.src) === 0 ? { issued: b as OperatorBillView } : { onDemand: b as OnDemandBillView });
  }
  return Object.assign(bills, rows.total === undefined ? {} : { total: rows.total });
}
