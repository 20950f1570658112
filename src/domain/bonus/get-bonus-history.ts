import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
import { loadSubscriber } from '../subscribers/access.ts';

export interface BonusHistoryItem {
  id: number;
  at: string;
  kind: 'earn' | 'spend' | 'expire';
  /** Signed: earned points positive, spent and expired negative. */
  points: number;
  rewardCode: string | null;
  reference: string | null;
  /** For a month's points (`earn`), the month they were earned in, e.g. `2026-11`; it grows through the month. */
  period: string | null;
}

/**
 * The points history, newest first, a page at a time: pass the `nextCursor` of a page as `cursor`
 * for the next, older one (keyset on time and id; see shared/cursor.ts). Points earned accrue into
 * one `earn` line per month, placed where the month's first points came in (its time does not move
 * as it grows, so a page never shifts under it); spending and expiry are a line each.
 */
export async function getBonusHistory(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; limit?: number; cursor?: string },
): Promise<{ msisdn: string; items: BonusHistoryItem[]; nextCursor: string | null }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const after = decodeCursor('bonus', input.cursor);
  const limit = pageLimit(input.limit);
  const rows = await core.db.query<{ id: number; created_at: Date; key_at: string; kind: BonusHistoryItem['kind']; points: number; reward_code: string | null; reference: string | null }>(
    `SELECT id, created_at, ${keysetAt('created_at')} AS key_at, kind, points, reward_code, reference FROM bonus_entry
      WHERE account_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::bigint))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [sub.accountId, after?.at ?? null, after?.id ?? '0', limit + 1],
  );
  const page = keysetPage('bonus', rows, limit, (r) => ({ at: r.key_at, id: String(r.id) }));
  return {
    msisdn: sub.msisdn,
    items: page.rows.map((r) => ({
      id: Number(r.id),
      at: r.created_at.toISOString(),
      kind: r.kind,
      points: Number(r.points),
      rewardCode: r.reward_code,
      reference: r.reference,
      period: r.kind === 'earn' && r.reference?.startsWith('month:') ? r.reference.slice(6) : null,
    })),
    nextCursor: page.nextCursor,
  };
}
