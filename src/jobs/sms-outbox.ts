import type { Core } from '../domain/core.ts';
import { coalesced } from '../store/batched-lookup.ts';
import { claimLeftBehind, smsClaimant } from '../domain/notifications/sms-claimant.ts';
import type { PartProgress, SmsTransport } from '../domain/notifications/sms-transport.ts';

export type { SmsTransport };

/** The default transport: writes the message to the log; the demo phone reads it from the store. */
export function logTransport(core: Core): SmsTransport {
  return {
    name: 'log',
    async send(m) {
      core.log.info({ sms: { to: m.msisdn, from: m.sender, text: m.text } }, 'sms sent (log transport)');
      return { status: 'sent' };
    },
  };
}

/** Delays before the 2nd, 3rd, … attempt of a message the gateway could not take; then it fails. */
export const RETRY_DELAYS_SECONDS = [30, 60, 300, 900, 3600];

/** Claiming a message to send (the time is $2, this instance $3): marked `sending` with the time and the claimant, one more attempt. */
const CLAIM = `status = 'sending', attempts = attempts + 1, meta = meta || jsonb_build_object('claimedAt', $2::timestamptz, 'claimedBy', $3::text)`;
/** What a claim returns of the message (a `Claimed`). */
const CLAIMED = `id, msisdn, short_code, text, attempts, meta->'parts' AS parts`;

/**
 * Sends queued messages. Rows are claimed (status `sending`) with SKIP LOCKED in a short
 * transaction, so several instances never send one message twice, and the transport is called
 * outside any transaction. A claim left by an instance that died mid-send is queued again: at once
 * when its claimant's lock is gone (see sms-claimant.ts), else once it is five minutes old;
 * delivery is at least once. A message the gateway could not take now (`retry`) waits for
 * its next attempt (RETRY_DELAYS_SECONDS) and is marked failed after the last one; the attempts
 * and the last error stay in the row.
 *
 * A long message sent in parts (SMPP) is recorded part by part in meta.parts (the concatenation
 * reference, the number of parts and the gateway's id of each accepted part), and the next attempt
 * sends only the parts still missing, under the same reference. It is `sent` once every part is.
 */
export async function drainOutbox(core: Core, transport: SmsTransport, batch = 100, parallel = 10): Promise<number> {
  const now = core.clock.now();
  const me = await smsClaimant(core.db);
  await core.db.query(
    `UPDATE sms_message SET status = 'queued'
      WHERE direction = 'mt' AND status = 'sending' AND ((meta->>'claimedAt')::timestamptz < $1 OR ${claimLeftBehind(core.db, '$2::text')})`,
    [new Date(now.getTime() - 5 * 60_000), me],
  );
  const rows = await core.db.tx((tx) =>
    tx.query<Claimed>(
      // By id and month (created_at): each claimed row is looked up in its own month's partition.
      `UPDATE sms_message SET ${CLAIM}
        WHERE (id, created_at) IN (SELECT id, created_at FROM sms_message
                      WHERE direction = 'mt' AND status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
                        -- not while an older message to the number is being sent (a reply submitted at commit)
                        AND NOT EXISTS (SELECT 1 FROM sms_message o
                                         WHERE o.direction = 'mt' AND o.status = 'sending' AND o.msisdn = sms_message.msisdn AND o.id < sms_message.id)
                      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING ${CLAIMED}`,
      [batch, now, me],
    ),
  );
  // Messages to one number go in order, one after another; different numbers go side by side,
  // `parallel` at a time (an SMPP window, a few Kannel connections).
  const byNumber = new Map<string, typeof rows>();
  for (const r of rows.sort((a, b) => a.id - b.id)) byNumber.set(r.msisdn, [...(byNumber.get(r.msisdn) ?? []), r]);
  const queues = [...byNumber.values()];
  const worker = async () => {
    for (let q = queues.shift(); q; q = queues.shift()) for (const r of q) await sendOne(core, transport, r);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queues.length) }, worker));
  return rows.length;
}

