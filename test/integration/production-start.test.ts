import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO } from '../../src/seed/seed-demo.ts';
import type { Db } from '../../src/store/db.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';

/**
 * `NODE_ENV=production abonent start` on an empty store, as an operator runs it: a real process on
 * a file-backed embedded store (or a PostgreSQL schema of its own when the suite runs there).
 * Nothing of the demo may exist: no known password, no simulator, no SMS inbox, no subscribers.
 */
const pgUrl = process.env.TEST_DATABASE_URL ?? '';
const schema = `prod_${randomBytes(5).toString('hex')}`;
const METRICS_TOKEN = 'prod-metrics-token-0123456789';
let dir: string;
let output = '';
let url = '';
let metricsUrl = '';
let child: ReturnType<typeof spawn> | undefined;

async function openSame(): Promise<Db> {
  return pgUrl ? openPostgres({ url: pgUrl, schema, poolSize: 1 }) : openPglite(join(dir, 'pglite'));
}

async function stop(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'abonent-prod-'));
  child = spawn(process.execPath, ['bin/abonent.js', 'start'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      SECRET_KEY: randomBytes(24).toString('hex'),
      DATA_DIR: dir,
      STORE: 'file',
      DATABASE_URL: pgUrl,
      ...(pgUrl ? { DATABASE_SCHEMA: schema } : {}),
      PORT: '0',
      METRICS_PORT: '0',
      METRICS_TOKEN,
      VOICE_AGI_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      DEMO_MODE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    child!.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(output);
      const metrics = /Metrics:\s+(http:\/\/\S+\/metrics)/.exec(output);
      // The whole banner is one write: once the hint is there, every line above it is too.
      if (m && metrics && /First steps/.test(output)) {
        url = m[1]!;
        metricsUrl = metrics[1]!;
        resolve();
      }
    });
    child!.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child!.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
});

after(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
  if (pgUrl) {
    const admin = await openPostgres({ url: pgUrl, poolSize: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
});

const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('the start prints how to make the first staff account and an API key, and no demo login', () => {
  assert.match(output, /npx abonent staff create --email \S+/);
  assert.match(output, /npx abonent apikey create --name \S+/);
  assert.doesNotMatch(output, /Demo logins|demo1234/);
  assert.doesNotMatch(output, /demo data/);
});

test('every demo credential is refused with 401 on its login route', async () => {
  const sub = await post('/api/v1/auth/login', { msisdn: DEMO.subscriber.msisdn, password: DEMO.subscriber.password });
  assert.equal(sub.status, 401, await sub.text());
  for (const who of [DEMO.businessAdmin, DEMO.accountant, DEMO.departmentManager]) {
    const res = await post('/api/v1/auth/business/login', { email: who.email, password: who.password });
    assert.equal(res.status, 401, `${who.email}: ${await res.text()}`);
  }
  const staff = await post('/api/v1/auth/staff/login', { email: DEMO.staff.email, password: DEMO.staff.password });
  assert.equal(staff.status, 401, await staff.text());
});

test('no phone simulator, no demo SMS inbox; the web app is told demo mode is off', async () => {
  assert.equal((await fetch(`${url}/api/v1/demo/sms?msisdn=${DEMO.subscriber.msisdn}`)).status, 404);
  assert.equal((await fetch(`${url}/phone`)).status, 404);
  assert.equal((await fetch(`${url}/phone/api/capabilities`)).status, 404);
  const ussd = await fetch(`${url}/phone/api/ussd`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msisdn: DEMO.subscriber.msisdn, text: '*100#' }) });
  assert.equal(ussd.status, 404);
  const me = (await (await fetch(`${url}/api/v1/auth/whoami`)).json()) as { kind: string; demo: boolean };
  assert.deepEqual(me, { kind: 'anonymous', demo: false });
});

test('the catalog and regions are loaded; metrics only on their own port, with the token', async () => {
  const tariffs = (await (await fetch(`${url}/api/v1/catalog/tariffs`)).json()) as { items: { code: string }[] };
  assert.ok(tariffs.items.length > 0, 'tariffs on sale');
  const regions = (await (await fetch(`${url}/api/v1/catalog/regions`)).json()) as { items: { code: string }[] };
  assert.ok(regions.items.some((r) => r.code === '77'));
  assert.equal((await fetch(`${url}/metrics`)).status, 404);
  assert.notEqual(new URL(metricsUrl).port, new URL(url).port);
  assert.equal((await fetch(metricsUrl)).status, 401);
  const metrics = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /abonent_http_requests_total\{method="POST",route="\/api\/v1\/auth\/staff\/login",status="401"\} 1/);
});

test('the store holds no subscriber, no business admin and no staff account', async () => {
  await stop();
  const db = await openSame();
  try {
    const [row] = await db.query<{ subscribers: number; admins: number; staff: number; tariffs: number }>(
      `SELECT (SELECT count(*)::int FROM subscriber) AS subscribers, (SELECT count(*)::int FROM business_admin) AS admins,
              (SELECT count(*)::int FROM staff_user) AS staff, (SELECT count(*)::int FROM tariff_plan) AS tariffs`,
    );
    assert.deepEqual({ ...row, tariffs: row!.tariffs > 0 }, { subscribers: 0, admins: 0, staff: 0, tariffs: true });
  } finally {
    await db.close();
  }
});
