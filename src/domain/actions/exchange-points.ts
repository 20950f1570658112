import { z } from 'zod';
import { exchangePoints, type ExchangeResult } from '../bonus/exchange-points.ts';
import { listRewards, type RewardView } from '../bonus/list-rewards.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { confirmationFor } from './confirmation.ts';
import type { CatalogAction, Offer } from './types.ts';

const input = z.object({ rewardCode: z.string().min(1).max(40) });

export interface RewardDetails extends RewardView {
  /** Points the number may spend now. */
  points: number;
}

function offerOf(r: RewardView, points: number): Offer<RewardDetails> {
  return {
    action: 'bonus.exchange',
    refusal: r.affordable ? null : { code: 'INSUFFICIENT_POINTS', params: { required: r.cost, available: points } },
    shown: true,
    // Paid in points, not money: no price facts.
    facts: null,
    details: { ...r, points },
  };
}

async function all(core: Core, ctx: Ctx, msisdn: string): Promise<Offer<RewardDetails>[]> {
  const r = await listRewards(core, ctx, { msisdn });
  return r.items.map((x) => offerOf(x, r.points));
}

/** Exchange bonus points for a reward. Offered per reward; refused INSUFFICIENT_POINTS {required, available}. */
export const exchangePointsAction: CatalogAction<{ rewardCode: string }, z.infer<typeof input>, ExchangeResult, RewardDetails> = {
  id: 'bonus.exchange',
  summary: 'Exchange bonus points',
  input,
  async offer(core, ctx, t) {
    const found = (await all(core, ctx, t.msisdn)).find((o) => o.details.code === t.rewardCode);
    if (!found) throw new DomainError('REWARD_NOT_FOUND', { reward: t.rewardCode });
    return found;
  },
  offers: (core, ctx, t) => all(core, ctx, t.msisdn),
  confirmation: (_offer, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => exchangePoints(core, ctx, { msisdn: i.msisdn, rewardCode: i.rewardCode }),
};
