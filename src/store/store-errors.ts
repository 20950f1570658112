/**
 * How the store fails while PostgreSQL fails over: the connection to the old primary is reset
 * or shut down by the server, a connection is refused while the new primary starts, or a
 * statement reaches a server that is (still, or again) a read-only standby. Whether the work may
 * be run again depends on whether it could have committed; see `postgres.ts`.
 */

/** SQLSTATEs of a server that went away or is not accepting work (class 08, shutdown, starting up). */
const LOST_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '08007']);
/** Node's socket errors, and the driver's own words for a connection that ended under it. */
const LOST_ERRNOS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const LOST_MESSAGES = /Connection terminated|connection (?:was )?(?:closed|ended)|Client has encountered a connection error|terminating connection/i;

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A statement refused by a read-only server (a standby, or a primary being demoted): nothing was written. */
export function isReadOnlyRefusal(err: unknown): boolean {
  return codeOf(err) === '25006';
}

/**
 * The server chose this transaction (or statement) as a deadlock's victim (40P01), or could not
 * serialise it (40001): it rolled back whole, so running it again from the start is safe.
 */
export function isRolledBackConflict(err: unknown): boolean {
  const code = codeOf(err);
  return code === '40P01' || code === '40001';
}

/** The connection to the store was lost or refused: whatever was in flight may or may not have committed. */
export function isConnectionLost(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && (LOST_STATES.has(code) || LOST_ERRNOS.has(code))) return true;
  return err instanceof Error && LOST_MESSAGES.test(err.message);
}

/** The store cannot take this work now (failover in progress): the client should retry shortly. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(
    message: string,
    /** True when the work may have committed before the connection was lost (its COMMIT got no answer). */
    readonly outcomeUnknown: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof StoreUnavailableError || isReadOnlyRefusal(err) || isConnectionLost(err);
}

/**
 * A statement that only reads (a SELECT without locking clauses or data-modifying CTEs): running
 * it twice is harmless, so it may be retried after a lost connection.
 */
export function isPlainRead(sql: string): boolean {
  return /^\s*(?:select|with)\b/i.test(sql) && !/\b(?:insert|update|delete|merge)\b|\bfor\s+(?:update|share|no\s+key|key)\b|\bnextval\s*\(|pg_(?:try_)?advisory/i.test(sql);
}
