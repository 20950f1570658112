import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

/** PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite under DATA_DIR (or in memory). */
/**
 * The replica for lag-tolerant reads when DATABASE_READ_URL is set (with PostgreSQL only), in the
 * same schema as the primary; null otherwise.
 */
export async function openReadStore(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_READ_URL' | 'DATABASE_SCHEMA' | 'DATABASE_POOL_SIZE'>): Promise<Db | null> {
  if (!config.DATABASE_URL || !config.DATABASE_READ_URL) return null;
  const schema = config.DATABASE_SCHEMA;
  return openPostgres({ url: config.DATABASE_READ_URL, poolSize: config.DATABASE_POOL_SIZE, ...(schema ? { schema } : {}) });
}

export async function openStore(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'DATA_DIR' | 'STORE' | 'DATABASE_POOL_SIZE'>): Promise<Db> {
  if (config.DATABASE_URL) {
    const schema = config.DATABASE_SCHEMA;
    const db = await openPostgres({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, ...(schema ? { schema } : {}) });
    if (schema) await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    return db;
  }
  return openPglite(config.STORE === 'memory' ? null : `${config.DATA_DIR.replace(/\/$/, '')}/pglite`);
}
