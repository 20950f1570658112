import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/store/db.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';

/**
 * The `abonent` command as a newcomer runs it: a real process on a file-backed embedded store
 * (or on PostgreSQL when the suite runs there, in a schema of its own).
 */
let dir: string;
const pgUrl = process.env.TEST_DATABASE_URL ?? '';
const schemas: string[] = [];

/** A new empty store for a CLI run: a data folder for PGlite, plus a schema on PostgreSQL. */
function newStore(): { dir: string; schema: string } {
  const schema = `cli_${randomBytes(5).toString('hex')}`;
  if (pgUrl) schemas.push(schema);
  return { dir: mkdtempSync(join(tmpdir(), 'abonent-cli-')), schema };
}

function storeEnv(st: { dir: string; schema: string }) {
  return { DATA_DIR: st.dir, DATABASE_URL: pgUrl, ...(pgUrl ? { DATABASE_SCHEMA: st.schema } : {}) };
}

async function openSame(st: { dir: string; schema: string }): Promise<Db> {
  return pgUrl ? openPostgres({ url: pgUrl, schema: st.schema, poolSize: 1 }) : openPglite(`${st.dir}/pglite`);
}

let main: { dir: string; schema: string };
const env = (st = main) => ({ ...process.env, ...storeEnv(st), LOG_LEVEL: 'silent', NODE_ENV: 'development' });

function cli(...args: string[]) {
  const res = spawnSync(process.execPath, ['bin/abonent.js', ...args], { env: env(), encoding: 'utf8', timeout: 120_000 });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

before(() => {
  main = newStore();
  dir = main.dir;
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUrl) {
    const admin = await openPostgres({ url: pgUrl, poolSize: 1 });
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.close();
  }
});

test('migrate, seed, verify, apikey, password reset', () => {
  assert.equal(cli('migrate').code, 0);
  const seed = cli('seed', '--subscribers', '25');
  assert.equal(seed.code, 0, seed.err);
  assert.match(seed.out, /seeded 25 subscribers/);
  const verify = cli('verify');
  assert.equal(verify.code, 0, verify.err);
  assert.match(verify.out, /ledger ok: 25 accounts/);
  const key = cli('apikey', 'create', '--name', 'crm');
  assert.equal(key.code, 0);
  assert.match(key.out, /abk_[0-9a-f]{12}_/);
  const scoped = cli('apikey', 'create', '--name', 'reader', '--scopes', 'read,party:write');
  assert.equal(scoped.code, 0, scoped.err);
  assert.match(scoped.out, /scopes: read, party:write\); shown only now:\nabk_/);
  const bad = cli('apikey', 'create', '--name', 'x', '--scopes', 'read,root');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /root is no scope; scopes: all, or some of read, catalog:write/);
  const reset = cli('password', 'reset', '--msisdn', '+7 926 000-00-03', '--password', 'new-pass-1');
  assert.equal(reset.code, 0, reset.err);
  assert.equal(cli('password', 'reset', '--msisdn', '79260009999').code, 1);
  assert.equal(cli('seed', '--subscribers', 'lots').code, 2);
  assert.equal(cli('no-such-command').code, 2);
});

test('staff create prints the password once and refuses the same email again; backup and restore (pg_dump on PostgreSQL)', async () => {
  const staff = cli('staff', 'create', '--email', 'chief@operator.example');
  assert.equal(staff.code, 0, staff.err);
  assert.match(staff.out, /^staff account chief@operator\.example created \(id \d+\); password, shown only now:\n\S{14}\n$/);
  const dup = cli('staff', 'create', '--email', 'Chief@operator.example', '--password', 'a-long-password');
  assert.equal(dup.code, 1);
  assert.match(dup.err, /A staff account with the email chief@operator\.example already exists \(STAFF_EMAIL_TAKEN\)/);
  assert.equal(cli('staff', 'create').code, 2);

  const file = join(dir, 'backup.tar.gz');
  const backup = cli('backup', file);
  if (pgUrl) {
    assert.equal(backup.code, 2);
    assert.match(backup.err, /pg_dump --format=custom/);
    assert.match(cli('restore', file).err, /pg_restore/);
    return;
  }
  assert.equal(backup.code, 0, backup.err);
  const target = newStore();
  const restored = spawnSync(process.execPath, ['bin/abonent.js', 'restore', file], { env: env(target), encoding: 'utf8' });
  assert.equal(restored.status, 0, restored.stderr);
  const [a, b] = [await openSame(main), await openSame(target)];
  try {
    const q = 'SELECT email, password_hash FROM staff_user ORDER BY email';
    assert.deepEqual(await b.query(q), await a.query(q));
  } finally {
    await a.close();
    await b.close();
    rmSync(target.dir, { recursive: true, force: true });
  }
});

