import type { Core } from '../core.ts';
import { readBalance } from '../ledger/read-balance.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { canSee, subscriberKey } from './access.ts';
import type { QuotaLine, QuotaUnit } from './quotas.ts';

export interface BalanceView {
  msisdn: string;
  balance: number;
  /** The credit the number may use now (for a contract's number: what the company's pool leaves it). */
  creditLimit: number;
  /** `own`: the subscriber's own trust limit; `company_pool`: the company contract's shared credit pool. */
  creditSource: 'own' | 'company_pool';
  available: number;
  currency: string;
  status: string;
  asOf: string;
  remaining: Record<QuotaUnit, { included: number; used: number; remaining: number }>;
  quotas: QuotaLine[];
  /** ISO 3166-1 alpha-2 of the country the number is attached in abroad (the network's last attach), or null at home. */
  roamingCountry: string | null;
}

/**
 * Balance with the "as of" time and what is left of minutes, SMS and data this period (at home:
 * roaming packages are in `quotas` but not in `remaining`): the ledger's
 * one balance read (`readBalance`, one statement shared by reads arriving together), checked for
 * who may see it.
 */
export async function getBalance(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BalanceView> {
  const { where, param } = subscriberKey(ctx.actor, input.msisdn);
  const sub = await readBalance(core, where.startsWith('s.id') ? { subscriberId: param as number } : { msisdn: param as string });
  if (!sub || !canSee(ctx.actor, { id: sub.subscriberId, customerId: sub.customerId, departmentId: sub.departmentId })) {
    throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: input.msisdn });
  }
  const quotas: QuotaLine[] = sub.quotas.map((q) => ({
    unit: q.unit,
    source: q.source,
    included: q.included,
    used: q.used,
    remaining: q.included - q.used,
    periodStart: q.periodStart,
    periodEnd: q.periodEnd,
  }));
  const remaining: BalanceView['remaining'] = {
    seconds: { included: 0, used: 0, remaining: 0 },
    sms: { included: 0, used: 0, remaining: 0 },
    bytes: { included: 0, used: 0, remaining: 0 },
  };
  // What is left at home: a roaming package's quotas are listed, not counted.
  for (const [i, qline] of quotas.entries()) {
    if (sub.quotas[i]!.roamingZone) continue;
    const r = remaining[qline.unit];
    r.included += qline.included;
    r.used += qline.used;
    r.remaining += qline.remaining;
  }
  return {
    msisdn: sub.msisdn,
    balance: sub.balance,
    creditLimit: sub.creditLimit,
    creditSource: sub.creditSource,
    available: sub.available,
    currency: sub.currency,
    status: sub.status,
    asOf: sub.asOf,
    remaining,
    quotas,
    roamingCountry: sub.roamingCountry,
  };
}
