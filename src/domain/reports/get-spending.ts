import type { Queryable } from '../../store/db.ts';
import type { Core } from '../core.ts';
import type { EntryCategory } from '../ledger/post-entry.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { localMonth } from './period.ts';
import { USAGE_WITH_SUMMARIES } from './usage-history.ts';

/** The spending lines, in the order people read them; `other` holds charges booked without a category. */
export const SPENDING_CATEGORIES = ['subscription', 'calls', 'sms', 'internet', 'content', 'roaming', 'one_off', 'other'] as const;
export type SpendingCategory = (typeof SPENDING_CATEGORIES)[number];

export interface SpendingView {
  msisdn: string;
  /** `YYYY-MM`, a calendar month in the subscriber's local time. */
  month: string;
  timeZone: string;
  from: string;
  to: string;
  currency: string;
  /** Kopecks spent per category, every category present. */
  categories: { category: SpendingCategory; amount: number }[];
  total: number;
  /** Money and traffic of mobile internet this month so far (home and roaming alike, from usage). */
  internet: { charged: number; bytes: number; asOf: string };
  previousMonth: { month: string; total: number };
  asOf: string;
}

/**
 * Not spending: money in (payments, promised credit and its repayment) and bonus moves. Every
 * other charge is, with a charge booked without a category shown as `other`.
 */
export const NOT_SPENDING: EntryCategory[] = ['payment', 'promised', 'bonus'];

async function spentByCategory(q: Queryable, accountId: number, subscriberId: number, start: Date, end: Date): Promise<Map<SpendingCategory, number>> {
  const rows = await q.query<{ category: string; amount: number }>(
    `SELECT COALESCE(category, 'other') AS category, SUM(-amount)::bigint AS amount
       FROM ledger_entry
      WHERE account_id = $1 AND (subscriber_id = $2 OR subscriber_id IS NULL) AND amount < 0
        AND created_at >= $3 AND created_at < $4 AND (category IS NULL OR category <> ALL($5::text[]))
      GROUP BY 1`,
    [accountId, subscriberId, start, end, NOT_SPENDING],
  );
  const out = new Map<SpendingCategory, number>();
  for (const r of rows) {
    const c = (SPENDING_CATEGORIES as readonly string[]).includes(r.category) ? (r.category as SpendingCategory) : 'other';
    out.set(c, (out.get(c) ?? 0) + r.amount);
  }
  return out;
}

/**
 * What the number spent in a calendar month of its region's local time, by category, from the
 * ledger's charges; with this month's internet so far and last month's total to compare.
 */
export async function getSpending(core: Core, ctx: Ctx, input: { msisdn: string; month?: string }): Promise<SpendingView> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const now = core.clock.now();
  const month = localMonth(input.month, now, sub.timeZone);
  const start = month.toJSDate();
  const end = month.plus({ months: 1 }).toJSDate();
  const previous = month.minus({ months: 1 });

  const spent = await spentByCategory(core.db, sub.accountId, sub.id, start, end);
  const before = await spentByCategory(core.db, sub.accountId, sub.id, previous.toJSDate(), start);
  const internetUntil = new Date(Math.min(end.getTime(), Math.max(now.getTime(), start.getTime())));
  const [internet] = await core.db.query<{ charged: number; bytes: number }>(
    `SELECT COALESCE(SUM(charged), 0)::bigint AS charged, COALESCE(SUM(bytes), 0)::bigint AS bytes
       FROM ${USAGE_WITH_SUMMARIES} u
      WHERE account_id = $1 AND subscriber_id = $2 AND kind = 'data' AND started_at >= $3 AND started_at < $4`,
    [sub.accountId, sub.id, start, internetUntil],
  );
  const categories = SPENDING_CATEGORIES.map((category) => ({ category, amount: spent.get(category) ?? 0 }));
  const sum = (m: Map<SpendingCategory, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    msisdn: sub.msisdn,
    month: month.toFormat('yyyy-MM'),
    timeZone: sub.timeZone,
    from: start.toISOString(),
    to: end.toISOString(),
    currency: sub.currency,
    categories,
    total: sum(spent),
    internet: { charged: internet?.charged ?? 0, bytes: internet?.bytes ?? 0, asOf: internetUntil.toISOString() },
    previousMonth: { month: previous.toFormat('yyyy-MM'), total: sum(before) },
    asOf: now.toISOString(),
  };
}
