import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { toPlanView, type PlanView } from './plan-view.ts';
import { paymentsOf, plansOf } from './schedule.ts';

/** The number's installment plans, each with its whole schedule. */
export async function getInstallments(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ msisdn: string; items: PlanView[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const now = core.clock.now();
  const items: PlanView[] = [];
  for (const plan of await plansOf(core.db, sub.accountId, sub.id)) {
    items.push(toPlanView(plan, await paymentsOf(core.db, sub.accountId, plan.id), now, sub.timeZone));
  }
  return { msisdn: sub.msisdn, items };
}
