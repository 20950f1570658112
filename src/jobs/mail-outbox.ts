import type { Core } from '../domain/core.ts';
import type { MailTransport } from '../domain/notifications/mail-transport.ts';

export type { MailTransport };

/**
 * The default transport (no SMTP_URL): the message is recorded as sent in the outbox, where the
 * demo and the tests read it, and the log says so. Nothing leaves the machine.
 */
export function recordTransport(core: Core): MailTransport {
  return {
    name: 'record',
    async send(m) {
      core.log.info({ mail: { id: m.id, to: m.to, subject: m.subject } }, 'mail recorded (no SMTP_URL: not sent)');
      return { status: 'sent' };
    },
  };
}

/** Delays before the 2nd, 3rd, … attempt of a message the server could not take; then it fails. */
export const MAIL_RETRY_DELAYS_SECONDS = [30, 120, 600, 1800, 3600];

interface Claimed {
  id: number;
  to_address: string;
  subject: string;
  body: string;
  attempts: number;
  created_at: Date;
}

/**
 * Sends queued e-mails. Rows are claimed (status `sending`) with SKIP LOCKED in a short
 * statement, so several instances never send one message at once, and the transport is called
 * outside any transaction. A claim older than five minutes (an instance died mid-send) is queued
 * again: delivery is at least once, under one Message-ID. A message the server could not take
 * now waits for its next attempt (MAIL_RETRY_DELAYS_SECONDS) and fails after the last one; the
 * attempts and the last error stay in the row.
 */
export async function drainMailOutbox(core: Core, transport: MailTransport, batch = 50): Promise<number> {
  const now = core.clock.now();
  await core.db.query(`UPDATE mail_message SET status = 'queued' WHERE status = 'sending' AND claimed_at < $1`, [new Date(now.getTime() - 5 * 60_000)]);
  const rows = await core.db.query<Claimed>(
    `UPDATE mail_message SET status = 'sending', attempts = attempts + 1, claimed_at = $2
      WHERE id IN (SELECT id FROM mail_message
                    WHERE status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
                    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING id, to_address, subject, body, attempts, created_at`,
    [batch, now],
  );
  for (const r of rows.sort((a, b) => Number(a.id) - Number(b.id))) await sendOne(core, transport, r);
  return rows.length;
}

async function sendOne(core: Core, transport: MailTransport, r: Claimed): Promise<void> {
  const id = Number(r.id);
  const res = await transport
    .send({ id, to: r.to_address, subject: r.subject, text: r.body, messageId: `${id}.${new Date(r.created_at).getTime()}` })
    .catch((err: unknown) => ({ status: 'retry' as const, error: err instanceof Error ? err.message : String(err) }));
  const meta = JSON.stringify({ transport: transport.name, ...('ref' in res && res.ref ? { ref: res.ref } : {}), ...(res.error ? { error: res.error.slice(0, 200) } : {}) });
  const delay = res.status === 'retry' ? MAIL_RETRY_DELAYS_SECONDS[r.attempts - 1] : undefined;
  if (delay !== undefined) {
    await core.db.query(`UPDATE mail_message SET status = 'queued', next_attempt_at = $2, meta = meta || $3 WHERE id = $1`, [id, new Date(core.clock.now().getTime() + delay * 1000), meta]);
  } else {
    const sent = res.status === 'sent';
    await core.db.query(`UPDATE mail_message SET status = $2, next_attempt_at = NULL, sent_at = $3, meta = meta || $4 WHERE id = $1`, [id, sent ? 'sent' : 'failed', sent ? core.clock.now() : null, meta]);
  }
}

/** One tick of the outbox job: batches until the queue is empty (at most `maxBatches`). */
export async function drainMailOutboxTick(core: Core, transport: MailTransport, maxBatches = 20): Promise<number> {
  let sent = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await drainMailOutbox(core, transport);
    sent += n;
    if (n < 50) break;
  }
  return sent;
}
