import type { Queryable } from '../../store/db.ts';

/** The sender name outbound notices carry (login codes, confirmations). */
export const NOTICE_SENDER = 'Abonent';

/**
 * Puts an outbound SMS in the store's outbox, inside the caller's transaction: it is sent exactly
 * when the action that caused it commits. A transport (log, SMPP, Kannel) delivers queued rows.
 */
export async function enqueueSms(
  q: Queryable,
  m: { msisdn: string; text: string; sender?: string; kind: string; at: Date },
): Promise<number> {
  const rows = await q.query<{ id: number }>(
    `INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, meta)
     VALUES ('mt', $1, $2, $3, 'queued', $4, $5) RETURNING id`,
    [m.msisdn, m.sender ?? NOTICE_SENDER, m.text, m.at, JSON.stringify({ kind: m.kind })],
  );
  return rows[0]!.id;
}
