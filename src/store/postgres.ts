import pg from 'pg';
import type { Db, ParamType, Prepared, Tx } from './db.ts';

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
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    options: `-c timezone=UTC${opts.schema ? ` -c search_path=${opts.schema}` : ''}`,
  });
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
    async close() {
      await pool.end();
    },
  };
}
