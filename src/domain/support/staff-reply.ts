import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx, Lang } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { requireStaff } from './staff.ts';
import { cleanText } from './text.ts';
import { MESSAGE_MAX, parseTicketId, TICKET_COLUMNS, ticketView, type Ticket, type TicketRow } from './ticket-view.ts';

/** The SMS telling a subscriber their ticket has an answer; the answer itself is read in the account. */
export function replyNotice(lang: Lang, ticketId: number, closed: boolean): string {
  if (lang === 'en') {
    return `Support has answered your request #${ticketId}${closed ? ' and closed it' : ''}. Read the answer in your account, section Support.`;
  }
  return `Поддержка ответила на обращение №${ticketId}${closed ? ' и закрыла его' : ''}. Ответ — в личном кабинете, раздел «Поддержка».`;
}

/** Staff answer a ticket (and may close it); the subscriber is told by SMS in their language. */
export async function staffReply(core: Core, ctx: Ctx, input: { id: string; text: string; close?: boolean }): Promise<Ticket> {
  return runUseCase(core, ctx, 'support.ticket_reply', async (tx, subject) => {
    const staffId = requireStaff(ctx);
    const id = parseTicketId(input.id);
    const found =
      id === null
        ? undefined
        : (
            await tx.query<TicketRow & { msisdn: string; language: Lang; customer_id: number }>(
              `SELECT ${TICKET_COLUMNS}, s.msisdn, s.language, s.customer_id FROM ticket t JOIN subscriber s ON s.id = t.subscriber_id
                WHERE t.id = $1 FOR UPDATE OF t`,
              [id],
            )
          )[0];
    if (!found) throw new DomainError('NOT_FOUND', { resource: 'ticket', id: input.id });
    subject.subscriberId = found.subscriber_id;
    subject.customerId = found.customer_id;
    const text = cleanText(input.text, 'text', { max: MESSAGE_MAX, multiline: true });
    const close = input.close ?? false;
    return idempotent(tx, ctx, `staff:${staffId}`, 'support.ticket_reply', { id: found.id, t: text, c: close }, async () => {
      const now = core.clock.now();
      await tx.query("INSERT INTO ticket_message (ticket_id, author, staff_id, text, created_at) VALUES ($1, 'staff', $2, $3, $4)", [found.id, staffId, text, now]);
      const row = (
        await tx.query<TicketRow>(
          `UPDATE ticket t SET status = $2, updated_at = $3 WHERE t.id = $1 RETURNING ${TICKET_COLUMNS}`,
          [found.id, close ? 'closed' : 'answered', now],
        )
      )[0]!;
      await enqueueSms(tx, { msisdn: found.msisdn, text: replyNotice(found.language, Number(found.id), close), kind: 'support_reply', at: now });
      await recordAudit(tx, core, ctx, {
        action: 'support.ticket_reply',
        subscriberId: found.subscriber_id,
        customerId: found.customer_id,
        details: { ticketId: found.id, closed: close },
      });
      return ticketView(tx, row);
    });
  });
}
