import type { Core } from '../domain/core.ts';

/** Delivers one outbound SMS; adapters: the log (default), SMPP and Kannel. */
export interface SmsTransport {
  readonly name: string;
  send(m: { id: number; msisdn: string; sender: string; text: string }): Promise<{ status: 'sent' | 'failed'; ref?: string }>;
}

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
 * Sends queued messages. Rows are claimed with SKIP LOCKED, so several instances draining the
 * outbox at once never send one message twice.
 */
export async function drainOutbox(core: Core, transport: SmsTransport, batch = 100): Promise<number> {
  return core.db.tx(async (tx) => {
    const rows = await tx.query<{ id: number; msisdn: string; short_code: string; text: string }>(
      `SELECT id, msisdn, short_code, text FROM sms_message WHERE direction = 'mt' AND status = 'queued'
        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batch],
    );
    for (const r of rows) {
      const res = await transport.send({ id: r.id, msisdn: r.msisdn, sender: r.short_code, text: r.text });
      await tx.query(`UPDATE sms_message SET status = $2, meta = meta || $3 WHERE id = $1`, [
        r.id,
        res.status,
        JSON.stringify({ transport: transport.name, ...(res.ref ? { ref: res.ref } : {}) }),
      ]);
    }
    return rows.length;
  });
}
