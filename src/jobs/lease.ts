import type { Core } from '../domain/core.ts';
import type { HeldLock } from '../store/db.ts';

/**
 * A job lease: one holder at a time across every instance on the store, so three instances
 * running the same schedule do the work once. It is a lock the store keeps exactly as long as its
 * holder lives (Db.tryLock: a session advisory lock on PostgreSQL, a lock in the owning process on
 * the embedded store), so a run killed with -9 leaves nothing behind and the next one may start at
 * once, while two live runs never overlap. The work itself stays safe without it (every fee has
 * its own key); the lease saves the others from doing it for nothing.
 */
export async function withLease<T>(core: Core, name: string, fn: (lease: HeldLock) => Promise<T>): Promise<T | null> {
  const lease = await core.db.tryLock(`job:${name}`);
  if (!lease) return null;
  try {
    return await fn(lease);
  } finally {
    await lease.release();
  }
}
