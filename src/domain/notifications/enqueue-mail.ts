import type { Queryable } from '../../store/db.ts';

/**
 * Puts an outbound e-mail in the store's outbox, inside the caller's transaction: it is sent
 * exactly when the action that caused it commits, by the mail-outbox job (never in the request).
 */
export async function enqueueMail(
  q: Queryable,
  m: { to: string; subject: string; text: string; kind: string; customerId: number | null; at: Date },
): Promise<number> {
  const rows = await q.query<{ id: number }>(
    `INSERT INTO mail_message (to_address, subject, body, kind, customer_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [m.to, m.subject, m.text, m.kind, m.customerId, m.at],
  );
  return Number(rows[0]!.id);
}
