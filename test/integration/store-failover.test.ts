// @postgres-only: a connection the server ends and a read-only standby are PostgreSQL's own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/domain/core.ts';
import type { Db } from '../../src/store/db.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { StoreUnavailableError } from '../../src/store/store-errors.ts';
import { CLAIMANT_LOCK_PREFIX, smsClaimant } from '../../src/domain/notifications/sms-claimant.ts';
import { buildServer } from '../../src/server.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { makeSubscriber, testConfig, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * What an instance sees while Patroni fails the primary over, made on one real server: the
 * server ends a connection in the middle of a transaction or a statement
 * (`pg_terminate_backend`, as a stopping primary does), and a role whose every transaction is
 * read-only stands for a standby that HAProxy still routes to.
 */
const url = process.env.TEST_DATABASE_URL ?? '';
const schema = `fo_${randomBytes(5).toString('hex')}`;
const role = `ro_${randomBytes(5).toString('hex')}`;
let admin: Db;
let db: Db;
let env: TestEnv;
let readOnly: Db;
let roCore: Core;
let app: FastifyInstance;
let phone: string;

before(async () => {
  assert.ok(url, 'TEST_DATABASE_URL names the PostgreSQL server');
  admin = await openPostgres({ url, poolSize: 2 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = await openPostgres({ url, schema, poolSize: 2 });
  await db.query('CREATE TABLE work (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key text UNIQUE NOT NULL)');

  // The platform's own store and a standby's view of it.
  env = await testCore();
  const coreSchema = (await env.core.db.query<{ s: string }>('SELECT current_schema() AS s'))[0]!.s;
  await admin.exec(`CREATE ROLE ${role} LOGIN;
    GRANT USAGE ON SCHEMA ${coreSchema} TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${coreSchema} TO ${role};
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${coreSchema} TO ${role};
    ALTER ROLE ${role} SET default_transaction_read_only = on`);
  const roUrl = new URL(url);
  roUrl.username = role;
  readOnly = await openPostgres({ url: roUrl.toString(), schema: coreSchema, poolSize: 2 });
  roCore = { ...env.core, db: readOnly };
  app = await buildServer(roCore, testConfig);
  await app.ready();
  const s = await makeSubscriber(env.core);
  phone = s.msisdn;
  await setPasswordHash(env.core.db, s.subscriberId, await hashPassword('secret-pass-1'), env.core.clock.now());
});

after(async () => {
  await app?.close();
  await readOnly?.close();
  await db?.close();
  await env?.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.exec(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await admin.close();
});

test('a transaction whose connection the server ends before COMMIT runs again on a new one, and commits once', async () => {
  let runs = 0;
  const id = await db.tx(async (tx) => {
    runs++;
    const [row] = await tx.query<{ id: number }>('INSERT INTO work (key) VALUES ($1) RETURNING id', ['tx-1']);
    // The first attempt's server process is ended under it, as a primary that stops ends its sessions.
    if (runs === 1) await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
    return row!.id;
  });
  assert.equal(runs, 2);
  const rows = await db.query<{ id: number }>("SELECT id FROM work WHERE key = 'tx-1'");
  assert.deepEqual(rows.map((r) => r.id), [id], 'written exactly once');
});

test('a connection ended while its transaction waits between statements does not end the process: the transaction runs again', async () => {
  let runs = 0;
  await db.tx(async (tx) => {
    runs++;
    const { pid } = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!;
    if (runs === 1) {
      // The server ends this connection while no statement of it runs, as a stopping primary or a
      // proxy cutting sessions does; the client hears of it between statements.
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      while ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length > 0);
    }
    await tx.query('INSERT INTO work (key) VALUES ($1)', ['between-1']);
  });
  assert.equal(runs, 2);
  assert.equal((await db.query("SELECT 1 FROM work WHERE key = 'between-1'")).length, 1);
});

test('a transaction that fails over twice gives up with StoreUnavailableError, and nothing is written', async () => {
  let runs = 0;
  await assert.rejects(
    db.tx(async (tx) => {
      runs++;
      await tx.query('INSERT INTO work (key) VALUES ($1)', ['tx-2']);
      await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
    }),
    (err: unknown) => err instanceof StoreUnavailableError && !err.outcomeUnknown,
  );
  assert.equal(runs, 2);
  assert.equal((await db.query("SELECT 1 FROM work WHERE key = 'tx-2'")).length, 0);
});

test('a plain read whose connection is ended is read again; a write that may have committed is not run twice', async () => {
  const { pid } = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!;
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  const { n } = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM work'))[0]!;
  assert.equal(n, 2, 'the rows the two transactions above wrote');

  // A statement on its own commits as it ends: when its connection is lost it may or may not have
  // committed, so the store says so instead of running it again.
  await assert.rejects(
    db.query("INSERT INTO work (key) SELECT 'auto-1' WHERE pg_terminate_backend(pg_backend_pid())"),
    (err: unknown) => err instanceof StoreUnavailableError && err.outcomeUnknown,
  );
  assert.equal((await db.query("SELECT 1 FROM work WHERE key = 'auto-1'")).length, 0);
});

test('against a read-only server: readiness fails, liveness holds, and a write answers 503 with Retry-After', async () => {
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.json<{ status: string }>().status, 'read-only');
  assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);

  // Reads still work on a standby; a login writes its session, which the standby refuses.
  const tariffs = await app.inject({ method: 'GET', url: '/api/v1/catalog/tariffs' });
  assert.equal(tariffs.statusCode, 200);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'accept-language': 'en' }, payload: { msisdn: phone, password: 'secret-pass-1' } });
  assert.equal(login.statusCode, 503, login.body);
  assert.equal(login.headers['retry-after'], '2');
  const problem = login.json<{ code: string; title: string }>();
  assert.equal(problem.code, 'STORE_UNAVAILABLE');
  assert.match(problem.title, /Retry/);

  // The TM Forum facade answers in its own error body.
  const tmf = await app.inject({ method: 'POST', url: '/tmf-api/productCatalogManagement/v4/productOffering', headers: { authorization: 'Bearer nope' }, payload: {} });
  assert.notEqual(tmf.statusCode, 500);
});

