import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { Db, Tx } from './db.ts';

/**
 * PGlite runs one connection: a transaction holds it exclusively, so statements from other
 * requests wait. Use cases must therefore issue every statement of a transaction through `tx`.
 */
export async function openPglite(dataDir: string | null): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir ?? undefined);
  await pg.exec("SET TIME ZONE 'UTC'");
  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: readonly unknown[]) {
      const res = await pg.query<T>(sql, params as unknown[] | undefined);
      return res.rows;
    },
    async exec(sql: string) {
      await pg.exec(sql);
    },
    tx<T>(fn: (tx: Tx) => Promise<T>) {
      return pg.transaction(async (t) =>
        fn({
          async query<R>(sql: string, params?: readonly unknown[]) {
            const res = await t.query<R>(sql, params as unknown[] | undefined);
            return res.rows;
          },
          async exec(sql: string) {
            await t.exec(sql);
          },
        }),
      );
    },
    async close() {
      await pg.close();
    },
  };
}
