import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { acquireDataDirLock, StoreLockedError } from '../../src/store/data-dir-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'abonent-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

test('one holder at a time: the second is refused with the holder named; released, it can be taken again', () => {
  const path = join(dir, 'a.lock');
  const lock = acquireDataDirLock(path, 'abonent start');
  const holder = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; command: string; startedAt: string; hostname: string };
  assert.deepEqual([holder.pid, holder.command, holder.hostname], [process.pid, 'abonent start', hostname()]);
  assert.throws(
    () => acquireDataDirLock(path, 'abonent seed'),
    (e) => e instanceof StoreLockedError && e.holder.pid === process.pid && e.message.includes(`in use by process ${process.pid}`) && e.message.includes('(abonent start)') && e.message.includes(holder.startedAt),
  );
  lock.release();
  assert.equal(existsSync(path), false);
  acquireDataDirLock(path).release();
});

test('a dead holder\'s lock is taken over; so is one whose pid now belongs to another process', async () => {
  const path = join(dir, 'b.lock');
  writeFileSync(path, JSON.stringify({ pid: await deadPid(), command: 'abonent seed', startedAt: '2026-01-01T00:00:00Z', hostname: hostname() }));
  const lock = acquireDataDirLock(path);
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid, process.pid);
  lock.release();
  // A live process, but started at another time than the one recorded: the holder's pid reused.
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  try {
    const alive = { pid: other.pid, command: 'abonent start', startedAt: '2026-01-01T00:00:00Z', hostname: hostname() };
    writeFileSync(path, JSON.stringify(alive));
    assert.throws(() => acquireDataDirLock(path), StoreLockedError, 'a live pid is a live holder');
    if (existsSync(`/proc/${other.pid}/stat`)) {
      writeFileSync(path, JSON.stringify({ ...alive, procStart: '1' }));
      acquireDataDirLock(path).release();
    }
  } finally {
    other.kill();
  }
  // This process's own pid, left by an earlier process that had it (a restarted container's pid 1).
  writeFileSync(path, JSON.stringify({ pid: process.pid, command: 'abonent start', startedAt: '2026-01-01T00:00:00Z', hostname: hostname() }));
  acquireDataDirLock(path).release();
});

test('a holder on another machine (a shared disk) is never taken for dead', async () => {
  const path = join(dir, 'c.lock');
  writeFileSync(path, JSON.stringify({ pid: await deadPid(), command: 'abonent start', startedAt: '2026-01-01T00:00:00Z', hostname: `${hostname()}-other` }));
  assert.throws(() => acquireDataDirLock(path), StoreLockedError);
});

test('several processes recovering one dead holder\'s lock at once: exactly one gets it', async () => {
  const path = join(dir, 'd.lock');
  writeFileSync(path, JSON.stringify({ pid: await deadPid(), command: 'abonent seed', startedAt: '2026-01-01T00:00:00Z', hostname: hostname() }));
  const script = `
    const { acquireDataDirLock } = await import(${JSON.stringify(new URL('../../src/store/data-dir-lock.ts', import.meta.url).href)});
    process.stdin.once('data', () => {
      try { acquireDataDirLock(${JSON.stringify(path)}); console.log('got'); } catch (e) { console.log(e.constructor.name); }
      process.stdin.once('data', () => process.exit(0));
    });
    console.log('ready');`;
  const kids = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = kids.map((k) => {
    const queue: string[] = [];
    const waiting: ((l: string) => void)[] = [];
    let buf = '';
    k.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const w = waiting.shift();
        if (w) w(l);
        else queue.push(l);
      }
    });
    return () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<string>((r) => waiting.push(r)));
  });
  // Every process has loaded the module before any of them races for the lock.
  assert.deepEqual(await Promise.all(lines.map((next) => next())), ['ready', 'ready', 'ready', 'ready']);
  for (const k of kids) k.stdin.write('go\n');
  const answers = lines.map((next) => next());
  const got = await Promise.all(answers);
  for (const k of kids) k.stdin.write('bye\n');
  await Promise.all(kids.map((k) => new Promise((r) => k.once('exit', r))));
  assert.equal(got.filter((g) => g === 'got').length, 1, got.join(','));
  assert.equal(got.filter((g) => g === 'StoreLockedError').length, 3, got.join(','));
});
