import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import { verifyLedger } from '../domain/ledger/verify-ledger.ts';
import { acquireDataDirLock } from '../store/data-dir-lock.ts';
import { openPglite, storeLockPath } from '../store/pglite.ts';
import type { Io } from './args.ts';
import { POSTGRES_BACKUP } from './backup.ts';

/**
 * `abonent restore FILE`: rebuilds DATA_DIR's embedded store from a backup. It takes the store's
 * lock (so never beside a running server), unpacks into a new directory, checks the ledger there,
 * and only then puts it in place: a bad archive leaves the current store as it was.
 */
export async function restoreStore(config: Config, file: string | undefined, opts: { force: boolean; cwd: string }, io: Io): Promise<number> {
  if (config.DATABASE_URL) {
    io.err(POSTGRES_BACKUP);
    return 2;
  }
  if (config.STORE === 'memory') {
    io.err('restore: STORE=memory keeps nothing on disk to restore into');
    return 2;
  }
  if (!file) {
    io.err('restore: name the backup file');
    return 2;
  }
  const source = resolve(opts.cwd, file);
  if (!existsSync(source)) {
    io.err(`restore: no file ${source}`);
    return 1;
  }
  const target = resolve(config.DATA_DIR, 'pglite');
  mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });
  const lock = acquireDataDirLock(storeLockPath(target));
  try {
    if (existsSync(target) && readdirSync(target).length > 0 && !opts.force) {
      io.err(`restore: ${target} already holds a store; add --force to replace it with the backup`);
      return 1;
    }
    const staging = `${target}.restoring`;
    rmSync(staging, { recursive: true, force: true });
    let summary: string;
    try {
      const db = await openPglite(staging, { loadDataDir: new Blob([readFileSync(source)]) });
      try {
        const res = await verifyLedger(db);
        if (res.mismatches.length > 0) throw new Error(`the backup's ledger does not add up on ${res.mismatches.length} account(s)`);
        if (res.unpairedKeys > 0) throw new Error(`the backup's ledger has ${res.unpairedKeys} entries or idempotency keys without their pair`);
        if (res.monthSpendMismatches > 0) throw new Error(`the backup's monthly spending differs from its ledger in ${res.monthSpendMismatches} month(s)`);
        summary = `${res.accounts} accounts, ${res.entries} entries, ledger ok`;
      } finally {
        await db.close();
      }
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      io.err(`restore: ${source} is not a usable Abonent backup (${(e as Error).message})`);
      return 1;
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    io.out(`restored ${source} into ${target}: ${summary}`);
    return 0;
  } finally {
    lock.release();
  }
}