test('numbers add / list / release: ranges into a region\'s pool, refused whole when a number is taken, with the number named', () => {
  const add = cli('numbers', 'add', '--region', '78', '--from', '79215550000', '--count', '100');
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /added 100 numbers to region 78: 79215550000–79215550099/);
  const again = cli('numbers', 'add', '--region', '78', '--from', '79215550099', '--count', '2');
  assert.equal(again.code, 1);
  assert.match(again.err, /\+7 921 555-00-99 is already in the number pool \(NUMBER_TAKEN\)/);
  const owned = cli('numbers', 'add', '--region', '77', '--from', '79260000003', '--count', '1');
  assert.equal(owned.code, 1);
  assert.match(owned.err, /\+7 926 000-00-03 already belongs to a subscriber/);
  // (Each run opens the store anew, so the refusals of bad input are tested through the same use case over HTTP.)
  const list = cli('numbers', 'list', '--region', '78', '--status', 'free');
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^78\s+100\s+0\s+0\s+\(0\)/m);
  assert.match(list.out, /total\s+100 free, 0 reserved, 0 quarantined/);
  assert.equal(list.out.split('\n').filter((l) => /^7921555\d{4}\s+78\s+free$/.test(l)).length, 100);
  const rel = cli('numbers', 'release');
  assert.equal(rel.code, 0, rel.err);
  assert.match(rel.out, /released 0 numbers/);
});

test('seeding is deterministic: the same seed gives the same subscribers', async () => {
  const seedInto = async () => {
    const st = newStore();
    const res = spawnSync(process.execPath, ['bin/abonent.js', 'seed', '--subscribers', '10', '--seed', '7'], { env: env(st), encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    return dump(st);
  };
  const a = await seedInto();
  const b = await seedInto();
  assert.equal(a.length, 10);
  assert.ok(new Set(a.map((r) => r.tariff_code)).size > 1, 'several tariffs');
  assert.deepEqual(a, b);
});

/** Reads the generated subscribers back, then removes the store. */
async function dump(st: { dir: string; schema: string }) {
  const db = await openSame(st);
  try {
    return await db.query<{ msisdn: string; region_code: string; tariff_code: string; balance: number }>(
      'SELECT s.msisdn, s.region_code, s.tariff_code, a.balance FROM subscriber s JOIN account a ON a.id = s.account_id ORDER BY s.msisdn',
    );
  } finally {
    await db.close();
    rmSync(st.dir, { recursive: true, force: true });
  }
}

test('verify exits non-zero and names the account when a balance does not match its entries', async () => {
  const db = await openSame(main);
  try {
    // Only a deliberate bypass of the store's guard can break the invariant.
    await db.exec('ALTER TABLE account DISABLE TRIGGER account_balance_guard');
    await db.query('UPDATE account SET balance = balance + 1 WHERE id = 3');
    await db.exec('ALTER TABLE account ENABLE TRIGGER account_balance_guard');
    await assert.rejects(db.query('UPDATE account SET balance = balance + 1 WHERE id = 4'), /only through ledger entries/);
    await assert.rejects(db.query('DELETE FROM ledger_entry WHERE account_id = 4'), /append-only/);
  } finally {
    await db.close();
  }
  const verify = cli('verify');
  assert.equal(verify.code, 1);
  assert.match(verify.err, /account 3: balance/);
});

test('npm start boots an empty store with demo data and serves the demo login', async () => {
  const fresh = newStore();
  const child = spawn(process.execPath, ['bin/abonent.js', 'start'], {
    env: { ...env(fresh), PORT: '0', DEMO_SUBSCRIBERS: '50' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /running at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: '79001234567', password: 'demo1234' }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const products = (await (await fetch(`${url}/api/v1/subscribers/me/products`, { headers: { authorization: `Bearer ${token}` } })).json()) as { paid: { code: string }[] };
    assert.deepEqual(products.paid.map((p) => p.code).sort(), ['ringback', 'weather']);
    const openapi = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(openapi.openapi, '3.1.0');
    assert.ok(openapi.paths['/api/v1/subscribers/{msisdn}/balance']);
    assert.equal((await fetch(`${url}/docs/`)).status, 200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /abonent_http_requests_total\{method="POST",route="\/api\/v1\/auth\/login",status="200"\} 1/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  // The embedded store belongs to one process at a time: verify once the server has stopped.
  const verify = spawnSync(process.execPath, ['bin/abonent.js', 'verify'], { env: env(fresh), encoding: 'utf8' });
  rmSync(fresh.dir, { recursive: true, force: true });
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(verify.stdout, /ledger ok: 25[0-9] accounts/);
});
