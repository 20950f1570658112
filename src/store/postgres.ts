import pg from 'pg';
import type { Db, HeldLock, ParamType, Prepared, Tx } from './db.ts';

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
  // Fail at start, with the server's own message, rather than on the first request.
  const client = await pool.connect();
  client.release();
  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[]) {
      const res = await pool.query(sql, params as unknown[] | undefined);
      return res.rows as T[];
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    prepare<T>(name: string, sql: string, types: readonly ParamType[]): Prepared<T> {
      // node-postgres prepares a named statement once on each connection that runs it.
      const text = sql.replace(/\$(\d+)/g, (_m, i: string) => `$${i}::${types[Number(i) - 1]}`);
      return async (params) => (await pool.query({ name, text, values: params as unknown[] })).rows as T[];
    },
    async tx<T>(fn: (tx: Tx) => Promise<T>) {
      const c = await pool.connect();
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
        await c.query('COMMIT');
        return result;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
    /**
     * A session advisory lock on a connection of its own (not the pool's, which the holder's work
     * needs), keyed by the schema and the name. The server releases it when that connection ends:
     * a holder killed with -9 loses it as soon as the kernel closes its socket, so the next run
     * need not wait out a lease; and while the holder lives, nobody else gets it.
     */
    async tryLock(name: string): Promise<HeldLock | null> {
      const client = new pg.Client({ ...connection, keepAlive: true });
      let held = false;
      // An ended connection (server restart, network) has lost the lock: the holder must stop.
      client.on('error', () => (held = false));
      client.on('end', () => (held = false));
      await client.connect();
      try {
        const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext($1)) AS ok', [name]);
        held = res.rows[0]?.ok === true;
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
      if (!held) {
        await client.end().catch(() => undefined);
        return null;
      }
      return {
        isHeld: () => held,
        release: async () => {
          held = false;
          // Ending the session releases its advisory locks.
          await client.end().catch(() => undefined);
        },
      };
    },
    async close() {
      await pool.end();
    },
  };
}
