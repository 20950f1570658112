import type { Core } from '../domain/core.ts';
import type { SmsTransport } from '../domain/notifications/sms-transport.ts';

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

/**
 * Sends queued messages. Rows are claimed (status `sending`) with SKIP LOCKED in a short
 * transaction, so several instances never send one message twice, and the transport is called
 * outside any transaction. A claim older than five minutes (an instance died mid-send) is queued
 * again: delivery is at least once.
 */
export async function drainOutbox(core: Core, transport: SmsTransport, batch = 100): Promise<number> {
  const now = core.clock.now();
  await core.db.query(
    `UPDATE sms_message SET status = 'queued' WHERE direction = 'mt' AND status = 'sending' AND (meta->>'claimedAt')::timestamptz < $1`,
    [new Date(now.getTime() - 5 * 60_000)],
  );
  const rows = await core.db.tx((tx) =>
    tx.query<{ id: number; msisdn: string; short_code: string; text: string }>(
      `UPDATE sms_message SET status = 'sending', meta = meta || jsonb_build_object('claimedAt', $2::timestamptz)
        WHERE id IN (SELECT id FROM sms_message WHERE direction = 'mt' AND status = 'queued' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, msisdn, short_code, text`,
      [batch, now],
    ),
  );
  for (const r of rows.sort((a, b) => a.id - b.id)) {
    const res = await transport.send({ id: r.id, msisdn: r.msisdn, sender: r.short_code, text: r.text });
    await core.db.query(`UPDATE sms_message SET status = $2, meta = meta || $3 WHERE id = $1`, [
      r.id,
      res.status,
      JSON.stringify({ transport: transport.name, ...(res.ref ? { ref: res.ref } : {}), ...(res.refs && res.refs.length > 1 ? { refs: res.refs } : {}), ...(res.error ? { error: res.error.slice(0, 200) } : {}) }),
    ]);
  }
  return rows.length;
}
