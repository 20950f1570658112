import { getSettings } from '../catalog/read-catalog.ts';
import type { Allowance, Localized } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { rewardsOf, spendablePoints } from './lots.ts';

export interface RewardView {
  code: string;
  name: Localized;
  cost: number;
  grants: Allowance | null;
  credit: number | null;
  validDays: number | null;
  /** Whether the number's points cover it now. */
  affordable: boolean;
}

/** What the number's points can be exchanged for, cheapest first. */
export async function listRewards(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ msisdn: string; points: number; items: RewardView[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const points = await spendablePoints(core.db, sub.accountId, core.clock.now());
  const rewards = rewardsOf(await getSettings(core.db));
  const items = rewards
    .map((r) => ({
      code: r.code,
      name: r.name,
      cost: r.cost,
      grants: r.grants ?? null,
      credit: r.credit ?? null,
      validDays: r.grants ? r.validDays : null,
      affordable: points >= r.cost,
    }))
    .sort((a, b) => a.cost - b.cost || a.code.localeCompare(b.code));
  return { msisdn: sub.msisdn, points, items };
}
