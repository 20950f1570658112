import type { Queryable } from '../../store/db.ts';

export interface LedgerMismatch {
  accountId: number;
  balance: number;
  sumOfEntries: number;
}

/** Every account whose balance differs from the sum of its ledger entries. */
export async function verifyLedger(q: Queryable): Promise<{ accounts: number; entries: number; mismatches: LedgerMismatch[] }> {
  const mismatches = await q.query<LedgerMismatch>(
    `SELECT a.id AS "accountId", a.balance, COALESCE(s.total, 0)::bigint AS "sumOfEntries"
       FROM account a
       LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entry GROUP BY account_id) s ON s.account_id = a.id
      WHERE a.balance <> COALESCE(s.total, 0)
      ORDER BY a.id LIMIT 1000`,
  );
  const counts = await q.query<{ accounts: number; entries: number }>(
    `SELECT (SELECT count(*) FROM account)::int AS accounts, (SELECT count(*) FROM ledger_entry)::int AS entries`,
  );
  return { accounts: counts[0]?.accounts ?? 0, entries: counts[0]?.entries ?? 0, mismatches };
}
