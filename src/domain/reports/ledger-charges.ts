import type { Queryable } from '../../store/db.ts';
import type { Localized } from '../catalog/schema.ts';
import { NOT_SPENDING, SPENDING_CATEGORIES, type SpendingCategory } from './get-spending.ts';

/**
 * What a number was charged, read from the ledger — the same entries, with the same rule, that
 * make its balance and Home's spending by category (`get-spending.ts`): every charge of the number
 * (or of its account as a whole) except money in and bonus moves. Usage counts on the day it was
 * billed; fees, packages, content and one-off charges on the day they were taken.
 */
export interface ChargeScope {
  accountId: number;
  subscriberId: number;
  start: Date;
  end: Date;
}

/** The filter of a number's spending over $1 account, $2 subscriber, [$3, $4) and $5 the categories that are not spending. */
const spent = (e: string) => `${e}.account_id = $1 AND (${e}.subscriber_id = $2 OR ${e}.subscriber_id IS NULL) AND ${e}.amount < 0
  AND ${e}.created_at >= $3 AND ${e}.created_at < $4 AND (${e}.category IS NULL OR ${e}.category <> ALL($5::text[]))`;

const spendingCategory = (c: string | null): SpendingCategory => ((SPENDING_CATEGORIES as readonly string[]).includes(c ?? '') ? (c as SpendingCategory) : 'other');

/** Kopecks charged per local day (`YYYY-MM-DD` in `timeZone`); days without charges are absent. */
export async function chargedByLocalDay(q: Queryable, s: ChargeScope & { timeZone: string }): Promise<Map<string, number>> {
  const rows = await q.query<{ date: string; amount: number }>(
    `SELECT to_char(e.created_at AT TIME ZONE $6, 'YYYY-MM-DD') AS date, SUM(-e.amount)::bigint AS amount
       FROM ledger_entry e WHERE ${spent('e')} GROUP BY 1`,
    [s.accountId, s.subscriberId, s.start, s.end, NOT_SPENDING, s.timeZone],
  );
  return new Map(rows.map((r) => [r.date, Number(r.amount)]));
}

/** A charge that is not a usage record: a fee, a package, content, a one-off charge. */
export interface OtherCharge {
  at: Date;
  category: SpendingCategory;
  /** The product or plan it was for, in both languages, when the entry names one. */
  name: Localized | null;
  /** Kopecks, positive. */
  amount: number;
}

/**
 * The period's charges, oldest first, as a report lists them: the usage records are listed one by
 * one from `usage_record`, so this gives every other charge and the ledger's total of all of them.
 */
export async function loadCharges(q: Queryable, s: ChargeScope): Promise<{ other: OtherCharge[]; total: number }> {
  const rows = await q.query<{ at: Date; kind: string; category: string | null; amount: number; name: Localized | null }>(
    `SELECT e.created_at AS at, e.kind, e.category, -e.amount AS amount,
            COALESCE((SELECT p.spec->'name' FROM product p WHERE p.code = e.product_code),
                     (SELECT t.spec->'name' FROM tariff_plan t WHERE t.code = e.product_code)) AS name
       FROM ledger_entry e WHERE ${spent('e')}
      ORDER BY e.created_at, e.id`,
    [s.accountId, s.subscriberId, s.start, s.end, NOT_SPENDING],
  );
  let total = 0;
  const other: OtherCharge[] = [];
  for (const r of rows) {
    total += Number(r.amount);
    if (r.kind !== 'usage') other.push({ at: r.at, category: spendingCategory(r.category), name: r.name, amount: Number(r.amount) });
  }
  return { other, total };
}
