import type { Core } from '../core.ts';
import { callbackPolicy } from './callback-address.ts';
import { postEvent } from './post-event.ts';

/** Wait before the next try after `attempts` failed ones: 10 s, 30 s, 90 s, … at most 6 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(10_000 * 3 ** Math.max(0, attempts - 1), 6 * 3_600_000);
}

/** A claim older than this is an instance that died mid-delivery: the row is tried again. */
const STALE_CLAIM_MS = 5 * 60_000;

interface Claimed {
  id: number;
  url: string;
  body: unknown;
  attempts: number;
}

/**
 * Delivers due TMF hub events (or only `ids`, the first try right after an event). Rows are
 * claimed with SKIP LOCKED in a short transaction, so two instances never post one delivery at
 * once, and posted outside any transaction. A failure waits `retryDelayMs` before the next try;
 * after HUB_DELIVERY_MAX_ATTEMPTS it is recorded as failed, with its last error.
 */
export async function deliverHubEvents(core: Core, opts: { ids?: number[]; limit?: number } = {}): Promise<{ tried: number; delivered: number }> {
  const now = core.clock.now();
  if (!opts.ids) {
    await core.db.query(`UPDATE tmf_event_delivery SET status = 'pending' WHERE status = 'sending' AND claimed_at < $1`, [new Date(now.getTime() - STALE_CLAIM_MS)]);
  }
  const rows = await core.db.tx((tx) =>
    tx.query<Claimed>(
      `UPDATE tmf_event_delivery SET status = 'sending', claimed_at = $1, attempts = attempts + 1
        WHERE id IN (SELECT id FROM tmf_event_delivery
                      WHERE status = 'pending' AND next_attempt_at <= $1 AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))
                      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id, url, body, attempts`,
      [now, opts.ids ?? null, opts.limit ?? 100],
    ),
  );
  if (rows.length === 0) return { tried: 0, delivered: 0 };
  const policy = callbackPolicy(core.settings.hubCallbackAllowed);
  const { hubDeliveryTimeoutMs: timeoutMs, hubDeliveryMaxAttempts: maxAttempts } = core.settings;
  const outcomes = await Promise.all(
    rows.map(async (r) => {
      const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      const res = await postEvent(r.url, body, { policy, timeoutMs });
      const at = core.clock.now();
      if (res.ok) {
        await core.db.query(`UPDATE tmf_event_delivery SET status = 'delivered', delivered_at = $2, last_status = $3, last_error = NULL WHERE id = $1`, [r.id, at, res.status ?? null]);
        return true;
      }
      const giveUp = r.attempts >= maxAttempts;
      await core.db.query(`UPDATE tmf_event_delivery SET status = $2, next_attempt_at = $3, last_status = $4, last_error = $5 WHERE id = $1`, [
        r.id,
        giveUp ? 'failed' : 'pending',
        new Date(at.getTime() + retryDelayMs(r.attempts)),
        res.status ?? null,
        (res.error ?? 'failed').slice(0, 500),
      ]);
      core.log.warn({ delivery: r.id, url: r.url, attempts: r.attempts, error: res.error, final: giveUp }, 'TMF event delivery failed');
      return false;
    }),
  );
  return { tried: rows.length, delivered: outcomes.filter(Boolean).length };
}

/** One tick of the delivery job: batches until nothing is due (at most `maxBatches`). */
export async function deliverHubEventsTick(core: Core, maxBatches = 20, batch = 100): Promise<number> {
  let delivered = 0;
  for (let i = 0; i < maxBatches; i++) {
    const res = await deliverHubEvents(core, { limit: batch });
    delivered += res.delivered;
    if (res.tried < batch) break;
  }
  return delivered;
}
