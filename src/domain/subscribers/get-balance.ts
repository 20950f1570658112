import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { available } from '../ledger/funds.ts';
import { loadSubscriber } from './access.ts';
import { currentQuotas, type QuotaLine, type QuotaUnit } from './quotas.ts';

export interface BalanceView {
  msisdn: string;
  balance: number;
  creditLimit: number;
  available: number;
  currency: string;
  status: string;
  asOf: string;
  remaining: Record<QuotaUnit, { included: number; used: number; remaining: number }>;
  quotas: QuotaLine[];
}

/** Balance with the "as of" time and what is left of minutes, SMS and data this period. */
export async function getBalance(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BalanceView> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const now = core.clock.now();
  const quotas = await currentQuotas(core.db, sub.accountId, sub.id, now);
  const remaining: BalanceView['remaining'] = {
    seconds: { included: 0, used: 0, remaining: 0 },
    sms: { included: 0, used: 0, remaining: 0 },
    bytes: { included: 0, used: 0, remaining: 0 },
  };
  for (const qline of quotas) {
    const r = remaining[qline.unit];
    r.included += qline.included;
    r.used += qline.used;
    r.remaining += qline.remaining;
  }
  return {
    msisdn: sub.msisdn,
    balance: sub.balance,
    creditLimit: sub.creditLimit,
    available: available(sub),
    currency: sub.currency,
    status: sub.status,
    asOf: now.toISOString(),
    remaining,
    quotas,
  };
}
