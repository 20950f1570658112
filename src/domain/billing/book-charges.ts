import type { Queryable } from '../../store/db.ts';
import { accrueSql, lotExpiry, monthLotReference, type BonusRules } from '../bonus/earn-points.ts';
import type { EntryCategory } from '../ledger/post-entry.ts';

/** A batch of charges as ledger columns, one array element per entry. */
export interface ChargeColumns {
  account: number[];
  /** Signed minor units: every one negative (a charge). */
  amount: number[];
  sub: number[];
  key: string[];
  category: EntryCategory[] | string[];
  product?: (string | null)[];
  description?: (string | null)[];
  reference?: (string | null)[];
}

/**
 * Books a batch of charges (a usage import, a fee run) and the bonus points they earn, in one
 * statement: the ledger entries are inserted (a key already booked books nothing), and what was
 * booked — only that — earns points, per account, rounded down once: floor(kopecks × rate / 100),
 * exact in SQL numeric, added to the account's lot of the month. The balance moves in the same
 * statement (the ledger's trigger).
 */
export async function bookCharges(q: Queryable, rules: BonusRules, kind: 'fee' | 'usage', c: ChargeColumns, at: Date): Promise<void> {
  const n = c.account.length;
  if (n === 0) return;
  for (const a of c.amount) if (!Number.isSafeInteger(a) || a >= 0) throw new RangeError(`a charge is a negative whole amount in the ledger, got ${a}`);
  const none = () => new Array<null>(n).fill(null);
  await q.query(
    `WITH booked AS (
       INSERT INTO ledger_entry (account_id, amount, kind, subscriber_id, idempotency_key, category, product_code, description, reference, created_at)
       SELECT a, m, $9, s, k, c, p, d, r, $10
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS x(a, m, s, k, c, p, d, r)
       ON CONFLICT (account_id, idempotency_key) DO NOTHING
       RETURNING account_id, subscriber_id, amount
     ), earned AS (
       SELECT account_id, min(subscriber_id) AS subscriber_id, floor(-sum(amount) * $11::numeric / 100)::bigint AS points
         FROM booked GROUP BY account_id
     ), ${accrueSql('earned', { at: 10, expires: 12, month: 13 })}`,
    [
      c.account,
      c.amount,
      c.sub,
      c.key,
      c.category,
      c.product ?? none(),
      c.description ?? none(),
      c.reference ?? none(),
      kind,
      at,
      String(Math.max(0, rules.pointsPerRuble)),
      lotExpiry(at, rules.expiryMonths),
      monthLotReference(at),
    ],
  );
}
