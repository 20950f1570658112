import { DateTime } from 'luxon';
import type { Queryable } from '../../store/db.ts';
import type { CatalogSettings } from '../catalog/schema.ts';

export type BonusRules = Pick<CatalogSettings['bonus'], 'pointsPerRuble' | 'expiryMonths'>;

/**
 * Points for spending `spent` kopecks, rounded down. The tiny epsilon keeps a fractional rate from
 * losing a point to binary floating point (0.7 × 300 / 100 is 2.0999…, which is 2.1).
 */
export function pointsFor(spent: number, pointsPerRuble: number): number {
  if (spent <= 0 || pointsPerRuble <= 0) return 0;
  return Math.floor((spent * pointsPerRuble) / 100 + 1e-9);
}

export function lotExpiry(at: Date, expiryMonths: number): Date {
  return DateTime.fromJSDate(at, { zone: 'utc' }).plus({ months: expiryMonths }).toJSDate();
}

export interface EarnInput {
  accountId: number;
  subscriberId: number | null;
  /** Positive kopecks spent. */
  spent: number;
  at: Date;
  /** What the points are for (a ledger entry); a reference already rewarded earns nothing again. */
  reference: string;
}

/**
 * Adds a lot of points for money spent, with its expiry and its `earn` history entry. One
 * statement writes both, so it is atomic even outside a transaction, and a repeated reference
 * writes nothing.
 */
export async function earnPoints(q: Queryable, rules: BonusRules, e: EarnInput): Promise<{ points: number; booked: boolean }> {
  if (!Number.isSafeInteger(e.spent) || e.spent <= 0) throw new RangeError(`points are earned on a positive whole amount, got ${e.spent}`);
  const points = pointsFor(e.spent, rules.pointsPerRuble);
  if (points === 0) return { points: 0, booked: false };
  const rows = await q.query<{ id: number }>(
    `WITH lot AS (
       INSERT INTO bonus_lot (account_id, subscriber_id, points, remaining, earned_at, expires_at, reference)
       VALUES ($1, $2, $3, $3, $4, $5, $6)
       ON CONFLICT (account_id, reference) DO NOTHING RETURNING id
     )
     INSERT INTO bonus_entry (account_id, subscriber_id, kind, points, lot_id, reference, idempotency_key, created_at)
     SELECT $1, $2, 'earn', $3, lot.id, $6, 'earn:' || $6, $4 FROM lot
     RETURNING id`,
    [e.accountId, e.subscriberId, points, e.at, lotExpiry(e.at, rules.expiryMonths), e.reference],
  );
  return { points, booked: rows.length > 0 };
}

/**
 * Earning for a whole batch of charges (a usage import, a fee run): one lot per account and
 * batch, written with two set statements. Each reference earns once, like `earnPoints`.
 */
export async function earnPointsBulk(q: Queryable, rules: BonusRules, items: EarnInput[]): Promise<void> {
  const rows = items.map((e) => ({ ...e, points: pointsFor(e.spent, rules.pointsPerRuble) })).filter((e) => e.points > 0);
  if (rows.length === 0) return;
  // A batch's charges share one time, so its lots share one expiry: worked out once per time.
  const expiry = new Map<number, string>();
  const expiresAt = (at: Date) => {
    let v = expiry.get(at.getTime());
    if (v === undefined) expiry.set(at.getTime(), (v = lotExpiry(at, rules.expiryMonths).toISOString()));
    return v;
  };
  await q.query(
    `WITH lot AS (
       INSERT INTO bonus_lot (account_id, subscriber_id, points, remaining, earned_at, expires_at, reference)
       SELECT a, s, p, p, at, ex, r FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::text[]) AS u(a, s, p, at, ex, r)
       ON CONFLICT (account_id, reference) DO NOTHING RETURNING account_id, id, subscriber_id, points, earned_at, reference
     )
     INSERT INTO bonus_entry (account_id, subscriber_id, kind, points, lot_id, reference, idempotency_key, created_at)
     SELECT account_id, subscriber_id, 'earn', points, id, reference, 'earn:' || reference, earned_at FROM lot`,
    [
      rows.map((r) => r.accountId),
      rows.map((r) => r.subscriberId),
      rows.map((r) => r.points),
      rows.map((r) => r.at.toISOString()),
      rows.map((r) => expiresAt(r.at)),
      rows.map((r) => r.reference),
    ],
  );
}
