import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { TICKET_COLUMNS, withMessages, type Ticket, type TicketRow } from './ticket-view.ts';

/**
 * The number's tickets with their replies, newest first, a page at a time (pass `nextCursor` as
 * `cursor`; keyset on creation time and id, shared/cursor.ts).
 */
export async function listTickets(core: Core, ctx: Ctx, input: { msisdn: string; limit?: number; cursor?: string }): Promise<{ items: Ticket[]; nextCursor: string | null }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const limit = pageLimit(input.limit);
  const after = decodeCursor('tickets', input.cursor);
  const rows = await core.db.query<TicketRow & { key_at: string }>(
    `SELECT ${TICKET_COLUMNS}, ${keysetAt('t.created_at')} AS key_at FROM ticket t
      WHERE t.subscriber_id = $1 AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::bigint))
      ORDER BY t.created_at DESC, t.id DESC LIMIT $4`,
    [sub.id, after?.at ?? null, after?.id ?? '0', limit + 1],
  );
  const page = keysetPage('tickets', rows, limit, (r) => ({ at: r.key_at, id: String(r.id) }));
  return { items: await withMessages(core.db, page.rows), nextCursor: page.nextCursor };
}
