import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { emptyPage, readPage, type Paged, type StorePage } from '../shared/list-page.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { isBillId } from './bill-view.ts';
import { parseBillingAccountId } from './billing-accounts.ts';
import type { BillLine, LineType } from './lines.ts';

/** A time range: each bound that is given must hold. */
export interface TimeRange {
  eq?: Date;
  gt?: Date;
  gte?: Date;
  lt?: Date;
  lte?: Date;
}

/** What a list of bill lines may be narrowed by; every filter given must hold. */
export interface BillLineFilter {
  billId?: string;
  /** The line's place on its bill, from 1. */
  lineNo?: number;
  billingAccountId?: string;
  /** The line is one of these types. */
  types?: readonly LineType[];
  /** Issued bills' lines (true) or bills on demand's (false). */
  issued?: boolean;
  /** When the bill was issued (or the bill on demand made). */
  date?: TimeRange;
  periodStart?: Date;
  periodEnd?: Date;
  /** Signed kopecks, as on the line. */
  amount?: number;
  /** The line has a fact of this name: `entries` (every line) or `msisdn` (a contract's lines). */
  factName?: string;
  /** The line's count of entries or number equals this. */
  factValue?: string;
}

/** One line of an issued bill or a bill on demand, with the bill it is on. */
export interface OperatorBillLine {
  billId: string;
  lineNo: number;
  billingAccountId: string;
  issued: boolean;
  date: Date;
  period: { start: Date; end: Date };
  line: BillLine;
}

interface LineRow {
  src: number;
  bill_id: string;
  n: number;
  account_id: number | null;
  contract_id: number | null;
  date: Date;
  period_start: Date;
  period_end: Date;
  line: BillLine | string;
}

const none = (page?: StorePage): Paged<OperatorBillLine> => emptyPage(page);

/**
 * The lines of the issued bills, then of the bills on demand (TMF678 appliedCustomerBillingRate),
 * newest bill first and in each bill's order. Every filter is applied by the store, so with `page`
 * it reads only that page and counts the rest (see readPage).
 */
export async function listBillLines(core: Core, ctx: Ctx, filter: BillLineFilter = {}, page?: StorePage): Promise<Paged<OperatorBillLine>> {
  requireOperator(ctx);
  if (filter.billId !== undefined && !isBillId(filter.billId)) return none(page);
  const target = filter.billingAccountId === undefined ? undefined : parseBillingAccountId(filter.billingAccountId);
  if (target === null) return none(page);
  if (filter.types?.length === 0) return none(page);

  const params: unknown[] = [];
  const p = (v: unknown, cast: string) => {
    params.push(v);
    return `$${params.length}::${cast}`;
  };
  // Conditions on the line (`e`) are the same on both branches; those on the bill name its alias.
  const lineConds: string[] = [];
  if (filter.lineNo !== undefined) lineConds.push(`e.n = ${p(filter.lineNo, 'bigint')}`);
  if (filter.types) lineConds.push(`e.line->>'type' = ANY(${p(filter.types, 'text[]')})`);
  if (filter.amount !== undefined) lineConds.push(`(e.line->>'amount')::bigint = ${p(filter.amount, 'bigint')}`);
  if (filter.factName !== undefined) lineConds.push(filter.factName === 'entries' ? 'true' : filter.factName === 'msisdn' ? `e.line->>'msisdn' IS NOT NULL` : 'false');
  if (filter.factValue !== undefined) {
    const v = p(filter.factValue, 'text');
    lineConds.push(`(e.line->>'count' = ${v} OR e.line->>'msisdn' = ${v})`);
  }
  const billConds = (alias: string, date: string, start: string, end: string): string[] => {
    const c: string[] = [];
    if (filter.billId !== undefined) c.push(`${alias}.id = ${p(filter.billId, 'uuid')}`);
    if (target?.kind === 'account') c.push(`${alias}.account_id = ${p(target.accountId, 'bigint')}`);
    if (target?.kind === 'contract') c.push(`${alias}.contract_id = ${p(target.contractId, 'bigint')}`);
    const ops = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
    for (const [k, op] of Object.entries(ops)) {
      const at = filter.date?.[k as keyof TimeRange];
      if (at) c.push(`${date} ${op} ${p(at.toISOString(), 'timestamptz')}`);
    }
    if (filter.periodStart) c.push(`${start} = ${p(filter.periodStart.toISOString(), 'timestamptz')}`);
    if (filter.periodEnd) c.push(`${end} = ${p(filter.periodEnd.toISOString(), 'timestamptz')}`);
    return c;
  };
  const where = (conds: string[]) => (conds.length ? `WHERE ${conds.join(' AND ')}` : '');

  const branches: string[] = [];
  if (filter.issued !== false) {
    branches.push(`SELECT 0 AS src, b.number AS sort_key, b.id::text AS bill_id, e.n, b.account_id, b.contract_id, b.issued_at AS date, b.period_start, b.period_end, e.line
      FROM bill b CROSS JOIN LATERAL jsonb_array_elements(b.lines) WITH ORDINALITY AS e(line, n)
      ${where([...billConds('b', 'b.issued_at', 'b.period_start', 'b.period_end'), ...lineConds])}`);
  }
  if (filter.issued !== true) {
    const start = `(d.draft->'period'->>'start')::timestamptz`;
    branches.push(`SELECT 1 AS src, d.id::text AS sort_key, d.id::text AS bill_id, e.n, d.account_id, d.contract_id, d.created_at AS date, ${start} AS period_start, d.through AS period_end, e.line
      FROM bill_on_demand d CROSS JOIN LATERAL jsonb_array_elements(d.draft->'lines') WITH ORDINALITY AS e(line, n)
      ${where([...billConds('d', 'd.created_at', start, 'd.through'), ...lineConds])}`);
  }
  const rows = await readPage<LineRow>(core.db, branches.join(' UNION ALL '), params, 'src, date DESC, sort_key, n', page);
  const lines = rows.map((r) => {
    const line = typeof r.line === 'string' ? (JSON.parse(r.line) as BillLine) : r.line;
    return {
      billId: r.bill_id,
      lineNo: Number(r.n),
      billingAccountId: r.account_id !== null ? String(r.account_id) : `C${r.contract_id}`,
      issued: Number(r.src) === 0,
      date: new Date(r.date),
      period: { start: new Date(r.period_start), end: new Date(r.period_end) },
      line: { ...line, amount: Number(line.amount), count: Number(line.count) },
    };
  });
  return Object.assign(lines, rows.total === undefined ? {} : { total: rows.total });
}
