import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { TICKET_COLUMNS, withMessages, type Ticket, type TicketRow } from './ticket-view.ts';

/** How many tickets the list shows: the newest ones. */
export const TICKET_LIST_MAX = 100;

/** The number's tickets with their replies, newest first. */
export async function listTickets(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ items: Ticket[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const rows = await core.db.query<TicketRow>(
    `SELECT ${TICKET_COLUMNS} FROM ticket t WHERE t.subscriber_id = $1 ORDER BY t.created_at DESC, t.id DESC LIMIT $2`,
    [sub.id, TICKET_LIST_MAX],
  );
  return { items: await withMessages(core.db, rows) };
}
