import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { drainOutbox } from '../../src/jobs/sms-outbox.ts';
import { createCore } from '../../src/runtime.ts';
import type { Db } from '../../src/store/db.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { testConfig } from '../helpers/core.ts';

/**
 * Kill -9 in the middle of a fee run and of a usage import, start again, and compare with a store
 * that ran clean: the same ledger to the kopeck. Kill -9 an instance between claiming an SMS reply
 * and submitting it: the next outbox tick elsewhere sends it, without waiting out the stale claim.
 */
const pgUrl = process.env.TEST_DATABASE_URL ?? '';
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup) await c();
});

interface Store {
  env: NodeJS.ProcessEnv;
  open(): Promise<Db>;
}

function newStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'abonent-crash-'));
  const schema = `crash_${randomBytes(5).toString('hex')}`;
  cleanup.push(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (pgUrl) {
      const admin = await openPostgres({ url: pgUrl, poolSize: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  });
  return {
    env: { ...process.env, DATA_DIR: dir, DATABASE_URL: pgUrl, ...(pgUrl ? { DATABASE_SCHEMA: schema } : {}), LOG_LEVEL: 'silent', NODE_ENV: 'development' },
    open: () => (pgUrl ? openPostgres({ url: pgUrl, schema, poolSize: 1 }) : openPglite(`${dir}/pglite`)),
  };
}

function cli(store: Store, ...args: string[]) {
  const res = spawnSync(process.execPath, ['bin/abonent.js', ...args], { env: store.env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(res.status, 0, `${args.join(' ')}: ${res.stderr}${res.stdout}`);
  return res.stdout;
}

/** Starts a command and kills it with SIGKILL once it has printed `line` `times` times. */
async function killMidway(store: Store, args: string[], pattern: RegExp, times: number): Promise<boolean> {
  const child = spawn(process.execPath, ['bin/abonent.js', ...args], { env: store.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = 0;
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      seen = out.split('\n').filter((l) => pattern.test(l)).length;
      if (seen >= times) child.kill('SIGKILL');
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(true);
      else if (code === 0) resolve(false);
      else reject(new Error(`exited ${code}: ${out}`));
    });
  });
}

async function ledger(store: Store) {
  const db = await store.open();
  try {
    const totals = await db.query<{ n: number; sum: number; mismatched: number }>(
      `SELECT (SELECT count(*)::int FROM ledger_entry) AS n, (SELECT COALESCE(SUM(amount), 0)::bigint FROM ledger_entry) AS sum,
              (SELECT count(*)::int FROM account a WHERE a.balance <> COALESCE((SELECT SUM(amount) FROM ledger_entry e WHERE e.account_id = a.id), 0)) AS mismatched`,
    );
    const perAccount = await db.query<{ account_id: number; balance: number }>('SELECT id AS account_id, balance FROM account ORDER BY id');
    const keys = await db.query<{ k: string }>('SELECT idempotency_key AS k FROM ledger_entry ORDER BY account_id, idempotency_key');
    return { totals: totals[0]!, perAccount, keys: keys.map((k) => k.k) };
  } finally {
    await db.close();
  }
}

test('a fee run killed halfway can be rerun at once and charges exactly what a clean run does', async () => {
  const clean = newStore();
  const crashed = newStore();
  for (const s of [clean, crashed]) cli(s, 'seed', '--subscribers', '300', '--now', '2026-01-15T09:00:00Z');
  const at = '2026-03-20T09:00:00Z';
  cli(clean, 'bill', '--now', at, '--batch', '25');
  const killed = await killMidway(crashed, ['bill', '--now', at, '--batch', '25'], /^batch \d+/, 3);
  assert.ok(killed, 'the run was still going when it was killed');
  const partial = await ledger(crashed);
  const full = await ledger(clean);
  assert.ok(partial.totals.n < full.totals.n, 'the kill left work undone');
  assert.equal(partial.totals.mismatched, 0, 'every committed batch is whole');
  // The killed run's lease died with it: a rerun at the same time takes over at once.
  const rerun = cli(crashed, 'bill', '--now', at, '--batch', '25');
  assert.doesNotMatch(rerun, /another instance holds the fee lease/);
  assert.match(rerun, /^fee run done: \d+ accounts/m);
  assert.match(cli(crashed, 'verify'), /^ledger ok/m);
  const after = await ledger(crashed);
  assert.deepEqual(after.totals, full.totals);
  assert.deepEqual(after.perAccount, full.perAccount);
  assert.deepEqual(after.keys, full.keys);
});

test('a usage import killed halfway and run again charges every record once', async () => {
  const clean = newStore();
  const crashed = newStore();
  for (const s of [clean, crashed]) cli(s, 'seed', '--subscribers', '200', '--now', '2026-01-15T09:00:00Z');
  const dir = mkdtempSync(join(tmpdir(), 'abonent-cdr-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'cdr.csv');
  const lines = ['record_id;msisdn;kind;zone;started_at;duration_seconds;bytes;counterpart'];
  for (let i = 0; i < 3000; i++) {
    const msisdn = `7926${String(i % 200).padStart(7, '0')}`;
    const kind = ['voice', 'sms', 'data'][i % 3]!;
    const zone = i % 17 === 0 ? 'roaming' : i % 5 === 0 ? 'intercity' : 'home';
    lines.push(`cdr-${i};${msisdn};${kind};${zone};2026-01-20T${String(8 + (i % 12)).padStart(2, '0')}:00:00Z;${kind === 'voice' ? 30 + (i % 900) : ''};${kind === 'data' ? 1000 + i * 9973 : ''};79161234567`);
  }
  writeFileSync(file, lines.join('\n'));
  cli(clean, 'import-cdr', file, '--batch', '150', '--now', '2026-01-21T00:00:00Z');
  const killed = await killMidway(crashed, ['import-cdr', file, '--batch', '150', '--now', '2026-01-21T00:00:00Z'], /^batch \d+/, 4);
  assert.ok(killed);
  cli(crashed, 'import-cdr', file, '--batch', '150', '--now', '2026-01-21T00:00:00Z');
  // And once more: a replay of the whole file changes nothing.
  const replay = cli(crashed, 'import-cdr', file, '--batch', '150', '--now', '2026-01-21T00:00:00Z');
  assert.match(replay, /import done: 0 rated, 3000 already seen/);
  const a = await ledger(clean);
  const b = await ledger(crashed);
  assert.deepEqual(b.totals, a.totals);
  assert.deepEqual(b.perAccount, a.perAccount);
});

test('an instance killed between claiming an SMS reply and submitting it: the reply goes out on the next outbox tick, once', async () => {
  const store = newStore();
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/sms-claim-child.ts'], { env: store.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const id = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^claimed (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`the instance exited before claiming: ${err}`)));
  });
  const sent: number[] = [];
  const transport = { name: 'test', send: async (m: { id: number }) => (sent.push(m.id), { status: 'sent' as const }) };
  const instance = async () => {
    const db = await store.open();
    return { core: await createCore(testConfig, { db, log: pino({ level: 'silent' }) }), db };
  };
  if (pgUrl) {
    // While its instance lives, the claim is its own: another instance's outbox leaves it alone.
    const other = await instance();
    try {
      await drainOutbox(other.core, transport);
      assert.deepEqual(sent, []);
    } finally {
      await other.db.close();
    }
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  // Seconds after the claim, far inside the five minutes after which any claim counts as stale.
  const next = await instance();
  try {
    await drainOutbox(next.core, transport);
    assert.deepEqual(sent, [id], 'sent by the next tick');
    await drainOutbox(next.core, transport);
    assert.deepEqual(sent, [id], 'once');
    const [row] = await next.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM sms_message WHERE id = $1', [id]);
    assert.deepEqual([row!.status, row!.attempts], ['sent', 2]);
  } finally {
    await next.db.close();
  }
});
