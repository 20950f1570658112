import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who holds an embedded store, as written in its lock file. */
export interface LockHolder {
  pid: number;
  command: string;
  startedAt: string;
  hostname: string;
  /** The holder's start time in clock ticks since boot (Linux), to tell a reused pid from the holder. */
  procStart?: string;
}

export class StoreLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded store ${lockPath.replace(/\.lock$/, '')} is in use by process ${holder.pid} on ${holder.hostname} (${holder.command}) since ${holder.startedAt}; ` +
        'only one process may open it at a time',
    );
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/** The start time of a process in clock ticks since boot, or undefined where /proc does not tell. */
function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(h: LockHolder): boolean {
  // Another machine's process (a shared disk) cannot be checked from here: take it as alive.
  if (h.hostname !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: the process exists under another user.
  }
  // The pid may have been reused by another process since the holder died.
  const now = procStart(h.pid);
  return !(h.procStart && now && now !== h.procStart);
}

function readHolder(path: string): { text: string; holder: LockHolder | null } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return { text, holder: Number.isInteger(h.pid) ? h : null };
  } catch {
    return { text, holder: null };
  }
}

/** Creates `path` holding `text` only when it does not exist: written whole first, then linked in. */
function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

const held = new Set<string>();
let exitHook = false;

/**
 * Takes the lock `path` for this process, or throws StoreLockedError naming the live holder.
 * A lock left by a dead process (or by a pid since reused) is taken over. Only the process that
 * wins `<path>.recover` may remove a dead holder's lock, and only when it is still the one it
 * judged dead, so two processes recovering at once cannot both end up holding it.
 */
export function acquireDataDirLock(path: string, command = process.argv.slice(1).join(' ')): DataDirLock {
  const me: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString(), hostname: hostname(), ...(procStart(process.pid) ? { procStart: procStart(process.pid)! } : {}) };
  const text = JSON.stringify(me);
  for (let attempt = 0; attempt < 20; attempt++) {
    if (createExclusive(path, text)) {
      held.add(path);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          for (const p of held) releaseIfMine(p, process.pid);
        });
      }
      return {
        path,
        release: () => {
          if (held.delete(path)) releaseIfMine(path, process.pid);
        },
      };
    }
    const seen = readHolder(path);
    if (!seen) continue; // released meanwhile
    // Our own pid: this process holds it, or an earlier one did that had our pid (a container restarted).
    const live = seen.holder && (seen.holder.pid === process.pid ? held.has(path) : alive(seen.holder));
    if (live) throw new StoreLockedError(path, seen.holder!);
    recoverStale(path, seen.text);
  }
  const last = readHolder(path)?.holder;
  if (last) throw new StoreLockedError(path, last);
  throw new Error(`could not take the lock ${path}`);
}

function recoverStale(path: string, staleText: string): void {
  const guard = `${path}.recover`;
  if (!createExclusive(guard, JSON.stringify({ pid: process.pid, command: 'recovering a stale lock', startedAt: new Date().toISOString(), hostname: hostname(), procStart: procStart(process.pid) }))) {
    const g = readHolder(guard);
    // A recoverer that died in the middle leaves its guard: remove it; the next round decides.
    if (g?.holder && !alive(g.holder)) unlinkQuiet(guard);
    return;
  }
  try {
    if (readHolder(path)?.text === staleText) unlinkQuiet(path);
  } finally {
    unlinkQuiet(guard);
  }
}

function releaseIfMine(path: string, pid: number): void {
  const seen = readHolder(path);
  if (seen?.holder?.pid === pid) unlinkQuiet(path);
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
