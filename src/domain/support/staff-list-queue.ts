import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { decodeCursor, encodeCursor, requireStaff } from './staff.ts';
import { TICKET_COLUMNS, withMessages, type Ticket, type TicketRow, type TicketStatus } from './ticket-view.ts';

export interface QueueTicket extends Ticket {
  msisdn: string;
  tariffCode: string;
  tariffName: string;
}

/**
 * The staff queue: tickets of one status, high priority (premium plans) first, then the longest
 * waiting. Pages follow a cursor, so a ticket answered meanwhile does not shift the next page.
 */
export async function staffListQueue(
  core: Core,
  ctx: Ctx,
  input: { status?: TicketStatus; limit?: number; cursor?: string },
): Promise<{ items: QueueTicket[]; nextCursor: string | null }> {
  requireStaff(ctx);
  const status = input.status ?? 'open';
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const after = input.cursor ? decodeCursor(input.cursor, ['number', 'string', 'number']) : null;
  const afterAt = after ? new Date(after[1] as string) : null;
  if (afterAt && Number.isNaN(afterAt.getTime())) throw new DomainError('VALIDATION', { field: 'cursor' });
  const rows = await core.db.query<TicketRow & { msisdn: string; tariff_code: string; tariff_name: { ru: string; en: string } }>(
    `SELECT ${TICKET_COLUMNS}, s.msisdn, s.tariff_code, p.spec->'name' AS tariff_name
       FROM ticket t JOIN subscriber s ON s.id = t.subscriber_id JOIN tariff_plan p ON p.code = s.tariff_code
      WHERE t.status = $1
        AND ($2::smallint IS NULL OR (t.priority_rank, t.created_at, t.id) > ($2::smallint, $3::timestamptz, $4::bigint))
      ORDER BY t.priority_rank, t.created_at, t.id LIMIT $5`,
    [status, after ? after[0] : null, afterAt, after ? after[2] : null, limit + 1],
  );
  const page = rows.slice(0, limit);
  const tickets = await withMessages(core.db, page);
  const last = page[page.length - 1];
  return {
    items: tickets.map((t, i) => ({
      ...t,
      msisdn: page[i]!.msisdn,
      tariffCode: page[i]!.tariff_code,
      tariffName: page[i]!.tariff_name[ctx.lang],
    })),
    nextCursor: rows.length > limit && last ? encodeCursor([last.priority_rank, last.created_at.toISOString(), Number(last.id)]) : null,
  };
}
