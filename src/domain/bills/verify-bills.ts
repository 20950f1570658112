import type { Queryable } from '../../store/db.ts';

export interface BillMismatch {
  number: string;
  /** What does not hold: `lines` (the lines do not add up to closing − opening), `ledger` (the
   * ledger's movement over the month differs from the lines), `opening` (the opening balance is
   * not the last bill's closing, or for a first bill the ledger's sum before the month). */
  problem: 'lines' | 'ledger' | 'opening';
  expected: number;
  actual: number;
}

/**
 * Checks every issued bill against the ledger, in one statement: its lines add up to its closing
 * minus its opening balance, the ledger's movement over its accounts and month equals that sum,
 * and it opens with the closing balance of the bill before (a first bill: the ledger's sum before
 * its month). An entry booked into a billed month after the bill was issued shows up here.
 */
export async function verifyBills(q: Queryable): Promise<{ bills: number; mismatches: BillMismatch[] }> {
  const rows = await q.query<{ number: string; stated: number; lines_sum: number; movement: number; opening: number; prev_closing: number | null; before: number }>(
    `WITH b AS (
       SELECT id, number, account_id, contract_id, period_start, period_end, opening_balance, closing_balance,
              (SELECT COALESCE(sum((x->>'amount')::bigint), 0) FROM jsonb_array_elements(lines) x)::bigint AS lines_sum,
              lag(closing_balance) OVER (PARTITION BY account_id, contract_id ORDER BY period) AS prev_closing,
              CASE WHEN account_id IS NOT NULL THEN ARRAY[account_id]
                   ELSE ARRAY(SELECT DISTINCT s.account_id FROM subscriber s WHERE s.contract_id = bill.contract_id) END AS accounts
         FROM bill)
     SELECT b.number, (b.closing_balance - b.opening_balance)::bigint AS stated, b.lines_sum, m.movement::bigint AS movement,
            b.opening_balance AS opening, b.prev_closing, p.before::bigint AS before
       FROM b
       CROSS JOIN LATERAL (SELECT COALESCE(sum(l.amount), 0) AS movement FROM ledger_entry l
                            WHERE l.account_id = ANY(b.accounts) AND l.created_at >= b.period_start AND l.created_at < b.period_end) m
       CROSS JOIN LATERAL (SELECT COALESCE(sum(l.amount), 0) AS before FROM ledger_entry l
                            WHERE b.prev_closing IS NULL AND l.account_id = ANY(b.accounts) AND l.created_at < b.period_start) p
      WHERE b.lines_sum <> b.closing_balance - b.opening_balance OR m.movement <> b.lines_sum
         OR b.opening_balance <> COALESCE(b.prev_closing, p.before)
      ORDER BY b.number LIMIT 1000`,
  );
  const mismatches: BillMismatch[] = [];
  for (const r of rows) {
    const [stated, linesSum, movement, opening] = [Number(r.stated), Number(r.lines_sum), Number(r.movement), Number(r.opening)];
    if (linesSum !== stated) mismatches.push({ number: r.number, problem: 'lines', expected: stated, actual: linesSum });
    if (movement !== linesSum) mismatches.push({ number: r.number, problem: 'ledger', expected: movement, actual: linesSum });
    const expectedOpening = r.prev_closing === null ? Number(r.before) : Number(r.prev_closing);
    if (opening !== expectedOpening) mismatches.push({ number: r.number, problem: 'opening', expected: expectedOpening, actual: opening });
  }
  const [count] = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM bill');
  return { bills: count?.n ?? 0, mismatches };
}