test('the same store, writable: readiness passes', async () => {
  const writable = await buildServer(env.core, testConfig);
  try {
    const ready = await writable.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ok', store: 'postgres' });
  } finally {
    await writable.close();
  }
});

test('with a replica for reads (DATABASE_READ_URL), the catalog is read there and logins write to the primary', async () => {
  let replicaQueries = 0;
  const replica: Db = { ...readOnly, query: (sql, params) => (replicaQueries++, readOnly.query(sql, params)) };
  const split = await buildServer({ ...env.core, reads: replica }, testConfig);
  try {
    const tariffs = await split.inject({ method: 'GET', url: '/api/v1/catalog/tariffs' });
    assert.equal(tariffs.statusCode, 200);
    assert.ok(tariffs.json<{ items: unknown[] }>().items.length > 0);
    assert.ok(replicaQueries > 0, 'the catalog came from the replica');
    const login = await split.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: phone, password: 'secret-pass-1' } });
    assert.equal(login.statusCode, 200, login.body);
  } finally {
    await split.close();
  }
});

test("a transaction chosen as a deadlock's victim runs again from the start, and both transactions commit", async () => {
  await db.query("INSERT INTO work (key) VALUES ('dl-a'), ('dl-b')");
  const runs = { first: 0, second: 0 };
  let aLocked!: () => void;
  const aHeld = new Promise<void>((r) => (aLocked = r));
  let bLocked!: () => void;
  const bHeld = new Promise<void>((r) => (bLocked = r));
  const lock = (tx: { query: Db['query'] }, key: string) => tx.query('SELECT id FROM work WHERE key = $1 FOR UPDATE', [key]);
  // Each takes one row, then waits for the other's: the server breaks the cycle by rolling one back.
  const first = db.tx(async (tx) => {
    runs.first++;
    await tx.query("SET LOCAL deadlock_timeout = '50ms'");
    await lock(tx, 'dl-a');
    aLocked();
    await bHeld;
    await lock(tx, 'dl-b');
  });
  const second = db.tx(async (tx) => {
    runs.second++;
    await tx.query("SET LOCAL deadlock_timeout = '50ms'");
    await lock(tx, 'dl-b');
    bLocked();
    await aHeld;
    await lock(tx, 'dl-a');
  });
  // Both commit. The victim ran again at least once (under load its retry can meet the other
  // once more, and lose again: a second retry).
  await Promise.all([first, second]);
  assert.ok(runs.first + runs.second >= 3, `a victim ran again (${runs.first} + ${runs.second} runs)`);
});

test('the SMS claimant survives a failover: its lock lost and the store away, a claim fails; once the store is back, a new claimant with its lock held', async () => {
  // A balancer in front of the server, as HAProxy during a failover: "down" ends every connection
  // and ends each new one at once; "up" passes them through again.
  const target = new URL(url);
  let down = false;
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const gone = () => (client.destroy(), upstream.destroy(), sockets.delete(client), sockets.delete(upstream));
    client.on('error', gone).on('close', gone);
    upstream.on('error', gone).on('close', gone);
    client.pipe(upstream).pipe(client);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const viaProxy = new URL(url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String((proxy.address() as AddressInfo).port);
  const behind = await openPostgres({ url: viaProxy.toString(), schema, poolSize: 2 });
  const held = async (id: string) =>
    (await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = hashtext($1)::oid AND objid = hashtext($2)::oid`,
      [schema, CLAIMANT_LOCK_PREFIX + id],
    ))[0]!.n === 1;
  try {
    const first = await smsClaimant(behind);
    assert.ok(await held(first), 'the claimant holds its lock');
    down = true;
    for (const s of sockets) s.destroy();
    // The lock's connection is gone: its lock with it, and a new take cannot reach the store.
    for (const end = Date.now() + 10_000; await held(first); ) {
      assert.ok(Date.now() < end, 'the server let the lock go with its connection');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Once this process has seen the lock's connection end, a claim has no claimant to give.
    for (const end = Date.now() + 10_000; (await smsClaimant(behind).then(() => 'kept', () => 'refused')) === 'kept'; ) {
      assert.ok(Date.now() < end, 'a claim fails once the lock is lost and the store is away');
      await new Promise((r) => setTimeout(r, 20));
    }
    await assert.rejects(smsClaimant(behind), 'still away: the failed take was not kept, it was tried again');
    down = false;
    const second = await smsClaimant(behind);
    assert.notEqual(second, first, 'a new claimant: claims under the old one read as left behind');
    assert.ok(await held(second), 'and its lock is held');
    assert.equal(await smsClaimant(behind), second, 'kept while its lock is held');
  } finally {
    await behind.close();
    for (const s of sockets) s.destroy();
    proxy.close();
  }
});
