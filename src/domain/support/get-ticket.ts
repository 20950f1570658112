import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { findSubscriberTicket, ticketView, type Ticket } from './ticket-view.ts';

/** One ticket of the number with its conversation; any other id is not found. */
export async function getTicket(core: Core, ctx: Ctx, input: { msisdn: string; id: string }): Promise<Ticket> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const row = await findSubscriberTicket(core.db, sub.id, input.id);
  if (!row) throw new DomainError('NOT_FOUND', { resource: 'ticket', id: input.id });
  return ticketView(core.db, row);
}
