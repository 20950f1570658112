import { randomUUID } from 'node:crypto';
import type { Db, HeldLock } from '../../store/db.ts';

/**
 * Who claimed an outbound SMS: this instance's id, recorded as `meta.claimedBy` by every claim, with
 * a lock named after it held for as long as the instance lives (`Db.tryLock`: on PostgreSQL a
 * session advisory lock that the server lets go the moment the instance's connection closes, as
 * when it is killed). A message still `sending` under a claimant whose lock nobody holds was left
 * by a dead instance, and the outbox queues it again at once (`STALE_CLAIM`), instead of waiting
 * out the five minutes after which any claim counts as stale.
 *
 * One id per store handle: every Core over one Db is one instance (PGlite is opened by one process).
 */
const claimants = new WeakMap<Db, Promise<{ id: string; lock: HeldLock | null }>>();

export const CLAIMANT_LOCK_PREFIX = 'sms-claimant:';

export async function smsClaimant(db: Db): Promise<string> {
  const current = claimants.get(db);
  // A take that failed (the store away, as during a failover) is not kept: the next call tries again.
  const held = current ? await current.catch(() => null) : null;
  if (held && held.lock?.isHeld() !== false) return held.id;
  // Callers that met the same lost or failed claimant meanwhile: the first one's new take serves all.
  const latest = claimants.get(db);
  if (latest !== current && latest) return smsClaimant(db);
  // First use, or the lock went with its connection: a new id, so claims under the old one read as left behind.
  const next = (async () => {
    const id = randomUUID();
    return { id, lock: await db.tryLock(CLAIMANT_LOCK_PREFIX + id) };
  })();
  claimants.set(db, next);
  try {
    return (await next).id;
  } catch (err) {
    if (claimants.get(db) === next) claimants.delete(db);
    throw err;
  }
}

/**
 * The condition, on `sms_message` rows, of a claim left by another instance that is gone: its
 * claimant's lock is not held on the server ($me is this instance's id). On PGlite no other
 * process holds the store, so any other claimant is a dead predecessor.
 */
export function claimLeftBehind(db: Db, me: string): string {
  const alive =
    db.kind === 'postgres'
      ? `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
                    AND l.classid = hashtext(current_schema())::oid
                    AND l.objid = hashtext('${CLAIMANT_LOCK_PREFIX}' || (meta->>'claimedBy'))::oid)`
      : 'false';
  return `(meta ? 'claimedBy' AND meta->>'claimedBy' <> ${me} AND NOT ${alive})`;
}
