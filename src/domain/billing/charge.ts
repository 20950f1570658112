import type { Queryable } from '../../store/db.ts';
import { earnPoints } from '../bonus/earn-points.ts';
import { getSettings } from '../catalog/read-catalog.ts';
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
 * Takes money for a service: the one place every fee and usage charge is booked, so what follows
 * a charge (bonus points earned on spending) happens for all of them alike. Funds are the
 * caller's check: usage already delivered is charged even into a negative balance.
 */
export async function charge(q: Queryable, c: ChargeInput): Promise<PostedEntry> {
  if (!Number.isSafeInteger(c.amount) || c.amount <= 0) throw new RangeError(`a charge is a positive whole amount, got ${c.amount}`);
  const posted = await postEntry(q, { ...c, amount: -c.amount });
  if (posted.booked) {
    // Settings are read from this store every time: operators change them at run time.
    const { bonus } = await getSettings(q);
    await earnPoints(q, bonus, { accountId: c.accountId, subscriberId: c.subscriberId, spent: c.amount, at: c.at });
  }
  return posted;
}

/** The category of a product's recurring or one-off fee. */
export function feeCategory(p: Pick<Product, 'content' | 'fee'>): EntryCategory {
  if (p.content) return 'content';
  return p.fee.model === 'per_use' ? 'one_off' : 'subscription';
}
