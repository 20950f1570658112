import { DateTime } from 'luxon';
import type { Queryable } from '../../store/db.ts';
import type { Lang } from '../shared/context.ts';
import { LINE_TYPE_SQL, sortLines, totalsOf, type BillLine, type LineType } from './lines.ts';

/** A billing account: a subscriber's own account, or a business contract with all its numbers' accounts. */
export type BillTarget = { kind: 'account'; accountId: number } | { kind: 'contract'; contractId: number };

/** Who the bill is for and in which clock and language: read with the target. */
export interface BillHolder {
  target: BillTarget;
  customerId: number;
  customerName: string;
  /** The subscriber's number (own account) or the contract's number (business). */
  reference: string;
  timeZone: string;
  language: Lang;
  /** When the billing account began: its first bill is for the local month holding this instant. */
  since: Date;
}

export interface BillPeriod {
  /** `YYYY-MM` */
  period: string;
  start: Date;
  end: Date;
}

/** The local calendar month `period` (`YYYY-MM`) in the time zone. */
export function periodIn(period: string, tz: string): BillPeriod {
  const m = DateTime.fromFormat(period, 'yyyy-MM', { zone: tz });
  if (!m.isValid) throw new RangeError(`not a month: ${period}`);
  return { period, start: m.toJSDate(), end: m.plus({ months: 1 }).toJSDate() };
}

/** The local month holding the instant. */
export function periodAt(at: Date, tz: string): BillPeriod {
  return periodIn(DateTime.fromJSDate(at, { zone: tz }).toFormat('yyyy-MM'), tz);
}

export function nextPeriod(period: string, tz: string): BillPeriod {
  return periodIn(DateTime.fromFormat(period, 'yyyy-MM', { zone: tz }).plus({ months: 1 }).toFormat('yyyy-MM'), tz);
}

export function previousPeriodName(period: string): string {
  return DateTime.fromFormat(period, 'yyyy-MM', { zone: 'UTC' }).minus({ months: 1 }).toFormat('yyyy-MM');
}

const TARGET_COLUMN = { account: 'account_id', contract: 'contract_id' } as const;
export function targetColumn(t: BillTarget): string {
  return TARGET_COLUMN[t.kind];
}
export function targetId(t: BillTarget): number {
  return t.kind === 'account' ? t.accountId : t.contractId;
}

/**
 * When a contract's billing began (SQL on contract alias `k`): the contract's creation, or its
 * first number's account if that is older (numbers moved onto a contract bring their history).
 */
export const CONTRACT_SINCE = `LEAST(k.created_at, (SELECT min(a.created_at) FROM subscriber s JOIN account a ON a.id = s.account_id WHERE s.contract_id = k.id))`;

/** The accounts whose entries a target's bill sums. */
export async function accountsOf(q: Queryable, t: BillTarget): Promise<number[]> {
  if (t.kind === 'account') return [t.accountId];
  const rows = await q.query<{ id: number }>('SELECT DISTINCT account_id AS id FROM subscriber WHERE contract_id = $1 ORDER BY 1', [t.contractId]);
  return rows.map((r) => Number(r.id));
}

/** The holder of a billing account, or undefined when there is none. */
export async function readHolder(q: Queryable, t: BillTarget): Promise<BillHolder | undefined> {
  if (t.kind === 'account') {
    const [r] = await q.query<{ customer_id: number; name: string; msisdn: string; time_zone: string; language: Lang; since: Date }>(
      `SELECT a.customer_id, c.name, s.msisdn, r.time_zone, COALESCE(a.bill_language, s.language) AS language, a.created_at AS since
         FROM account a JOIN customer c ON c.id = a.customer_id JOIN subscriber s ON s.account_id = a.id JOIN region r ON r.code = s.region_code
        WHERE a.id = $1 AND s.contract_id IS NULL`,
      [t.accountId],
    );
    return r && { target: t, customerId: Number(r.customer_id), customerName: r.name, reference: r.msisdn, timeZone: r.time_zone, language: r.language, since: new Date(r.since) };
  }
  const [r] = await q.query<{ customer_id: number; name: string; number: string; time_zone: string; language: Lang; since: Date }>(
    `SELECT k.customer_id, c.name, k.number, r.time_zone, COALESCE(k.bill_language, c.report_languages[1]) AS language, ${CONTRACT_SINCE} AS since
       FROM contract k JOIN customer c ON c.id = k.customer_id JOIN region r ON r.code = k.region_code
      WHERE k.id = $1`,
    [t.contractId],
  );
  return r && { target: t, customerId: Number(r.customer_id), customerName: r.name, reference: r.number, timeZone: r.time_zone, language: r.language, since: new Date(r.since) };
}

export interface BillDraft {
  holder: BillHolder;
  period: BillPeriod;
  /** Up to when the entries are summed: the period's end for a monthly bill, now for one on demand. */
  through: Date;
  openingBalance: number;
  closingBalance: number;
  charges: number;
  credits: number;
  entries: number;
  lines: BillLine[];
}

/** The ledger's sum over the accounts for entries booked in [from, to). */
export async function ledgerMovement(q: Queryable, accounts: number[], from: Date | null, to: Date): Promise<{ amount: number; entries: number }> {
  const [r] = await q.query<{ amount: number; entries: number }>(
    `SELECT COALESCE(sum(amount), 0)::bigint AS amount, count(*)::int AS entries FROM ledger_entry
      WHERE account_id = ANY($1::bigint[]) AND ($2::timestamptz IS NULL OR created_at >= $2) AND created_at < $3`,
    [accounts, from, to],
  );
  return { amount: Number(r!.amount), entries: r!.entries };
}

/**
 * A bill's figures for a period, from the ledger: the entries booked in [period start, through),
 * summed into lines by type (and by number for a contract). The opening balance is the last bill's
 * closing balance when there is one for the month before, else the ledger's sum before the period.
 */
export async function computeBill(q: Queryable, holder: BillHolder, period: BillPeriod, through: Date): Promise<BillDraft> {
  const accounts = await accountsOf(q, holder.target);
  const byNumber = holder.target.kind === 'contract';
  const rows = await q.query<{ type: LineType; msisdn: string | null; amount: number; count: number }>(
    `SELECT t.type, ${byNumber ? 's.msisdn' : 'NULL'} AS msisdn, sum(t.amount)::bigint AS amount, count(*)::int AS count
       FROM (SELECT ${LINE_TYPE_SQL} AS type, l.amount, l.subscriber_id FROM ledger_entry l
              WHERE l.account_id = ANY($1::bigint[]) AND l.created_at >= $2 AND l.created_at < $3) t
       ${byNumber ? 'LEFT JOIN subscriber s ON s.id = t.subscriber_id' : ''}
      GROUP BY 1, 2`,
    [accounts, period.start, through],
  );
  const lines = sortLines(rows.map((r) => ({ type: r.type, msisdn: r.msisdn, amount: Number(r.amount), count: r.count })));
  const [prev] = await q.query<{ closing: number }>(
    `SELECT closing_balance AS closing FROM bill WHERE ${targetColumn(holder.target)} = $1 AND period = $2`,
    [targetId(holder.target), previousPeriodName(period.period)],
  );
  const opening = prev ? Number(prev.closing) : (await ledgerMovement(q, accounts, null, period.start)).amount;
  const { charges, credits } = totalsOf(lines);
  return {
    holder,
    period,
    through,
    openingBalance: opening,
    closingBalance: opening + credits - charges,
    charges,
    credits,
    entries: lines.reduce((n, l) => n + l.count, 0),
    lines,
  };
}
