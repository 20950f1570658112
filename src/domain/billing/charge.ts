import type { Queryable } from '../../store/db.ts';
import type { Product } from '../catalog/schema.ts';
import { postEntry, type EntryCategory, type PostedEntry } from '../ledger/post-entry.ts';

export interface ChargeInput {
  accountId: number;
  subscriberId: number;
  /** Positive kopecks to take from the account. */
  amount: number;
  kind: 'fee' | 'usage';
  category: EntryCategory;
  idempotencyKey: string;
  productCode?: string | null;
  description?: string | null;
  reference?: string | null;
  at: Date;
}

/**
 * Takes money for a service: one fee or usage charge, booked by the ledger's one write path
 * (`postEntry`), which also books the bonus points it earns (the same rule as a batch of charges).
 * Funds are the caller's check: usage already delivered is charged even into a negative balance.
 */
export async function charge(q: Queryable, c: ChargeInput): Promise<PostedEntry> {
  if (!Number.isSafeInteger(c.amount) || c.amount <= 0) throw new RangeError(`a charge is a positive whole amount, got ${c.amount}`);
  return postEntry(q, { ...c, amount: -c.amount });
}

/** The category of a product's recurring or one-off fee. */
export function feeCategory(p: Pick<Product, 'content' | 'fee'>): EntryCategory {
  if (p.content) return 'content';
  return p.fee.model === 'per_use' ? 'one_off' : 'subscription';
}
