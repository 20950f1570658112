import type { Queryable } from '../../store/db.ts';

export interface LedgerMismatch {
  accountId: number;
  balance: number;
  sumOfEntries: number;
}

/**
 * Every account whose balance differs from the sum of its ledger entries; and how many entries and
 * idempotency keys (ledger_entry_key, which keeps one entry per key across the month partitions)
 * do not pair up: an entry without its key at its own instant, or a key without its entry.
 */
export async function verifyLedger(q: Queryable): Promise<{ accounts: number; entries: number; mismatches: LedgerMismatch[]; unpairedKeys: number }> {
  const mismatches = await q.query<LedgerMismatch>(
    `SELECT a.id AS "accountId", a.balance, COALESCE(s.total, 0)::bigint AS "sumOfEntries"
       FROM account a
       LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entry GROUP BY account_id) s ON s.account_id = a.id
      WHERE a.balance <> COALESCE(s.total, 0)
      ORDER BY a.id LIMIT 1000`,
  );
  const counts = await q.query<{ accounts: number; entries: number; keyed: boolean }>(
    `SELECT (SELECT count(*) FROM account)::int AS accounts, (SELECT count(*) FROM ledger_entry)::int AS entries,
            to_regclass('ledger_entry_key') IS NOT NULL AS keyed`,
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
  return { accounts: counts[0]?.accounts ?? 0, entries: counts[0]?.entries ?? 0, mismatches, unpairedKeys: pairs?.unpaired ?? 0 };
}
