import type { Core } from '../domain/core.ts';

/**
 * A job lease in the store: one holder at a time, taken over once it expires, so three instances
 * running the same schedule do the work once. The work itself stays safe without it (every fee
 * has its own key); the lease saves the others from doing it for nothing.
 */
export async function takeLease(core: Core, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const now = core.clock.now();
  const rows = await core.db.query(
    `INSERT INTO job_lease (name, holder, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE job_lease.expires_at <= $4 OR job_lease.holder = EXCLUDED.holder
     RETURNING holder`,
    [name, holder, new Date(now.getTime() + ttlMs), now],
  );
  return rows.length > 0;
}

export async function releaseLease(core: Core, name: string, holder: string): Promise<void> {
  await core.db.query('UPDATE job_lease SET expires_at = $3 WHERE name = $1 AND holder = $2', [name, holder, core.clock.now()]);
}

/** Runs `fn` only while holding the lease; returns null when another instance holds it. */
export async function withLease<T>(core: Core, name: string, holder: string, ttlMs: number, fn: (renew: () => Promise<boolean>) => Promise<T>): Promise<T | null> {
  if (!(await takeLease(core, name, holder, ttlMs))) return null;
  try {
    return await fn(() => takeLease(core, name, holder, ttlMs));
  } finally {
    await releaseLease(core, name, holder);
  }
}
