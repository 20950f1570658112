import type { Queryable } from '../../store/db.ts';

/** The sender name outbound notices carry (login codes, confirmations). */
export const NOTICE_SENDER = 'Abonent';

/**
 * Puts an outbound SMS in the store's outbox, inside the caller's transaction: it is sent exactly
 * when the action that caused it commits. A transport (log, SMPP, Kannel) delivers queued rows.
 * With `sentVia` the message leaves another way (in the answer to the gateway's own request, as
 * Kannel's get-url): it is recorded `sent` by that path, never queued, and its delivery reports
 * update it like any other.
 */
export async function enqueueSms(
  q: Queryable,
  m: { msisdn: string; text: string; sender?: string; kind: string; at: Date; sentVia?: string },
): Promise<number> {
  const rows = await q.query<{ id: number }>(
    `INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, meta)
     VALUES ('mt', $1, $2, $3, $4, $5, $6) RETURNING id`,
    [m.msisdn, m.sender ?? NOTICE_SENDER, m.text, m.sentVia ? 'sent' : 'queued', m.at, JSON.stringify({ kind: m.kind, ...(m.sentVia ? { transport: m.sentVia } : {}) })],
  );
  return rows[0]!.id;
}

/** Queues many outbound SMS with one statement, in the order given (see `enqueueSms`). */
export async function enqueueSmsBulk(q: Queryable, ms: { msisdn: string; text: string; sender?: string; kind: string; at: Date }[]): Promise<void> {
  if (ms.length === 0) return;
  await q.query(
    `INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, meta)
     SELECT 'mt', m, s, t, 'queued', a, jsonb_build_object('kind', k)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) WITH ORDINALITY AS u(m, s, t, a, k, n) ORDER BY n`,
    [ms.map((m) => m.msisdn), ms.map((m) => m.sender ?? NOTICE_SENDER), ms.map((m) => m.text), ms.map((m) => m.at.toISOString()), ms.map((m) => m.kind)],
  );
}
