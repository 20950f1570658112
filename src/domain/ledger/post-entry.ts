import type { Queryable } from '../../store/db.ts';
import { assertMinor } from '../shared/money.ts';
import { balanceBoundRefusal } from './balance-bound.ts';

export type EntryKind = 'payment' | 'fee' | 'usage' | 'promised' | 'bonus' | 'refund' | 'adjustment';
export type EntryCategory = 'subscription' | 'calls' | 'sms' | 'internet' | 'content' | 'roaming' | 'one_off' | 'promised' | 'payment' | 'bonus' | 'other';

export interface EntryInput {
  accountId: number;
  /** Signed minor units: credits positive, charges negative. */
  amount: number;
  kind: EntryKind;
  idempotencyKey: string;
  subscriberId?: number | null;
  productCode?: string | null;
  reference?: string | null;
  description?: string | null;
  /** What a charge was for, for spending by category. */
  category?: EntryCategory | null;
  at: Date;
}

export interface PostedEntry {
  id: number;
  /** False when an entry with this key was already booked: nothing new was written. */
  booked: boolean;
}

/**
 * Books one ledger entry. The store's trigger moves the account balance in the same statement,
 * so the balance is always the sum of the entries. A key that was already booked books nothing.
 */
export async function postEntry(q: Queryable, e: EntryInput): Promise<PostedEntry> {
  assertMinor(e.amount);
  if (e.amount === 0) throw new RangeError('a ledger entry moves a non-zero amount');
  let rows: { id: number }[];
  try {
    rows = await q.query<{ id: number }>(
      `INSERT INTO ledger_entry (account_id, amount, kind, subscriber_id, product_code, reference, description, idempotency_key, created_at, category)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING id`,
      [e.accountId, e.amount, e.kind, e.subscriberId ?? null, e.productCode ?? null, e.reference ?? null, e.description ?? null, e.idempotencyKey, e.at, e.category ?? null],
    );
  } catch (err) {
    throw balanceBoundRefusal(err) ?? err;
  }
  const row = rows[0];
  if (row) return { id: row.id, booked: true };
  const prior = await q.query<{ id: number }>('SELECT id FROM ledger_entry WHERE account_id = $1 AND idempotency_key = $2', [
    e.accountId,
    e.idempotencyKey,
  ]);
  return { id: prior[0]?.id ?? 0, booked: false };
}
