import type { Core } from '../domain/core.ts';

export interface ExpireResult {
  accounts: number;
  lots: number;
  points: number;
}

/**
 * Writes off what is left of bonus lots past their expiry: one `expire` entry per lot, ever, and
 * none for a lot already spent out. Every lot passed is marked `expired_at`, so it leaves the
 * expiry index and earns nothing more. Each account is its own transaction; the lots are locked
 * and re-checked, and the entry's key is the lot, so a second run (or a second instance running
 * at once) finds nothing left to expire.
 */
export async function expirePoints(core: Core, opts: { now: Date; batch?: number }): Promise<ExpireResult> {
  const { now } = opts;
  const result: ExpireResult = { accounts: 0, lots: 0, points: 0 };
  const accounts = await core.db.query<{ account_id: number }>(
    'SELECT DISTINCT account_id FROM bonus_lot WHERE expired_at IS NULL AND expires_at <= $1 ORDER BY account_id LIMIT $2',
    [now, opts.batch ?? 10_000],
  );
  for (const { account_id: accountId } of accounts) {
    const done = await core.db.tx(async (tx) => {
      const lots = await tx.query<{ id: number; subscriber_id: number | null; remaining: number }>(
        `SELECT id, subscriber_id, remaining FROM bonus_lot
          WHERE account_id = $1 AND expired_at IS NULL AND expires_at <= $2 ORDER BY id FOR UPDATE`,
        [accountId, now],
      );
      let points = 0;
      let expired = 0;
      for (const lot of lots) {
        const remaining = Number(lot.remaining);
        if (remaining > 0) {
          const written = await tx.query(
            `INSERT INTO bonus_entry (account_id, subscriber_id, kind, points, lot_id, reference, idempotency_key, created_at)
             VALUES ($1, $2, 'expire', $3, $4, $5, $5, $6) ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING id`,
            [accountId, lot.subscriber_id, -remaining, lot.id, `expire:${lot.id}`, now],
          );
          if (written.length) {
            points += remaining;
            expired += 1;
          }
        }
        await tx.query('UPDATE bonus_lot SET remaining = 0, expired_at = $3 WHERE account_id = $1 AND id = $2', [accountId, lot.id, now]);
      }
      return { lots: expired, points };
    });
    if (done.lots > 0) result.accounts += 1;
    result.lots += done.lots;
    result.points += done.points;
  }
  if (result.lots > 0) core.log.info({ job: 'expire-points', ...result }, 'bonus points expired');
  return result;
}
