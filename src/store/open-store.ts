import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

/** PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite under DATA_DIR (or in memory). */
export async function openStore(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'STORE' | 'DATABASE_POOL_SIZE'>, schema?: string): Promise<Db> {
  if (config.DATABASE_URL) {
    return openPostgres({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, ...(schema ? { schema } : {}) });
  }
  return openPglite(config.STORE === 'memory' ? null : `${config.DATA_DIR.replace(/\/$/, '')}/pglite`);
}
