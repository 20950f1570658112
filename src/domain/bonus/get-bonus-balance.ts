import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { spendablePoints } from './lots.ts';

/** How far ahead "expiring soon" looks. */
export const EXPIRING_SOON_DAYS = 30;

export interface BonusBalanceView {
  msisdn: string;
  points: number;
  asOf: string;
  /** Lots whose rest expires within EXPIRING_SOON_DAYS, soonest first. */
  expiringSoon: { points: number; expiresAt: string }[];
  expiringSoonTotal: number;
}

/** The points balance and what of it is about to expire. */
export async function getBonusBalance(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BonusBalanceView> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const now = core.clock.now();
  const points = await spendablePoints(core.db, sub.accountId, now);
  const horizon = new Date(now.getTime() + EXPIRING_SOON_DAYS * 86_400_000);
  const soon = await core.db.query<{ remaining: number; expires_at: Date }>(
    `SELECT remaining, expires_at FROM bonus_lot
      WHERE account_id = $1 AND remaining > 0 AND expires_at > $2 AND expires_at <= $3 ORDER BY expires_at, id`,
    [sub.accountId, now, horizon],
  );
  const expiringSoon = soon.map((r) => ({ points: Number(r.remaining), expiresAt: r.expires_at.toISOString() }));
  return {
    msisdn: sub.msisdn,
    points,
    asOf: now.toISOString(),
    expiringSoon,
    expiringSoonTotal: expiringSoon.reduce((s, l) => s + l.points, 0),
  };
}
