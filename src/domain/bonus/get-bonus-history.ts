import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
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
 * The points history, newest first, a page at a time (`before` is the last id of the previous
 * page). Points earned accrue into one `earn` line per month, placed where the month's first
 * points came in; spending and expiry are a line each.
 */
export async function getBonusHistory(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; limit?: number; before?: number },
): Promise<{ msisdn: string; items: BonusHistoryItem[]; nextBefore: number | null }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const rows = await core.db.query<{ id: number; created_at: Date; kind: BonusHistoryItem['kind']; points: number; reward_code: string | null; reference: string | null }>(
    `SELECT id, created_at, kind, points, reward_code, reference FROM bonus_entry
      WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [sub.accountId, input.before ?? null, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    msisdn: sub.msisdn,
    items: page.map((r) => ({
      id: Number(r.id),
      at: r.created_at.toISOString(),
      kind: r.kind,
      points: Number(r.points),
      rewardCode: r.reward_code,
      reference: r.reference,
      period: r.kind === 'earn' && r.reference?.startsWith('month:') ? r.reference.slice(6) : null,
    })),
    nextBefore: rows.length > limit ? Number(page[page.length - 1]!.id) : null,
  };
}
