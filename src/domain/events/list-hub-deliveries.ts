import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

export interface HubDelivery {
  id: number;
  eventId: string;
  eventType: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** The deliveries of one listener, newest first: what was delivered, what waits, what failed and why. */
export async function listHubDeliveries(core: Core, ctx: Ctx, input: { api: string; hubId: string; status?: DeliveryStatus; limit?: number }): Promise<HubDelivery[]> {
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  if (ctx.actor.kind !== 'operator_api' && ctx.actor.kind !== 'system') throw new DomainError('FORBIDDEN');
  const hub = await core.db.query('SELECT 1 FROM tmf_hub WHERE api = $1 AND id = $2', [input.api, input.hubId]);
  if (hub.length === 0) throw new DomainError('NOT_FOUND', { id: input.hubId });
  return core.db.query<HubDelivery>(
    `SELECT id, event_id AS "eventId", event_type AS "eventType", url, status, attempts,
            CASE WHEN status = 'pending' THEN next_attempt_at END AS "nextAttemptAt",
            last_status AS "lastStatus", last_error AS "lastError", created_at AS "createdAt", delivered_at AS "deliveredAt"
       FROM tmf_event_delivery WHERE hub_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY id DESC LIMIT $3`,
    [input.hubId, input.status ?? null, input.limit ?? 100],
  );
}
