import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { loadCatalogFiles, type CatalogFiles } from '../../src/domain/catalog/load-catalog.ts';
import { syncCatalog } from '../../src/domain/catalog/sync-catalog.ts';
import type { Core } from '../../src/domain/core.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { DomainError } from '../../src/domain/shared/errors.ts';
import { systemCtx, type Ctx } from '../../src/domain/shared/context.ts';
import { provisionSubscriber, type ProvisionInput } from '../../src/domain/provisioning/provision-subscriber.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { createCore } from '../../src/runtime.ts';
import { buildServer } from '../../src/server.ts';
import type { Db, Tx } from '../../src/store/db.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';

/** Which store the suite runs on: PGlite unless TEST_DATABASE_URL names a PostgreSQL server. */
export const storeKind: 'pglite' | 'postgres' = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

let files: CatalogFiles | undefined;

export interface TestStore {
  db: Db;
  /** Another connection pool to the same database, as a second app instance would have. */
  openAnother(): Promise<Db>;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file: a PGlite instance, or a PostgreSQL schema of its own. */
export async function freshStore(): Promise<TestStore> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const db = await openPglite(null);
    return { db, openAnother: async () => db, drop: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres({ url, poolSize: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const opened: Db[] = [];
  const open = async () => {
    const db = await openPostgres({ url, schema, poolSize: 20 });
    opened.push(db);
    return db;
  };
  const db = await open();
  return {
    db,
    openAnother: open,
    drop: async () => {
      for (const d of opened) await d.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

export const quietLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export const testConfig = loadConfig({ NODE_ENV: 'test', STORE: 'memory', LOG_LEVEL: 'silent', TRUSTED_PROXIES: '10.20.0.0/16,127.0.0.2', HUB_CALLBACK_ALLOWED: '127.0.0.1' } as NodeJS.ProcessEnv);

export interface TestEnv {
  core: Core;
  clock: ManualClock;
  store: TestStore;
  close(): Promise<void>;
}

/**
 * The embedded store, migrated and with the default catalog loaded, as an archive: made by the
 * first test file that needs it and kept in the temporary directory under a name that is the hash
 * of the migrations and the catalog, so every later file (and run) starts from it instead of
 * migrating a new PGlite again. A change to either makes a new archive.
 */
async function pgliteTemplate(): Promise<Blob> {
  const hash = createHash('sha256');
  for (const dir of [fileURLToPath(new URL('../../src/store/migrations/', import.meta.url)), fileURLToPath(new URL('../../catalog/', import.meta.url))]) {
    for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  }
  hash.update(readFileSync(fileURLToPath(new URL('../../src/store/migrate.ts', import.meta.url))));
  hash.update(readFileSync(fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url))));
  const path = join(tmpdir(), `abonent-test-store-${hash.digest('hex').slice(0, 16)}.tgz`);
  if (!existsSync(path)) {
    const db = await openPglite(null);
    const core = await createCore(testConfig, { db, log: quietLog });
    files ??= loadCatalogFiles();
    await syncCatalog(core.db, files);
    const archive = Buffer.from(await (await db.dumpDataDir!()).arrayBuffer());
    await db.close();
    // Written aside and renamed: a file running beside this one never reads half an archive.
    const part = `${path}.${process.pid}.part`;
    writeFileSync(part, archive);
    renameSync(part, path);
  }
  return new Blob([readFileSync(path)]);
}

/** A fresh store for one test file, migrated and with the default catalog loaded. */
export async function catalogStore(): Promise<TestStore> {
  if (storeKind === 'pglite') {
    const db = await openPglite(null, { loadDataDir: await pgliteTemplate() });
    return { db, openAnother: async () => db, drop: () => db.close() };
  }
  const store = await freshStore();
  const core = await createCore(testConfig, { db: store.db, log: quietLog });
  files ??= loadCatalogFiles();
  await syncCatalog(core.db, files);
  return store;
}

/** A migrated store with the default catalog loaded, and the domain wired on top of it. */
export async function testCore(opts: { clock?: ManualClock } = {}): Promise<TestEnv> {
  const store = await catalogStore();
  const clock = opts.clock ?? new ManualClock('2026-03-10T09:00:00Z');
  const core = await createCore(testConfig, { db: store.db, clock, log: quietLog });
  return { core, clock, store, close: () => store.drop() };
}

/** A second instance of the application on the same database (its own pool on PostgreSQL). */
export async function secondCore(env: TestEnv): Promise<Core> {
  const db = await env.store.openAnother();
  return { ...env.core, db };
}

export async function testApp(core: Core) {
  const app = await buildServer(core, testConfig);
  await app.ready();
  return app;
}

let counter = 0;
/** Numbers unique within a test file: 7955xxxxxxx. */
export function nextMsisdn(): string {
  counter += 1;
  return `7955${String(counter).padStart(7, '0')}`;
}

export async function makeSubscriber(core: Core, input: Partial<ProvisionInput> = {}): Promise<{ msisdn: string; subscriberId: number; accountId: number; customerId: number }> {
  const msisdn = input.msisdn ?? nextMsisdn();
  const res = await provisionSubscriber(core, systemCtx('test'), {
    msisdn,
    iccid: `89701${msisdn}`,
    regionCode: '77',
    tariffCode: 'smart',
    openingBalance: 100_000,
    ...input,
  });
  return { msisdn, ...res };
}

export function ctxAs(actor: Ctx['actor'], extra: Partial<Ctx> = {}): Ctx {
  return { actor, channel: 'web', requestId: `test-${randomBytes(4).toString('hex')}`, lang: 'ru', ...extra };
}

export function subscriberCtx(subscriberId: number, extra: Partial<Ctx> = {}): Ctx {
  return ctxAs({ kind: 'subscriber', subscriberId }, extra);
}

export async function ledgerSum(core: Core, accountId: number): Promise<{ balance: number; sum: number; entries: number }> {
  const rows = await core.db.query<{ balance: number; sum: number; entries: number }>(
    `SELECT a.balance, COALESCE((SELECT SUM(amount) FROM ledger_entry WHERE account_id = a.id), 0)::bigint AS sum,
            (SELECT count(*)::int FROM ledger_entry WHERE account_id = a.id) AS entries
       FROM account a WHERE a.id = $1`,
    [accountId],
  );
  return rows[0]!;
}

/** For `assert.rejects`: the use case refused with exactly this code. */
export function refusal(code: string): (e: unknown) => boolean {
  return (e) => e instanceof DomainError && e.code === code;
}

/** The same core on a store that counts how often each prepared statement runs. */
export function countingPrepared(core: Core): { core: Core; runs: Map<string, number> } {
  const runs = new Map<string, number>();
  const db: Db = {
    ...core.db,
    prepare<T>(name: string, sql: string, types: Parameters<Db['prepare']>[2]) {
      const run = core.db.prepare<T>(name, sql, types);
      return async (params) => {
        runs.set(name, (runs.get(name) ?? 0) + 1);
        return run(params);
      };
    },
  };
  return { core: { ...core, db }, runs };
}

/**
 * Opens a transaction on `db` (another instance, say), takes the locks `lock` takes and keeps them
 * until `release()`, which ends the transaction and resolves when it has (safe to call twice).
 */
export async function holdLocks(db: Db, lock: (tx: Tx) => Promise<unknown>): Promise<{ release: () => Promise<void> }> {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let holding!: () => void;
  const held = new Promise<void>((r) => (holding = r));
  const holder = db.tx(async (tx) => {
    await lock(tx);
    holding();
    await gate;
  });
  await Promise.race([held, holder]);
  return {
    release: async () => {
      open();
      await holder;
    },
  };
}

/** A bearer header for the subscriber, from a real password login through `app`. */
export async function bearerFor(core: Core, app: Awaited<ReturnType<typeof testApp>>, s: { msisdn: string; subscriberId: number }): Promise<{ authorization: string }> {
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  return { authorization: `Bearer ${res.json<{ token: string }>().token}` };
}
