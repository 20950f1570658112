import type { Core } from '../core.ts';
import type { RingbackState } from './ringback-port.ts';

/** Delays before the 2nd, 3rd, … attempt of a push the platform did not take; then it fails. */
export const PUSH_RETRY_SECONDS = [10, 30, 120, 600, 3600];

/**
 * Delivers queued ringback changes to the platform (`core.ringback`), each once: rows are claimed
 * (`sending`) with SKIP LOCKED in a short transaction, so several instances never push one twice,
 * and the platform is called outside any transaction. A claim older than five minutes (an
 * instance died mid-push) is queued again; the platform keeps the highest version, so a repeat
 * after such a crash changes nothing there. Returns the number pushed.
 */
export async function pushRingbackChanges(core: Core, batch = 100): Promise<number> {
  const now = core.clock.now();
  await core.db.query("UPDATE ringback_push SET status = 'pending' WHERE status = 'sending' AND claimed_at < $1", [new Date(now.getTime() - 5 * 60_000)]);
  const rows = await core.db.tx((tx) =>
    tx.query<{ id: number; attempts: number; body: RingbackState }>(
      `UPDATE ringback_push SET status = 'sending', attempts = attempts + 1, claimed_at = $2
        WHERE id IN (SELECT id FROM ringback_push WHERE status = 'pending' AND next_attempt_at <= $2 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, attempts, body`,
      [batch, now],
    ),
  );
  let sent = 0;
  for (const r of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
    try {
      await core.ringback.push(r.body);
      await core.db.query("UPDATE ringback_push SET status = 'sent', sent_at = $2, last_error = NULL WHERE id = $1", [r.id, core.clock.now()]);
      sent++;
    } catch (err) {
      const delay = PUSH_RETRY_SECONDS[r.attempts - 1];
      core.log.warn({ err, push: r.id, msisdn: r.body.msisdn }, 'ringback push failed');
      await core.db.query(
        `UPDATE ringback_push SET status = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1`,
        [r.id, delay === undefined ? 'failed' : 'pending', new Date(core.clock.now().getTime() + (delay ?? 0) * 1000), String((err as Error).message ?? err).slice(0, 500)],
      );
    }
  }
  return sent;
}
