import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
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

/**
 * The subscriber's own audit trail: what was done on the number, when, from which channel; newest
 * first, a page at a time (pass `nextCursor` as `cursor`; keyset on time and id, shared/cursor.ts).
 */
export async function getActionHistory(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; limit?: number; cursor?: string },
): Promise<{ msisdn: string; items: HistoryItem[]; nextCursor: string | null }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const limit = pageLimit(input.limit);
  const after = decodeCursor('history', input.cursor);
  const rows = await core.db.query<{ id: number; at: Date; key_at: string; action: string; channel: string; actor_kind: string; outcome: string; details: Record<string, unknown> }>(
    `SELECT id, at, ${keysetAt('at')} AS key_at, action, channel, actor_kind, outcome, details FROM audit_event
      WHERE subscriber_id = $1 AND ($2::timestamptz IS NULL OR (at, id) < ($2::timestamptz, $3::bigint))
      ORDER BY at DESC, id DESC LIMIT $4`,
    [sub.id, after?.at ?? null, after?.id ?? '0', limit + 1],
  );
  const page = keysetPage('history', rows, limit, (r) => ({ at: r.key_at, id: String(r.id) }));
  return {
    msisdn: sub.msisdn,
    items: page.rows.map((r) => ({ id: Number(r.id), at: r.at.toISOString(), action: r.action, channel: r.channel, actorKind: r.actor_kind, outcome: r.outcome, details: r.details })),
    nextCursor: page.nextCursor,
  };
}
