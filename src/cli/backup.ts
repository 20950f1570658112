import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Db } from '../store/db.ts';

export const POSTGRES_BACKUP = `backup/restore: the store is PostgreSQL (DATABASE_URL); use its own tools:
  pg_dump --format=custom --file=abonent.dump "$DATABASE_URL"
  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" abonent.dump   (stop every abonent instance first)`;

/**
 * Writes a copy of the embedded store to `path`: whole or not at all (a temporary file beside it,
 * renamed when complete), so an interrupted backup never leaves a truncated archive under the name.
 */
export async function writeBackup(db: Db, path: string): Promise<{ path: string; bytes: number }> {
  const archive = new Uint8Array(await (await db.dumpDataDir!()).arrayBuffer());
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      for (let off = 0; off < archive.length; ) off += writeSync(fd, archive, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return { path, bytes: archive.length };
}
