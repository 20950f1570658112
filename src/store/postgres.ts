import pg from 'pg';
import type { Db, HeldLock, ParamType, Prepared, Tx } from './db.ts';
import { isConnectionLost, isPlainRead, isReadOnlyRefusal, isRolledBackConflict, StoreUnavailableError } from './store-errors.ts';

/** How often work the server rolled back as a deadlock's victim or unserialisable runs again. */
export const MAX_CONFLICT_RETRIES = 3;

// bigint (int8) and numeric come back as strings by default; ours fit in a JS number
// (kopecks up to 2^53), so parse them once here instead of in every query.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresOptions {
  url: string;
  /** Schema to use as search_path (tests give each file its own). */
  schema?: string;
  poolSize?: number;
}

export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const connection = {
    connectionString: opts.url,
    options: `-c timezone=UTC${opts.schema ? ` -c search_path=${opts.schema}` : ''}`,
  };
  const pool = new pg.Pool({ ...connection, max: opts.poolSize ?? 10 });
  // The connection that holds this instance's advisory locks, opened at the first lock.
  interface LockSession {
    client: pg.Client;
    holders: Set<{ name: string; held: boolean }>;
  }
  const lockNames = new Set<string>();
  let session: Promise<LockSession> | null = null;
  const lockSession = (): Promise<LockSession> => {
    session ??= (async () => {
      const client = new pg.Client({ ...connection, keepAlive: true });
      const s: LockSession = { client, holders: new Set() };
      // The connection ended (server restart, network): its locks are gone, and their holders must stop.
      const lost = () => {
        for (const h of s.holders) {
          h.held = false;
          lockNames.delete(h.name);
        }
        s.holders.clear();
        session = null;
      };
      client.on('error', lost);
      client.on('end', lost);
      try {
        await client.connect();
      } catch (err) {
        session = null;
        throw err;
      }
      return s;
    })();
    return session;
  };
  // An idle pooled connection whose server went away (a failover, a restart) reports here; the
  // pool drops it. Without a listener the error would end the process.
  pool.on('error', () => undefined);
  // Fail at start, with the server's own message, rather than on the first request.
  const client = await pool.connect();
  client.release();

  /**
   * One statement outside a transaction. A statement that reached a read-only server wrote
   * nothing, and a plain read may run twice, so either is tried once more on a new connection
   * (by then the pool has dropped the dead ones, and the proxy points at the new primary).
   * Anything else that lost its connection may have committed: it fails as unavailable, and the
   * caller's idempotency key makes its retry safe. A deadlock's victim rolled back and runs again.
   */
  async function statement<T>(run: () => Promise<T>, sql: string): Promise<T> {
    try {
      return await run();
    } catch (err) {
      // A statement chosen as a deadlock's victim rolled back whole (it is its own transaction).
      if (isRolledBackConflict(err)) {
        for (let n = 1; ; n++) {
          await new Promise((r) => setTimeout(r, Math.random() * 10 * n));
          try {
            return await run();
          } catch (again) {
            if (!isRolledBackConflict(again) || n >= MAX_CONFLICT_RETRIES) throw again;
          }
        }
      }
      const safe = isReadOnlyRefusal(err) || (isConnectionLost(err) && isPlainRead(sql));
      if (!safe) throw isConnectionLost(err) ? new StoreUnavailableError('the store connection was lost', true, { cause: err }) : err;
      try {
        return await run();
      } catch (again) {
        throw isConnectionLost(again) || isReadOnlyRefusal(again) ? new StoreUnavailableError('the store is not accepting writes', false, { cause: again }) : again;
      }
    }
  }

  /** One attempt at a transaction; `committing` tells the caller whether COMMIT had been sent. */
  async function attempt<T>(fn: (tx: Tx) => Promise<T>, state: { committing: boolean }): Promise<T> {
    const c = await pool.connect();
    let broken: unknown;
    // A checked-out client has no listener of its own (the pool's is for idle ones): when its
    // server goes away mid-transaction (a failover) the 'error' it emits would end the process.
    // The transaction's next statement fails instead, and the connection is destroyed below.
    const onError = (err: unknown) => (broken ??= err);
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const result = await fn({
        async query<R>(sql: string, params?: readonly unknown[]) {
          const res = await c.query(sql, params as unknown[] | undefined);
          return res.rows as R[];
        },
        async exec(sql: string) {
          await c.query(sql);
        },
      });
      state.committing = true;
      await c.query('COMMIT');
      return result;
    } catch (err) {
      if (isConnectionLost(err)) broken = err;
      else await c.query('ROLLBACK').catch((e: unknown) => (broken = e));
      throw err;
    } finally {
      c.off('error', onError);
      // A connection that failed is destroyed, not handed to the next caller.
      c.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
    }
  }

  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[]) {
      return statement(async () => (await pool.query(sql, params as unknown[] | undefined)).rows as T[], sql);
    },
    async exec(sql: string) {
      await statement(() => pool.query(sql), sql);
    },
    prepare<T>(name: string, sql: string, types: readonly ParamType[]): Prepared<T> {
      // node-postgres prepares a named statement once on each connection that runs it.
      const text = sql.replace(/\$(\d+)/g, (_m, i: string) => `$${i}::${types[Number(i) - 1]}`);
      return (params) => statement(async () => (await pool.query({ name, text, values: params as unknown[] })).rows as T[], sql);
    },
    /**
     * A transaction that meets a failover before its COMMIT is sent (the connection reset, the
     * server shutting down, or a read-only standby refusing a write) committed nothing: it runs
     * once more from the start on a new connection. One whose COMMIT got no answer may have
     * committed: it is not run again, and fails with `StoreUnavailableError` (outcomeUnknown),
     * which the channels answer with 503 "retry"; a retry with the same idempotency key is then
     * applied at most once. So `fn` must do store work only (no calls to the outside world).
     * A transaction chosen as a deadlock's victim (40P01) or refused for serialisation (40001)
     * rolled back whole and runs again too (`MAX_CONFLICT_RETRIES`).
     */
    async tx<T>(fn: (tx: Tx) => Promise<T>) {
      for (let n = 1, conflicts = 0; ; n++) {
        const state = { committing: false };
        try {
          return await attempt(fn, state);
        } catch (err) {
          // A deadlock's victim, or a transaction the server could not serialise, rolled back whole
          // (even at COMMIT): it runs again from the start, after the transaction it met has moved
          // on, a few times at most.
          if (isRolledBackConflict(err) && conflicts < MAX_CONFLICT_RETRIES) {
            conflicts += 1;
            n -= 1;
            await new Promise((r) => setTimeout(r, Math.random() * 10 * conflicts));
            continue;
          }
          const failedOver = isConnectionLost(err) || isReadOnlyRefusal(err);
          if (!failedOver) throw err;
          if (state.committing) throw new StoreUnavailableError('the store connection was lost while committing', true, { cause: err });
          if (n >= 2) throw new StoreUnavailableError('the store is not accepting writes', false, { cause: err });
        }
      }
    },
    /**
     * A session advisory lock, keyed by the schema and the name, on one connection of this
     * instance's own (not the pool's, which the holders' work needs; and not one per lock, since
     * the scheduler takes a lease every few seconds). The server releases it when that connection
     * ends: a holder killed with -9 loses it as soon as the kernel closes its socket, so the next
     * run need not wait out a lease; and while the holder lives, nobody else gets it. Two callers
     * in this process share the session, where the lock is re-entrant, so they are kept apart here.
     */
    async tryLock(name: string): Promise<HeldLock | null> {
      if (lockNames.has(name)) return null;
      lockNames.add(name);
      try {
        const s = await lockSession();
        const res = await s.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext($1)) AS ok', [name]);
        if (res.rows[0]?.ok !== true) {
          lockNames.delete(name);
          return null;
        }
        const holder = { name, held: true };
        s.holders.add(holder);
        return {
          isHeld: () => holder.held,
          release: async () => {
            if (!holder.held) return;
            holder.held = false;
            s.holders.delete(holder);
            lockNames.delete(name);
            await s.client.query('SELECT pg_advisory_unlock(hashtext(current_schema()), hashtext($1))', [name]).catch(() => undefined);
          },
        };
      } catch (err) {
        lockNames.delete(name);
        throw err;
      }
    },
    async close() {
      const s = await session?.catch(() => null);
      await s?.client.end().catch(() => undefined);
      await pool.end();
    },
  };
}
