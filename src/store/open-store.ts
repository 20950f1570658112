import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

/** PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite under DATA_DIR (or in memory). */
export async function openStore(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'DATA_DIR' | 'STORE' | 'DATABASE_POOL_SIZE'>): Promise<Db> {
  if (config.DATABASE_URL) {
    const schema = config.DATABASE_SCHEMA;
    const db = await openPostgres({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, ...(schema ? { schema } : {}) });
    if (schema) await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    return db;
  }
  return openPglite(config.STORE === 'memory' ? null : `${config.DATA_DIR.replace(/\/$/, '')}/pglite`);
}
