import type { Queryable } from '../../store/db.ts';
import type { Core } from '../core.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * Counters live in the store so every instance sees the same count, and each change is one atomic
 * statement: parallel requests cannot slip past a limit.
 */

export interface AttemptLimit {
  /** Attempts allowed per window; the one that reaches it locks the key. */
  max: number;
  windowMinutes: number;
  lockMinutes: number;
}

/** The lockout of logins and other secret checks, from the settings. */
export function loginLimit(core: Core): AttemptLimit {
  const s = core.settings;
  return { max: s.loginMaxAttempts, windowMinutes: s.loginLockoutMinutes, lockMinutes: s.loginLockoutMinutes };
}

/** One attempt taken with `reserveAttempt`: released when it proved right (see `releaseAttempt`). */
export interface Attempt {
  key: string;
  at: Date;
}

/**
 * Takes one attempt for `key` BEFORE a secret is checked, or refuses with LOCKED_OUT. The count
 * goes up in the same statement that reads it, so however many guesses arrive at once (on any
 * number of instances) at most `max` of them get to be checked per window; the attempt that
 * reaches `max` locks the key at once, and stays counted unless it succeeds. A success clears the
 * key (`clearFailures`) or hands its one attempt back (`releaseAttempt`).
 */
export async function reserveAttempt(q: Queryable, key: string, now: Date, limit: AttemptLimit): Promise<Attempt> {
  const windowStart = new Date(now.getTime() - limit.windowMinutes * 60_000);
  const lockUntil = new Date(now.getTime() + limit.lockMinutes * 60_000);
  // A new window starts when the lock has run out or the old window has passed.
  const fresh = '(r.locked_until IS NOT NULL OR r.window_start < $3::timestamptz)';
  const count = `CASE WHEN ${fresh} THEN 1 ELSE r.count + 1 END`;
  const rows = await q.query<{ count: number }>(
    `INSERT INTO rate_limit AS r (key, window_start, count, locked_until)
     VALUES ($1, $2::timestamptz, 1, CASE WHEN 1 >= $5::int THEN $4::timestamptz END)
     ON CONFLICT (key) DO UPDATE SET
       count = ${count},
       window_start = CASE WHEN ${fresh} THEN $2::timestamptz ELSE r.window_start END,
       locked_until = CASE WHEN ${count} >= $5::int THEN $4::timestamptz END
     WHERE (r.locked_until IS NULL OR r.locked_until <= $2::timestamptz) AND (${fresh} OR r.count < $5::int)
     RETURNING count`,
    [key, now, windowStart, lockUntil, limit.max],
  );
  if (rows.length > 0) return { key, at: now };
  const held = await q.query<{ locked_until: Date | null; window_start: Date }>('SELECT locked_until, window_start FROM rate_limit WHERE key = $1', [key]);
  const row = held[0];
  const until = row?.locked_until ?? (row ? new Date(row.window_start.getTime() + limit.windowMinutes * 60_000) : lockUntil);
  throw new DomainError('LOCKED_OUT', { retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)) });
}

/**
 * Gives one attempt back: the secret it checked was right, but the step is not the last (the
 * password before the SMS code). Attempts of an earlier window are not handed to a later one.
 */
export async function releaseAttempt(q: Queryable, attempt: Attempt, limit: AttemptLimit): Promise<void> {
  await q.query(
    `UPDATE rate_limit SET count = count - 1, locked_until = CASE WHEN count - 1 >= $2::int THEN locked_until END
      WHERE key = $1 AND count > 0 AND window_start <= $3::timestamptz`,
    [attempt.key, limit.max, attempt.at],
  );
}

export async function clearFailures(q: Queryable, key: string): Promise<void> {
  await q.query('DELETE FROM rate_limit WHERE key = $1', [key]);
}

/**
 * The upsert that takes one token of a key: `key`, `now` and `windowStart` are the SQL
 * expressions (parameters) for them; with `from`, the row is taken only for each row of that
 * relation (a statement that takes the token only if something else happened, see
 * `recordIncomingSmsForReply`). Returns `count, window_start` for `tokenRefusal`.
 */
export function tokenUpsertSql(p: { key: string; now: string; windowStart: string }, from?: string): string {
  return `INSERT INTO rate_limit (key, window_start, count) ${from ? `SELECT ${p.key}, ${p.now}, 1 FROM ${from}` : `VALUES (${p.key}, ${p.now}, 1)`}
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limit.window_start < ${p.windowStart} THEN 1 ELSE rate_limit.count + 1 END,
       window_start = CASE WHEN rate_limit.window_start < ${p.windowStart} THEN ${p.now} ELSE rate_limit.window_start END
     RETURNING count, window_start`;
}

/** The refusal a taken token's row means (over the limit: RATE_LIMITED with when to retry), or null. */
export function tokenRefusal(row: { count: number; window_start: Date | string }, now: Date, opts: { limit: number; windowSeconds: number }): DomainError | null {
  if (row.count <= opts.limit) return null;
  const retry = Math.ceil((new Date(row.window_start).getTime() + opts.windowSeconds * 1000 - now.getTime()) / 1000);
  return new DomainError('RATE_LIMITED', { retryAfterSeconds: Math.max(retry, 1) });
}

/** Allows `limit` events per window for a key; the next one is refused until the window ends. */
export async function takeToken(q: Queryable, key: string, now: Date, opts: { limit: number; windowSeconds: number }): Promise<void> {
  const windowStart = new Date(now.getTime() - opts.windowSeconds * 1000);
  const rows = await q.query<{ count: number; window_start: Date }>(tokenUpsertSql({ key: '$1', now: '$2', windowStart: '$3' }), [key, now, windowStart]);
  const row = rows[0];
  if (!row) throw new Error(`rate limit ${key}: the upsert returned no row`);
  const refusal = tokenRefusal(row, now, opts);
  if (refusal) throw refusal;
}
