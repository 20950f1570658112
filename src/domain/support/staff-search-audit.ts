import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { decodeCursor, encodeCursor, requireStaff } from './staff.ts';

export interface StaffAuditQuery {
  msisdn?: string;
  action?: string;
  channel?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export interface StaffAuditRow {
  id: string;
  at: string;
  actorKind: string;
  actorId: string | null;
  channel: string;
  action: string;
  msisdn: string | null;
  subscriberId: number | null;
  customerId: number | null;
  outcome: string;
  details: unknown;
  requestId: string | null;
}

/**
 * The audit log for the staff view: by number, action (exact, or a prefix ending in `.`, such as
 * `support.`), channel and a time window [from, to), newest first, a page at a time.
 */
export async function staffSearchAudit(core: Core, ctx: Ctx, q: StaffAuditQuery): Promise<{ items: StaffAuditRow[]; nextCursor: string | null }> {
  requireStaff(ctx);
  let subscriberId: number | null = null;
  if (q.msisdn) {
    const m = normalizeMsisdn(q.msisdn);
    if (!m) throw new DomainError('VALIDATION', { field: 'msisdn' });
    const rows = await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [m]);
    if (!rows[0]) return { items: [], nextCursor: null };
    subscriberId = rows[0].id;
  }
  const from = q.from ? new Date(q.from) : null;
  const to = q.to ? new Date(q.to) : null;
  if (from && Number.isNaN(from.getTime())) throw new DomainError('VALIDATION', { field: 'from' });
  if (to && Number.isNaN(to.getTime())) throw new DomainError('VALIDATION', { field: 'to' });
  const before = q.cursor ? Number(decodeCursor(q.cursor, ['number'])[0]) : null;
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
  const prefix = q.action?.endsWith('.') ? q.action : null;
  const rows = await core.db.query<{
    id: number; at: Date; actor_kind: string; actor_id: string | null; channel: string; action: string; msisdn: string | null;
    subscriber_id: number | null; customer_id: number | null; outcome: string; details: unknown; request_id: string | null;
  }>(
    `SELECT e.id, e.at, e.actor_kind, e.actor_id, e.channel, e.action, s.msisdn, e.subscriber_id, e.customer_id, e.outcome, e.details, e.request_id
       FROM audit_event e LEFT JOIN subscriber s ON s.id = e.subscriber_id
      WHERE ($1::bigint IS NULL OR e.subscriber_id = $1)
        AND ($2::text IS NULL OR e.action = $2)
        AND ($3::text IS NULL OR left(e.action, length($3)) = $3)
        AND ($4::text IS NULL OR e.channel = $4)
        AND ($5::timestamptz IS NULL OR e.at >= $5) AND ($6::timestamptz IS NULL OR e.at < $6)
        AND ($7::bigint IS NULL OR e.id < $7)
      ORDER BY e.id DESC LIMIT $8`,
    [subscriberId, prefix ? null : (q.action ?? null), prefix, q.channel ?? null, from, to, before, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      actorKind: r.actor_kind,
      actorId: r.actor_id,
      channel: r.channel,
      action: r.action,
      msisdn: r.msisdn,
      subscriberId: r.subscriber_id,
      customerId: r.customer_id,
      outcome: r.outcome,
      details: r.details,
      requestId: r.request_id,
    })),
    nextCursor: rows.length > limit ? encodeCursor([Number(page[page.length - 1]!.id)]) : null,
  };
}
