import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { cleanText } from './text.ts';
import { findSubscriberTicket, MESSAGE_MAX, ticketView, type Ticket, type TicketRow } from './ticket-view.ts';

/**
 * The subscriber writes more in their ticket. The ticket goes back to the staff queue as open,
 * a closed one included: writing again is how a subscriber reopens it.
 */
export async function addTicketMessage(core: Core, ctx: Ctx, input: { msisdn: string; id: string; text: string }): Promise<Ticket> {
  return runUseCase(core, ctx, 'support.ticket_message', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const text = cleanText(input.text, 'text', { max: MESSAGE_MAX, multiline: true });
    const found = await findSubscriberTicket(tx, sub.id, input.id, true);
    if (!found) throw new DomainError('NOT_FOUND', { resource: 'ticket', id: input.id });
    return idempotent(tx, ctx, `subscriber:${sub.id}`, 'support.ticket_message', { id: found.id, t: text }, async () => {
      const now = core.clock.now();
      await tx.query("INSERT INTO ticket_message (ticket_id, author, text, created_at) VALUES ($1, 'subscriber', $2, $3)", [found.id, text, now]);
      const row = (
        await tx.query<TicketRow>(
          `UPDATE ticket SET status = 'open', updated_at = $2 WHERE id = $1
           RETURNING id, account_id, subscriber_id, kind, subject, status, priority, priority_rank, created_at, updated_at`,
          [found.id, now],
        )
      )[0]!;
      await recordAudit(tx, core, ctx, {
        action: 'support.ticket_message',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { ticketId: found.id, reopened: found.status !== 'open' },
      });
      return ticketView(tx, row);
    });
  });
}
