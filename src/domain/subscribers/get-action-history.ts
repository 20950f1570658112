import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from './access.ts';

export interface HistoryItem {
  id: number;
  at: string;
  action: string;
  channel: string;
  actorKind: string;
  outcome: string;
  details: Record<string, unknown>;
}

/** The subscriber's own audit trail: what was done on the number, when, from which channel. */
export async function getActionHistory(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; limit?: number; before?: number },
): Promise<{ msisdn: string; items: HistoryItem[]; nextBefore: number | null }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const rows = await core.db.query<{ id: number; at: Date; action: string; channel: string; actor_kind: string; outcome: string; details: Record<string, unknown> }>(
    `SELECT id, at, action, channel, actor_kind, outcome, details FROM audit_event
      WHERE subscriber_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [sub.id, input.before ?? null, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    msisdn: sub.msisdn,
    items: page.map((r) => ({ id: r.id, at: r.at.toISOString(), action: r.action, channel: r.channel, actorKind: r.actor_kind, outcome: r.outcome, details: r.details })),
    nextBefore: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}
