import type { Queryable } from '../../store/db.ts';

const DAY = 86_400_000;

/** What the account spent a month on average over the last three months (fees and usage, kopecks). */
export async function averageMonthlySpend(q: Queryable, accountId: number, now: Date): Promise<number> {
  const rows = await q.query<{ spent: number }>(
    `SELECT COALESCE(-SUM(amount), 0)::bigint AS spent FROM ledger_entry
      WHERE account_id = $1 AND kind IN ('fee', 'usage') AND amount < 0 AND created_at > $2 AND created_at <= $3`,
    [accountId, new Date(now.getTime() - 90 * DAY), now],
  );
  return Math.floor((rows[0]?.spent ?? 0) / 3); // an aggregate: always one row
}
