import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';

export interface AuditQuery {
  msisdn?: string;
  action?: string;
  channel?: string;
  outcome?: string;
  limit?: number;
  before?: number;
}

/** The audit log for operator staff and operator API keys, newest first. */
export async function searchAudit(core: Core, ctx: Ctx, q: AuditQuery) {
  if (ctx.actor.kind !== 'staff' && ctx.actor.kind !== 'operator_api') throw new DomainError('FORBIDDEN');
  let subscriberId: number | null = null;
  if (q.msisdn) {
    const m = normalizeMsisdn(q.msisdn);
    if (!m) throw new DomainError('VALIDATION', { field: 'msisdn' });
    const rows = await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [m]);
    if (!rows[0]) return { items: [], nextBefore: null };
    subscriberId = rows[0].id;
  }
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
  const rows = await core.db.query<{ id: number; at: Date; actor_kind: string; actor_id: string | null; channel: string; action: string; subscriber_id: number | null; customer_id: number | null; outcome: string; details: unknown; request_id: string | null }>(
    `SELECT id, at, actor_kind, actor_id, channel, action, subscriber_id, customer_id, outcome, details, request_id FROM audit_event
      WHERE ($1::bigint IS NULL OR subscriber_id = $1) AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR channel = $3)
        AND ($4::text IS NULL OR outcome = $4) AND ($5::bigint IS NULL OR id < $5)
      ORDER BY id DESC LIMIT $6`,
    [subscriberId, q.action ?? null, q.channel ?? null, q.outcome ?? null, q.before ?? null, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actorKind: r.actor_kind,
      actorId: r.actor_id,
      channel: r.channel,
      action: r.action,
      subscriberId: r.subscriber_id,
      customerId: r.customer_id,
      outcome: r.outcome,
      details: r.details,
      requestId: r.request_id,
    })),
    nextBefore: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}
