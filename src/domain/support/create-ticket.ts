import { recordAudit } from '../audit/record-audit.ts';
import { takeToken } from '../auth/rate-limit.ts';
import { requireTariff } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { cleanText } from './text.ts';
import { MESSAGE_MAX, SUBJECT_MAX, TICKET_COLUMNS, TICKET_KINDS, ticketView, type Ticket, type TicketKind, type TicketRow } from './ticket-view.ts';

/** Tickets one number may open a day: plenty for a person, a wall for a script. */
export const TICKETS_PER_DAY = 20;

export interface CreateTicketInput {
  msisdn: string;
  kind: TicketKind;
  subject: string;
  text: string;
}

/**
 * A question, complaint, thanks or wish from the feedback form. Its priority comes from the
 * tariff the number is on now (premium plans: high). With an Idempotency-Key a retried request
 * returns the ticket the first one made instead of opening a second.
 */
export async function createTicket(core: Core, ctx: Ctx, input: CreateTicketInput): Promise<Ticket> {
  return runUseCase(core, ctx, 'support.ticket_create', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    if (!TICKET_KINDS.includes(input.kind)) throw new DomainError('VALIDATION', { field: 'kind' });
    const title = cleanText(input.subject, 'subject', { max: SUBJECT_MAX });
    const text = cleanText(input.text, 'text', { max: MESSAGE_MAX, multiline: true });
    return idempotent(tx, ctx, `subscriber:${sub.id}`, 'support.ticket_create', { k: input.kind, s: title, t: text }, async () => {
      await takeToken(tx, `support:ticket:${sub.id}`, core.clock.now(), { limit: TICKETS_PER_DAY, windowSeconds: 86_400 });
      const tariff = await requireTariff(tx, sub.tariffCode);
      const priority = tariff.supportPriority === 'high' ? 'high' : 'normal';
      const now = core.clock.now();
      const row = (
        await tx.query<TicketRow>(
          `INSERT INTO ticket AS t (account_id, subscriber_id, kind, subject, status, priority, priority_rank, channel, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $8) RETURNING ${TICKET_COLUMNS}`,
          [sub.accountId, sub.id, input.kind, title, priority, priority === 'high' ? 0 : 1, ctx.channel, now],
        )
      )[0]!;
      await tx.query("INSERT INTO ticket_message (ticket_id, author, text, created_at) VALUES ($1, 'subscriber', $2, $3)", [row.id, text, now]);
      await recordAudit(tx, core, ctx, {
        action: 'support.ticket_create',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { ticketId: row.id, kind: input.kind, priority },
      });
      return ticketView(tx, row);
    });
  });
}
