import type { Queryable } from '../../store/db.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * Counters live in the store so every instance sees the same count. Each update is one atomic
 * upsert: parallel guesses cannot slip past the limit.
 */
export async function assertNotLocked(q: Queryable, key: string, now: Date): Promise<void> {
  const rows = await q.query<{ locked_until: Date | null }>('SELECT locked_until FROM rate_limit WHERE key = $1', [key]);
  const until = rows[0]?.locked_until;
  if (until && until.getTime() > now.getTime()) {
    throw new DomainError('LOCKED_OUT', { retryAfterSeconds: Math.ceil((until.getTime() - now.getTime()) / 1000) });
  }
}

/** Counts a failed attempt; the `max`-th failure within the window locks the key. Returns the count. */
export async function registerFailure(
  q: Queryable,
  key: string,
  now: Date,
  opts: { max: number; windowMinutes: number; lockMinutes: number },
): Promise<number> {
  const windowStart = new Date(now.getTime() - opts.windowMinutes * 60_000);
  const lockUntil = new Date(now.getTime() + opts.lockMinutes * 60_000);
  const rows = await q.query<{ count: number }>(
    `INSERT INTO rate_limit (key, window_start, count) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limit.window_start < $3 THEN 1 ELSE rate_limit.count + 1 END,
       window_start = CASE WHEN rate_limit.window_start < $3 THEN $2 ELSE rate_limit.window_start END
     RETURNING count`,
    [key, now, windowStart],
  );
  const count = rows[0]!.count;
  if (count >= opts.max) {
    await q.query('UPDATE rate_limit SET locked_until = $2, count = 0, window_start = $3 WHERE key = $1', [key, lockUntil, now]);
  }
  return count;
}

export async function clearFailures(q: Queryable, key: string): Promise<void> {
  await q.query('DELETE FROM rate_limit WHERE key = $1', [key]);
}

/** Allows `limit` events per window for a key; the next one is refused until the window ends. */
export async function takeToken(q: Queryable, key: string, now: Date, opts: { limit: number; windowSeconds: number }): Promise<void> {
  const windowStart = new Date(now.getTime() - opts.windowSeconds * 1000);
  const rows = await q.query<{ count: number; window_start: Date }>(
    `INSERT INTO rate_limit (key, window_start, count) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limit.window_start < $3 THEN 1 ELSE rate_limit.count + 1 END,
       window_start = CASE WHEN rate_limit.window_start < $3 THEN $2 ELSE rate_limit.window_start END
     RETURNING count, window_start`,
    [key, now, windowStart],
  );
  const row = rows[0]!;
  if (row.count > opts.limit) {
    const retry = Math.ceil((row.window_start.getTime() + opts.windowSeconds * 1000 - now.getTime()) / 1000);
    throw new DomainError('RATE_LIMITED', { retryAfterSeconds: Math.max(retry, 1) });
  }
}
