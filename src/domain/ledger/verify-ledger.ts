import type { Queryable } from '../../store/db.ts';

export interface LedgerMismatch {
  accountId: number;
  balance: number;
  sumOfEntries: number;
}

/**
 * Every account whose balance differs from the sum of its ledger entries; how many entries and
 * idempotency keys (ledger_entry_key, which keeps one entry per key across the month partitions)
 * do not pair up: an entry without its key at its own instant, or a key without its entry; and
 * how many months of account_month_spend (what the caps judge against) differ from the month's
 * charges in the ledger, or are missing.
 */
export async function verifyLedger(
  q: Queryable,
): Promise<{ accounts: number; entries: number; mismatches: LedgerMismatch[]; unpairedKeys: number; monthSpendMismatches: number }> {
  const mismatches = await q.query<LedgerMismatch>(
    `SELECT a.id AS "accountId", a.balance, COALESCE(s.total, 0)::bigint AS "sumOfEntries"
       FROM account a
       LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entry GROUP BY account_id) s ON s.account_id = a.id
      WHERE a.balance <> COALESCE(s.total, 0)
      ORDER BY a.id LIMIT 1000`,
  );
  const counts = await q.query<{ accounts: number; entries: number; keyed: boolean; monthly: boolean }>(
    `SELECT (SELECT count(*) FROM account)::int AS accounts, (SELECT count(*) FROM ledger_entry)::int AS entries,
            to_regclass('ledger_entry_key') IS NOT NULL AS keyed, to_regclass('account_month_spend') IS NOT NULL AS monthly`,
  );
  // A backup taken before the key table existed (migration 043) is checked without it.
  const [pairs] = counts[0]?.keyed
    ? await q.query<{ unpaired: number }>(
        `SELECT ((SELECT count(*) FROM ledger_entry l WHERE NOT EXISTS (
                    SELECT 1 FROM ledger_entry_key k WHERE k.account_id = l.account_id AND k.idempotency_key = l.idempotency_key AND k.created_at = l.created_at))
               + (SELECT count(*) FROM ledger_entry_key k WHERE NOT EXISTS (
                    SELECT 1 FROM ledger_entry l WHERE l.account_id = k.account_id AND l.idempotency_key = k.idempotency_key AND l.created_at = k.created_at)))::int AS unpaired`,
      )
    : [{ unpaired: 0 }];
  // A backup taken before the month's spending was kept (migration 055) is checked without it.
  const [months] = counts[0]?.monthly
    ? await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM account_month_spend s
           FULL JOIN (SELECT e.account_id, date_trunc('month', e.created_at AT TIME ZONE z.tz) AT TIME ZONE z.tz AS m,
                             sum(-e.amount) AS spent, coalesce(sum(-e.amount) FILTER (WHERE e.category = 'roaming'), 0) AS roaming
                        FROM ledger_entry e
                        LEFT JOIN subscriber n ON n.account_id = e.account_id LEFT JOIN region r ON r.code = n.region_code
                       CROSS JOIN LATERAL (SELECT coalesce(r.time_zone, 'Europe/Moscow') AS tz) z
                       WHERE e.amount < 0 GROUP BY 1, 2) l ON l.account_id = s.account_id AND l.m = s.month_start
          WHERE s.spent IS DISTINCT FROM l.spent OR s.roaming_spent IS DISTINCT FROM l.roaming`,
      )
    : [{ n: 0 }];
  return { accounts: counts[0]?.accounts ?? 0, entries: counts[0]?.entries ?? 0, mismatches, unpairedKeys: pairs?.unpaired ?? 0, monthSpendMismatches: months?.n ?? 0 };
}
