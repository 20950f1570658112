import type { Queryable } from '../../store/db.ts';
import type { Core } from '../core.ts';
import { actorId, type Ctx } from '../shared/context.ts';

// eslint-disable-next-line no-control-regex -- NUL is exactly what must go
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export interface AuditInput {
  action: string;
  subscriberId?: number | null;
  customerId?: number | null;
  outcome?: 'ok' | 'refused' | 'failed';
  details?: Record<string, unknown>;
}

const storable = (details: Record<string, unknown> | undefined) =>
  // jsonb refuses NUL and lone surrogates: what a caller typed is kept, with those replaced.
  JSON.stringify(details ?? {}, (_k, v: unknown) => (typeof v === 'string' ? v.replace(UNSTORABLE, '\ufffd') : v));

/** Writes one audit event; called inside the use case's own transaction. */
export async function recordAudit(q: Queryable, core: Core, ctx: Ctx, a: AuditInput): Promise<void> {
  await q.query(
    `INSERT INTO audit_event (at, actor_kind, actor_id, channel, action, subscriber_id, customer_id, outcome, details, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      core.clock.now(),
      ctx.actor.kind,
      actorId(ctx.actor),
      ctx.channel,
      a.action,
      a.subscriberId ?? null,
      a.customerId ?? null,
      a.outcome ?? 'ok',
      storable(a.details),
      ctx.requestId,
    ],
  );
}

/** Writes many audit events of one actor with one statement, in the order given. */
export async function recordAuditBulk(q: Queryable, core: Core, ctx: Ctx, events: AuditInput[]): Promise<void> {
  if (events.length === 0) return;
  await q.query(
    `INSERT INTO audit_event (at, actor_kind, actor_id, channel, action, subscriber_id, customer_id, outcome, details, request_id)
     SELECT $1, $2, $3, $4, a, s, c, o, d::jsonb, $5
       FROM unnest($6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[]) WITH ORDINALITY AS u(a, s, c, o, d, n) ORDER BY n`,
    [
      core.clock.now(),
      ctx.actor.kind,
      actorId(ctx.actor),
      ctx.channel,
      ctx.requestId,
      events.map((a) => a.action),
      events.map((a) => a.subscriberId ?? null),
      events.map((a) => a.customerId ?? null),
      events.map((a) => a.outcome ?? 'ok'),
      events.map((a) => storable(a.details)),
    ],
  );
}