interface Claimed {
  id: number;
  msisdn: string;
  short_code: string;
  text: string;
  attempts: number;
  parts: PartProgress | null;
}

/**
 * Sends a reply that `queueReply` inserted already claimed (`sending`, one attempt), right after
 * it committed: an answer to an incoming SMS leaves without waiting for the outbox's tick, and the
 * outbox job never sends it too (it takes only `queued` rows). What the transport cannot take now
 * (`retry`) goes back to the queue for the outbox's next attempt, as any message does: the outbox
 * stays the record and the retry path. A claim whose instance died before sending is queued again
 * by another instance's next outbox tick, its claimant's lock being gone (`drainOutbox`).
 */
export async function sendClaimed(core: Core, transport: SmsTransport, m: { id: number; msisdn: string; sender: string; text: string }): Promise<void> {
  await sendOne(core, transport, { id: m.id, msisdn: m.msisdn, short_code: m.sender, text: m.text, attempts: 1, parts: null });
}

async function sendOne(core: Core, transport: SmsTransport, r: Claimed): Promise<void> {
  const res = await transport.send({ id: r.id, msisdn: r.msisdn, sender: r.short_code, text: r.text, ...(r.parts ? { parts: r.parts } : {}) }, (p) => recordParts(core, r.id, p));
  const meta = JSON.stringify({
    transport: transport.name,
    ...(res.ref ? { ref: res.ref } : {}),
    ...(res.refs && res.refs.length > 1 ? { refs: res.refs } : {}),
    ...(res.error ? { error: res.error.slice(0, 200) } : {}),
  });
  const delay = res.status === 'retry' ? RETRY_DELAYS_SECONDS[r.attempts - 1] : undefined;
  if (delay !== undefined) {
    await core.db.query(`UPDATE sms_message SET status = 'queued', next_attempt_at = $2, meta = meta || $3 WHERE id = $1`, [
      r.id,
      new Date(core.clock.now().getTime() + delay * 1000),
      meta,
    ]);
  } else {
    await markDone(core)({ id: r.id, status: res.status === 'sent' ? 'sent' : 'failed', meta });
  }
}

/**
 * Records sent (or finally failed) messages: the sends that end at the same moment share one
 * statement (`coalesced`), as fifty replies going out at once do.
 */
const markDone = (core: Core) =>
  coalesced<{ id: number; status: string; meta: string }, void>(core.db, 'sms_mark_done', async (done) => {
    await core.db.prepare(
      'sms_mark_done',
      `UPDATE sms_message m SET status = u.status, next_attempt_at = NULL, meta = m.meta || u.meta::jsonb
         FROM unnest($1, $2, $3) AS u(id, status, meta) WHERE m.id = u.id`,
      ['bigint[]', 'text[]', 'text[]'],
    )([done.map((d) => d.id), done.map((d) => d.status), done.map((d) => d.meta)]);
    return done.map(() => undefined);
  });

/**
 * Stores what the gateway accepted of a message in parts. The ids are merged into those already
 * stored, so reports that overtake each other (parts go out side by side) never lose a part.
 */
async function recordParts(core: Core, id: number, p: PartProgress): Promise<void> {
  await core.db.query(
    `UPDATE sms_message
        SET meta = meta || jsonb_build_object('parts', jsonb_build_object('ref', $2::int, 'total', $3::int, 'ids', coalesce(meta#>'{parts,ids}', '{}'::jsonb) || $4::jsonb))
      WHERE id = $1`,
    [id, p.ref, p.total, JSON.stringify(p.ids)],
  );
}

/** One tick of the outbox job: batches until the queue is empty (at most `maxBatches`, so the tick ends). */
export async function drainOutboxTick(core: Core, transport: SmsTransport, maxBatches = 50): Promise<number> {
  let sent = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await drainOutbox(core, transport);
    sent += n;
    if (n < 100) break;
  }
  return sent;
}
