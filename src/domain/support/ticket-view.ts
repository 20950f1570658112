import type { Queryable } from '../../store/db.ts';

export type TicketKind = 'question' | 'complaint' | 'thanks' | 'wish';
export type TicketStatus = 'open' | 'answered' | 'closed';
export type TicketPriority = 'normal' | 'high';

export const TICKET_KINDS: readonly TicketKind[] = ['question', 'complaint', 'thanks', 'wish'];
export const SUBJECT_MAX = 200;
export const MESSAGE_MAX = 4000;

export interface TicketMessage {
  id: string;
  author: 'subscriber' | 'staff';
  text: string;
  createdAt: string;
}

export interface Ticket {
  id: string;
  kind: TicketKind;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  createdAt: string;
  updatedAt: string;
  messages: TicketMessage[];
}

export interface TicketRow {
  id: number;
  account_id: number;
  subscriber_id: number;
  kind: TicketKind;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  priority_rank: number;
  created_at: Date;
  updated_at: Date;
}

export const TICKET_COLUMNS = 't.id, t.account_id, t.subscriber_id, t.kind, t.subject, t.status, t.priority, t.priority_rank, t.created_at, t.updated_at';

/** Tickets with their conversations, in the order given: one query for all the messages. */
export async function withMessages(q: Queryable, rows: TicketRow[]): Promise<Ticket[]> {
  if (rows.length === 0) return [];
  const msgs = await q.query<{ id: number; ticket_id: number; author: 'subscriber' | 'staff'; text: string; created_at: Date }>(
    'SELECT id, ticket_id, author, text, created_at FROM ticket_message WHERE ticket_id = ANY($1::bigint[]) ORDER BY ticket_id, id',
    [rows.map((r) => r.id)],
  );
  const byTicket = new Map<number, TicketMessage[]>();
  for (const m of msgs) {
    const list = byTicket.get(Number(m.ticket_id)) ?? [];
    list.push({ id: String(m.id), author: m.author, text: m.text, createdAt: m.created_at.toISOString() });
    byTicket.set(Number(m.ticket_id), list);
  }
  return rows.map((r) => ({
    id: String(r.id),
    kind: r.kind,
    subject: r.subject,
    status: r.status,
    priority: r.priority,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    messages: byTicket.get(Number(r.id)) ?? [],
  }));
}

export async function ticketView(q: Queryable, row: TicketRow): Promise<Ticket> {
  return (await withMessages(q, [row]))[0]!;
}

/** A ticket id from a path: digits only, else it cannot exist. */
export function parseTicketId(id: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : null;
}

/** One ticket of one subscriber; another subscriber's ticket is as absent as one never made. */
export async function findSubscriberTicket(q: Queryable, subscriberId: number, ticketId: string, lock = false): Promise<TicketRow | undefined> {
  const id = parseTicketId(ticketId);
  if (id === null) return undefined;
  const rows = await q.query<TicketRow>(
    `SELECT ${TICKET_COLUMNS} FROM ticket t WHERE t.id = $1 AND t.subscriber_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [id, subscriberId],
  );
  return rows[0];
}
