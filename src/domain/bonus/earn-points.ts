import type { Queryable } from '../../store/db.ts';
import type { CatalogSettings } from '../catalog/schema.ts';

export type BonusRules = Pick<CatalogSettings['bonus'], 'pointsPerRuble' | 'expiryMonths'>;

/**
 * Points for one charge of `spent` kopecks: `floor(spent × pointsPerRuble / 100)`, exact. The
 * rate is taken as the decimal it is written as (0.7 is 7/10, not the binary 0.69999…), so this is
 * the same number the ledger's write path works out in SQL numeric (`ledger/post-entry.ts`).
 */
export function pointsFor(spent: number, pointsPerRuble: number): number {
  if (!Number.isSafeInteger(spent) || spent <= 0 || !(pointsPerRuble > 0)) return 0;
  const [num, den] = decimalFraction(pointsPerRuble);
  return Number((BigInt(spent) * num) / (den * 100n));
}

/** A finite non-negative number as the fraction of its shortest decimal form: 0.7 → [7n, 10n]. */
function decimalFraction(x: number): [bigint, bigint] {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) throw new RangeError(`not a non-negative decimal: ${x}`);
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? 0) - frac.length;
  const digits = BigInt(m[1]! + frac);
  return exp >= 0 ? [digits * 10n ** BigInt(exp), 1n] : [digits, 10n ** BigInt(-exp)];
}

/**
 * Points accrue into one lot per account and calendar month (UTC). The lot's reference names the
 * month: `month:2026-11`.
 */
export function monthLotReference(at: Date): string {
  return `month:${at.toISOString().slice(0, 7)}`;
}

/**
 * When the lot of `at`'s month expires: at the start of the month `expiryMonths` after the month
 * following it (points of November 2026, with 12 months, expire on 1 December 2027 00:00 UTC), so
 * every point lives at least `expiryMonths` full months.
 */
export function lotExpiry(at: Date, expiryMonths: number): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1 + expiryMonths, 1));
}

/**
 * The SQL (two common table expressions, `lot` and `earn_line`) that adds `earned` (a relation of
 * account_id, subscriber_id, points) to each account's lot of the month and to the month's `earn`
 * entry in the points history, in one statement with whatever produced `earned`. `$at`,
 * `$expires` and `$month` are the parameter numbers of the earning time, the lot's expiry and the
 * month's reference. A month whose lot has already expired
 * (earning dated more than a year back) earns nothing.
 */
export function accrueSql(earned: string, p: { at: number; expires: number; month: number }): string {
  return `lot AS (
       INSERT INTO bonus_lot AS l (account_id, subscriber_id, points, remaining, earned_at, expires_at, reference)
       SELECT account_id, subscriber_id, points, points, $${p.at}, $${p.expires}, $${p.month} FROM ${earned} WHERE points > 0
       ON CONFLICT (account_id, reference) DO UPDATE SET points = l.points + excluded.points, remaining = l.remaining + excluded.points
        WHERE l.expired_at IS NULL
       RETURNING account_id, id, subscriber_id
     ), earn_line AS (
       INSERT INTO bonus_entry AS e (account_id, subscriber_id, kind, points, lot_id, reference, idempotency_key, created_at)
       SELECT lot.account_id, lot.subscriber_id, 'earn', x.points, lot.id, $${p.month}, 'earn:' || $${p.month}, $${p.at}
         FROM lot JOIN ${earned} x ON x.account_id = lot.account_id
       ON CONFLICT (account_id, idempotency_key) DO UPDATE SET points = e.points + excluded.points
       RETURNING id
     )`;
}

export interface EarnInput {
  accountId: number;
  subscriberId: number | null;
  /** Positive kopecks spent. */
  spent: number;
  at: Date;
}

/**
 * Adds the points for money spent to the account's lot of the month and to the month's history
 * entry, in one statement (atomic even outside a transaction), with no ledger entry: a grant of
 * points (and the tests' way to give a number points). Charges earn theirs in the ledger's write
 * path (`ledger/post-entry.ts`), by the same rule (`pointsFor`).
 */
export async function earnPoints(q: Queryable, rules: BonusRules, e: EarnInput): Promise<{ points: number; booked: boolean }> {
  if (!Number.isSafeInteger(e.spent) || e.spent <= 0) throw new RangeError(`points are earned on a positive whole amount, got ${e.spent}`);
  const points = pointsFor(e.spent, rules.pointsPerRuble);
  if (points === 0) return { points: 0, booked: false };
  const rows = await q.query<{ id: number }>(
    `WITH earned AS (SELECT $1::bigint AS account_id, $2::bigint AS subscriber_id, $3::bigint AS points),
     ${accrueSql('earned', { at: 4, expires: 5, month: 6 })}
     SELECT id FROM earn_line`,
    [e.accountId, e.subscriberId, points, e.at, lotExpiry(e.at, rules.expiryMonths), monthLotReference(e.at)],
  );
  return { points, booked: rows.length > 0 };
}
