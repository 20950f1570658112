// @store-independent: it brings up a cluster of its own (deploy/cluster.sh), whatever store the pass uses.
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { DEMO } from '../../src/seed/seed-demo.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import type { Db } from '../../src/store/db.ts';

const execFile = promisify(execFileCb);

/**
 * The cluster an operator runs, on this machine: etcd, PostgreSQL primary and replica under
 * Patroni, HAProxy, three Abonent instances (deploy/cluster.sh). A login and a top-up go through
 * HAProxy; then the primary's host "dies" (Patroni and PostgreSQL killed), Patroni promotes the
 * replica, and a top-up retried with the same Idempotency-Key through the outage is applied
 * exactly once; the ledger verifies.
 */
const dir = join(tmpdir(), `abonent-cluster-${process.pid}`);
const base = 56400;
const env = { ...process.env, CLUSTER_DIR: dir, CLUSTER_PORT_BASE: String(base), DEMO_SUBSCRIBERS: '20', LOG_LEVEL: 'warn', NODE_ENV: 'development' };
const http = `http://127.0.0.1:${base + 90}`;
const writeUrl = `postgres://postgres@127.0.0.1:${base}/abonent`;
let apiKey = '';

const cluster = (...args: string[]) => execFile('bash', ['deploy/cluster.sh', ...args], { env, maxBuffer: 1 << 24, timeout: 300_000 });
const cli = (...args: string[]) => execFile(process.execPath, ['bin/abonent.js', ...args], { env: { ...env, DATABASE_URL: writeUrl }, timeout: 120_000 });

before(async () => {
  await cluster('down', '--purge').catch(() => undefined);
  await cluster('up');
  const { stdout } = await cli('apikey', 'create', '--name', 'cluster-test');
  apiKey = /(abk_\S+)/.exec(stdout)![1]!;
});

after(async () => {
  await cluster('down', '--purge').catch((err: unknown) => console.error(err));
  rmSync(dir, { recursive: true, force: true });
});

async function topUp(key: string, kopecks: number): Promise<Response> {
  return fetch(`${http}/tmf-api/prepayBalanceManagement/v4/topupBalance`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({
      amount: { amount: kopecks / 100, units: 'RUB' },
      usageType: 'monetary',
      bucket: [{ id: `money-${DEMO.subscriber.msisdn}` }],
      partyAccount: { id: DEMO.subscriber.msisdn },
    }),
    signal: AbortSignal.timeout(15_000),
  });
}

async function entriesWith(db: Db, key: string): Promise<number> {
  const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entry WHERE idempotency_key LIKE $1', [`%${key}%`]);
  return rows[0]!.n;
}

test('login and a top-up through HAProxy; after the primary dies, a retried top-up is applied exactly once', async () => {
  const login = await fetch(`${http}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: DEMO.subscriber.msisdn, password: DEMO.subscriber.password }),
  });
  assert.equal(login.status, 200, await login.text());
  const before = await topUp(`before-${randomUUID()}`, 10_000);
  assert.equal(before.status, 201, await before.text());

  const { stdout: old } = await cluster('fail-primary');
  const started = Date.now();
  // The client retries the same top-up, with the same key, until the cluster takes it again.
  const key = `failover-${randomUUID()}`;
  const answers: number[] = [];
  let done: Response | null = null;
  while (!done) {
    const r = await topUp(key, 12_345).catch(() => null);
    answers.push(r?.status ?? 0);
    if (r?.status === 201) done = r;
    else if (Date.now() - started > 120_000) assert.fail(`no top-up within 120 s: ${answers.join(',')}`);
    else await new Promise((res) => setTimeout(res, 250)); // a client's retry interval, not synchronisation
  }
  const outage = (Date.now() - started) / 1000;
  const first = (await done.json()) as { id: string };
  // Once more with the same key: the same top-up, not a second one.
  const again = await topUp(key, 12_345);
  assert.ok([200, 201].includes(again.status), String(again.status));
  assert.equal(((await again.json()) as { id: string }).id, first.id);

  const { stdout: primary } = await cluster('primary');
  assert.notEqual(primary.trim(), old.trim(), 'Patroni promoted the replica');
  console.log(`failover: ${old.trim()} → ${primary.trim()}, top-up outage ${outage.toFixed(1)} s, answers while failing over: ${[...new Set(answers)].join(', ')}`);
  assert.ok(answers.every((s) => s === 0 || s === 201 || s === 503), `only refusals that say "retry": ${answers.join(',')}`);

  // The catalog comes through the read port (DATABASE_READ_URL), which still reaches a node.
  const tariffs = await fetch(`${http}/api/v1/catalog/tariffs`);
  assert.equal(tariffs.status, 200);

  const db = await openPostgres({ url: writeUrl, poolSize: 1 });
  try {
    assert.equal(await entriesWith(db, first.id), 1, 'one ledger entry for the retried top-up');
  } finally {
    await db.close();
  }
  const verify = await cli('verify');
  assert.match(verify.stdout, /ledger ok/);
});
