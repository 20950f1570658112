import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openPglite } from '../../src/store/pglite.ts';

/**
 * One owner per embedded store, with real processes: `abonent start` on a file-backed PGlite store
 * (whatever store the suite runs on: the lock and the admin channel belong to the embedded one),
 * and the command line beside it. @store-independent: it runs in the suite's first pass only.
 */
const root = mkdtempSync(join(tmpdir(), 'abonent-owner-'));
const dataDir = join(root, 'data');
const env = (dir = dataDir) => ({ ...process.env, DATA_DIR: dir, DATABASE_URL: '', DATABASE_SCHEMA: '', STORE: 'file', LOG_LEVEL: 'silent', NODE_ENV: 'development' });

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function cli(args: string[], opts: { dir?: string; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/abonent.js'), ...args], { env: env(opts.dir), cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

let server: ChildProcess;
let url: string;
let serverExited: Promise<number | null>;

before(async () => {
  server = spawn(process.execPath, ['bin/abonent.js', 'start'], {
    env: { ...env(), PORT: '0', DEMO_SUBSCRIBERS: '20', DEMO_TRAFFIC: 'off', VOICE_AGI_ENABLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serverExited = new Promise((r) => server.once('exit', (code) => r(code)));
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void serverExited.then((code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
});

after(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await serverExited;
  }
  rmSync(root, { recursive: true, force: true });
});

test('a second process on the live store is refused, naming the holder, and touches nothing', async () => {
  const lock = JSON.parse(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')) as { pid: number; command: string; startedAt: string };
  assert.equal(lock.pid, server.pid);
  assert.match(lock.command, /abonent\.js start/);
  assert.equal(statSync(join(dataDir, 'admin.sock')).mode & 0o777, 0o600, 'the admin socket is the owner\'s only');
  assert.equal(statSync(dataDir).mode & 0o077, 0, 'a new DATA_DIR is the owner\'s only');

  for (const args of [['migrate'], ['start'], ['simulate', '--minutes', '1']]) {
    const res = await cli(args);
    assert.equal(res.code, 1, `${args[0]}: ${res.out}${res.err}`);
    assert.match(res.err, new RegExp(`in use by process ${server.pid} on \\S+ \\(.*abonent\\.js start\\) since ${lock.startedAt.replace(/\./g, '\\.')}`));
    assert.match(res.err, /stop that process first/);
  }
  assert.deepEqual(JSON.parse(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')), lock, 'the lock still names the server');
  assert.equal((await fetch(`${url}/health`)).status, 200);
});

/** Outputs of commands run by the server, compared with direct runs once it has stopped. */
const remote: Record<string, Run> = {};

test('operator commands run beside the server, over its admin channel', async () => {
  const key = await cli(['apikey', 'create', '--name', 'crm']);
  assert.equal(key.code, 0, key.err);
  const [, prefix] = /^API key "crm" \(prefix ([0-9a-f]{12}); scopes: all\); shown only now:\nabk_\1_\S+\n$/.exec(key.out) ?? [];
  assert.ok(prefix, key.out);
  const revoke = await cli(['apikey', 'revoke', '--prefix', prefix!]);
  assert.deepEqual([revoke.code, revoke.out], [0, 'revoked\n']);
  const again = await cli(['apikey', 'revoke', '--prefix', prefix!]);
  assert.deepEqual([again.code, again.out], [1, 'no active key with that prefix\n']);
  assert.equal((await cli(['apikey', 'create'])).err, 'apikey create: --name is required\n');

  const reset = await cli(['password', 'reset', '--msisdn', '+7 926 000-00-03', '--password', 'new-pass-1']);
  assert.deepEqual([reset.code, reset.out], [0, 'password for 79260000003 set\n']);
  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msisdn: '79260000003', password: 'new-pass-1' }) });
  assert.equal(login.status, 200, 'the server sees the new password at once');
  const unknown = await cli(['password', 'reset', '--msisdn', '79260009999']);
  assert.deepEqual([unknown.code, unknown.err], [1, 'password reset: no subscriber 79260009999\n']);

  const add = await cli(['numbers', 'add', '--region', '78', '--from', '79217770000', '--count', '5']);
  assert.deepEqual([add.code, add.out], [0, 'added 5 numbers to region 78: 79217770000–79217770004\n']);
  const taken = await cli(['numbers', 'add', '--region', '78', '--from', '79217770004', '--count', '2']);
  assert.deepEqual([taken.code, taken.err], [1, 'numbers add: The number +7 921 777-00-04 is already in the number pool (NUMBER_TAKEN)\n']);
  remote.list = await cli(['numbers', 'list', '--region', '78', '--status', 'free']);
  assert.equal(remote.list.code, 0, remote.list.err);
  assert.equal(remote.list.out.split('\n').filter((l) => /^7921777000\d\s+78\s+free$/.test(l)).length, 5);
  const release = await cli(['numbers', 'release']);
  assert.deepEqual([release.code, release.out], [0, 'released 0 numbers from quarantine\n']);

  // A relative file name is the caller's: the CSV lies in the caller's directory, not the server's.
  const at = new Date(Date.now() - 3_600_000).toISOString();
  writeFileSync(
    join(root, 'cdr.csv'),
    `record_id,msisdn,kind,zone,started_at,duration_seconds,bytes,counterpart\nown-1,79260000004,voice,roaming,${at},65,,79990000000\nown-2,79260000004,sms,home,${at},,,79990000001\nown-3,70000000001,sms,home,${at},,,\n`,
  );
  const cdr = await cli(['import-cdr', 'cdr.csv'], { cwd: root });
  assert.equal(cdr.code, 1, 'one record names no subscriber');
  assert.match(cdr.out, /^batch 1: 2 rated\nrejected own-3: unknown subscriber\nimport done: 2 rated, 0 already seen, 1 rejected, \d+ kopecks charged\n/);
  const cdrAgain = await cli(['import-cdr', 'cdr.csv'], { cwd: root });
  assert.match(cdrAgain.out, /import done: 0 rated, 2 already seen, 1 rejected, 0 kopecks charged/);

  // At the time given: past the lease the server's own fee run holds (for a minute of real time).
  const bill = await cli(['bill', '--now', new Date(Date.now() + 3_600_000).toISOString(), '--batch', '500']);
  assert.equal(bill.code, 0, bill.err);
  assert.match(bill.out, /^(batch \d+: \d+ accounts, \d+ fees, \d+ suspended\n)*fee run done: \d+ accounts, \d+ tariff fees, \d+ product fees, \d+ suspended, \d+ kopecks\n$/);
  assert.equal((await cli(['bill', '--now', 'soon'])).code, 2);

  const catalog = await cli(['catalog', 'load']);
  assert.deepEqual([catalog.code, /^catalog loaded: \d+ regions, \d+ tariffs, \d+ products\n$/.test(catalog.out)], [0, true]);
  const seed = await cli(['seed', '--subscribers', '3']);
  assert.deepEqual([seed.code, seed.out], [0, 'seeded 3 subscribers\n']);
  assert.equal((await cli(['seed', '--subscribers', 'lots'])).code, 2);

  const staff = await cli(['staff', 'create', '--email', 'Ops@Operator.example', '--name', 'Ops']);
  assert.equal(staff.code, 0, staff.err);
  const [, password] = /^staff account ops@operator\.example created \(id \d+\); password, shown only now:\n(\S+)\n$/.exec(staff.out) ?? [];
  assert.ok(password, staff.out);
  const staffLogin = await fetch(`${url}/api/v1/auth/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@operator.example', password }) });
  assert.equal(staffLogin.status, 200);
  const dup = await cli(['staff', 'create', '--email', 'ops@operator.example']);
  assert.deepEqual([dup.code, dup.err], [1, 'staff create: A staff account with the email ops@operator.example already exists (STAFF_EMAIL_TAKEN)\n']);

  remote.verify = await cli(['verify']);
  assert.equal(remote.verify.code, 0, remote.verify.err);
  assert.match(remote.verify.out, /^ledger ok: \d+ accounts, \d+ entries, every balance equals the sum of its entries\nbills ok: \d+ bills, each adds up to the ledger's movement of its month\n$/);

  const backup = await cli(['backup', 'first.tar.gz'], { cwd: root });
  assert.equal(backup.code, 0, backup.err);
  assert.equal(backup.out, `backup written: ${join(root, 'first.tar.gz')} (${statSync(join(root, 'first.tar.gz')).size} bytes)\n`);
  assert.equal((await cli(['restore', 'first.tar.gz'], { cwd: root })).code, 1, 'no restore under a running server');
  assert.equal((await cli(['no-such-command'])).code, 2);
});

/** Usage reported through the server's TMF API as fast as it takes it, until stopped. */
function usageLoad(apiKey: string, msisdns: string[]) {
  let running = true;
  const acked: string[] = [];
  let n = 0;
  const worker = async (w: number) => {
    while (running) {
      const recordId = `load-${w}-${++n}`;
      const res = await fetch(`${url}/tmf-api/usageManagement/v4/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({
          usageType: 'voice',
          usageDate: new Date().toISOString(),
          relatedParty: [{ id: msisdns[n % msisdns.length] }],
          usageCharacteristic: [{ name: 'recordId', value: recordId }, { name: 'durationSeconds', value: 30 + (n % 90) }, { name: 'zone', value: 'intercity' }],
        }),
      });
      assert.equal(res.status, 201, await res.text());
      acked.push(recordId);
    }
  };
  const done = Promise.all([0, 1, 2, 3].map(worker));
  return {
    acked,
    /** Resolves once `count` more records have been taken. */
    async progress(count: number) {
      const target = acked.length + count;
      while (acked.length < target) await new Promise((r) => setImmediate(r));
    },
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function readStore(dir: string) {
  const db = await openPglite(join(dir, 'pglite'));
  try {
    return {
      accounts: await db.query<{ id: number; balance: number }>('SELECT id, balance FROM account ORDER BY id'),
      counts: (await db.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM ledger_entry)::int AS entries, (SELECT count(*) FROM usage_record)::int AS usage,
                (SELECT count(*) FROM subscriber)::int AS subscribers, (SELECT count(*) FROM staff_user)::int AS staff,
                (SELECT count(*) FROM api_key)::int AS keys, (SELECT count(*) FROM audit_event)::int AS audit`,
      ))[0]!,
      records: new Set((await db.query<{ record_id: string }>("SELECT record_id FROM usage_record WHERE record_id LIKE 'load-%'")).map((r) => r.record_id)),
    };
  } finally {
    await db.close();
  }
}

test('backup under write load, then restore: a consistent copy that verifies; after the load, an exact one', async () => {
  const key = /\n(abk_\S+)\n$/.exec((await cli(['apikey', 'create', '--name', 'load'])).out)![1]!;
  const load = usageLoad(key, ['79260000001', '79260000002', '79260000005', '79260000006']);
  await load.progress(20);
  const ackedBefore = [...load.acked];
  const backup = cli(['backup', 'under-load.tar.gz'], { cwd: root });
  const res = await backup;
  await load.progress(20);
  await load.stop();
  assert.equal(res.code, 0, res.err);

  // The server stops; its lock and socket go with it, and the store opens for others again.
  server.kill('SIGTERM');
  assert.equal(await serverExited, 0);
  assert.equal(existsSync(join(dataDir, 'pglite.lock')), false);
  assert.equal(existsSync(join(dataDir, 'admin.sock')), false);
  const quiet = await cli(['backup', 'quiet.tar.gz'], { cwd: root });
  assert.equal(quiet.code, 0, quiet.err);

  const underLoad = join(root, 'restored-under-load');
  const restored = await cli(['restore', join(root, 'under-load.tar.gz')], { dir: underLoad });
  assert.equal(restored.code, 0, restored.err);
  assert.match(restored.out, /: \d+ accounts, \d+ entries, ledger ok\n$/);
  const verify = await cli(['verify'], { dir: underLoad });
  assert.equal(verify.code, 0, verify.err);

  const exact = join(root, 'restored-quiet');
  assert.equal((await cli(['restore', join(root, 'quiet.tar.gz')], { dir: exact })).code, 0);
  const source = await readStore(dataDir);
  assert.deepEqual(await readStore(exact), source, 'after the load, the copy is the store');

  // The copy under load is one moment of it: everything acknowledged before the backup began, and
  // nothing the store does not hold.
  const mid = await readStore(underLoad);
  for (const r of ackedBefore) assert.ok(mid.records.has(r), `${r} was taken before the backup began`);
  for (const r of mid.records) assert.ok(source.records.has(r));
  assert.ok(mid.records.size < source.records.size, 'the load went on after the copy');

  const refused = await cli(['restore', join(root, 'quiet.tar.gz')], { dir: underLoad });
  assert.equal(refused.code, 1);
  assert.match(refused.err, /already holds a store; add --force/);
  assert.equal((await readStore(underLoad)).counts.usage, mid.counts.usage, 'a refused restore leaves the store');
  const forced = await cli(['restore', join(root, 'quiet.tar.gz'), '--force'], { dir: underLoad });
  assert.equal(forced.code, 0, forced.err);
  assert.deepEqual(await readStore(underLoad), source);
});

test('run directly after the server stopped, the commands print what the server printed', async () => {
  for (const [name, args] of [['list', ['numbers', 'list', '--region', '78', '--status', 'free']]] as const) {
    const direct = await cli([...args]);
    assert.deepEqual(direct, remote[name]);
  }
  const verify = await cli(['verify']);
  assert.equal(verify.code, 0, verify.err);
});

test('a lock left by a dead process is taken over', async () => {
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.once('exit', r));
  const lock = join(dataDir, 'pglite.lock');
  writeFileSync(lock, JSON.stringify({ pid: dead.pid, command: 'abonent seed --subscribers 3000', startedAt: '2026-01-01T00:00:00Z', hostname: (await import('node:os')).hostname() }));
  const verify = await cli(['verify']);
  assert.equal(verify.code, 0, verify.err);
  assert.equal(existsSync(lock), false, 'released when the command ended');
});
