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
      // jsonb refuses NUL and lone surrogates: what a caller typed is kept, with those replaced.
      JSON.stringify(a.details ?? {}, (_k, v: unknown) => (typeof v === 'string' ? v.replace(UNSTORABLE, '\ufffd') : v)),
      ctx.requestId,
    ],
  );
}
