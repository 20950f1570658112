import { createHash } from 'node:crypto';
import type { Tx } from '../../store/db.ts';
import type { Ctx } from './context.ts';
import { DomainError } from './errors.ts';

/** What a key stands for: a digest of the request's parameters, compared when the key comes again. */
export function requestFingerprint(input: unknown): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

/**
 * Returns the first result of a request key instead of doing the work again. The record is
 * written in the caller's transaction, so it exists exactly when the work was committed; a
 * concurrent repeat waits on the key's row and then reads the stored result.
 */
export async function idempotent<T>(
  tx: Tx,
  ctx: Ctx,
  scope: string,
  operation: string,
  input: unknown,
  fn: () => Promise<T>,
): Promise<T> {
  const key = ctx.idempotencyKey;
  if (!key) return fn();
  const fingerprint = requestFingerprint(input);
  const inserted = await tx.query(
    `INSERT INTO idempotency_record (scope, key, operation, fingerprint, result)
     VALUES ($1, $2, $3, $4, 'null') ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
    [scope, key, operation, fingerprint],
  );
  if (inserted.length === 0) {
    const rows = await tx.query<{ operation: string; fingerprint: string; result: T }>(
      'SELECT operation, fingerprint, result FROM idempotency_record WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const prior = rows[0];
    if (!prior || prior.operation !== operation || prior.fingerprint !== fingerprint) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', { key });
    }
    return prior.result;
  }
  const json = JSON.stringify((await fn()) ?? null);
  await tx.query('UPDATE idempotency_record SET result = $3 WHERE scope = $1 AND key = $2', [scope, key, json]);
  // The first caller gets exactly what a repeat will get.
  return JSON.parse(json) as T;
}
