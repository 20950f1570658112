import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig, type Config } from '../src/config.ts';
import { createSession } from '../src/domain/auth/sessions.ts';
import { loadCatalogFiles } from '../src/domain/catalog/load-catalog.ts';
import { syncCatalog } from '../src/domain/catalog/sync-catalog.ts';
import type { Core } from '../src/domain/core.ts';
import { provisionSubscriber } from '../src/domain/provisioning/provision-subscriber.ts';
import { systemCtx } from '../src/domain/shared/context.ts';
import { createCore } from '../src/runtime.ts';
import type { Db } from '../src/store/db.ts';
import { openPglite } from '../src/store/pglite.ts';
import { openPostgres } from '../src/store/postgres.ts';

/**
 * The application as it runs in production, on a throwaway store: an in-memory PGlite, or a
 * schema of its own on the PostgreSQL server named by DATABASE_URL (dropped by `close`).
 */
export interface BenchEnv {
  core: Core;
  config: Config;
  /** Human-readable description of the store, for the report. */
  storeLabel: string;
  /** The PostgreSQL schema of this run (none on PGlite): other processes open the same store with it. */
  schema?: string;
  close(): Promise<void>;
}

export async function openBenchEnv(): Promise<BenchEnv> {
  // Production settings (the API as deployed), minus anything written to disk.
  const config = loadConfig({
    NODE_ENV: 'production',
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    STORE: 'memory',
    DATABASE_URL: process.env.DATABASE_URL,
    DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE,
  } as NodeJS.ProcessEnv);

  let db: Db;
  let dropSchema = async (): Promise<void> => undefined;
  let storeLabel: string;
  let schema: string | undefined;
  if (config.DATABASE_URL) {
    schema = `bench_${randomBytes(6).toString('hex')}`;
    const admin = await openPostgres({ url: config.DATABASE_URL, poolSize: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    db = await openPostgres({ url: config.DATABASE_URL, schema, poolSize: config.DATABASE_POOL_SIZE });
    dropSchema = async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    };
    storeLabel = `PostgreSQL (schema ${schema}, pool ${config.DATABASE_POOL_SIZE})`;
  } else {
    db = await openPglite(process.env.BENCH_PGLITE_DIR ? `${process.env.BENCH_PGLITE_DIR}/pglite-${process.pid}-${Date.now()}` : null);
    storeLabel = 'PGlite in memory, in-process';
  }

  const core = await createCore(config, { db, log: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }) });
  await syncCatalog(core.db, loadCatalogFiles());
  return {
    core,
    config,
    storeLabel,
    schema,
    close: async () => {
      await db.close();
      await dropSchema();
    },
  };
}

export interface BenchSubscriber {
  msisdn: string;
  subscriberId: number;
  accountId: number;
  token: string;
}

/** Provisions `count` subscribers the way the operator does, each with a logged-in web session. */
export async function loggedInSubscribers(core: Core, count: number): Promise<BenchSubscriber[]> {
  const ctx = systemCtx('bench');
  const out: BenchSubscriber[] = [];
  for (let i = 1; i <= count; i++) {
    const msisdn = `7956${String(i).padStart(7, '0')}`;
    const { subscriberId, accountId } = await provisionSubscriber(core, ctx, {
      msisdn,
      iccid: `89701${msisdn}`,
      regionCode: '77',
      tariffCode: 'smart',
      openingBalance: 100_000,
    });
    const { token } = await createSession(core.db, core, { kind: 'subscriber', subjectId: subscriberId, channel: 'web', method: 'password' });
    out.push({ msisdn, subscriberId, accountId, token });
  }
  return out;
}
