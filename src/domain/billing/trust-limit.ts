import { recordAudit } from '../audit/record-audit.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import { averageMonthlySpend } from './average-spend.ts';
import { applyBalanceRules } from './balance-rules.ts';
import type { Queryable } from '../../store/db.ts';

const DAY = 86_400_000;

export interface TrustLimitView {
  current: number;
  /** The most the subscriber may set now (0 when not yet eligible). */
  eligibleMax: number;
  tenureDays: number;
  minTenureDays: number;
  averageMonthlySpend: number;
  /** `company_pool`: a business number's credit comes from its contract's shared pool, set by the company. */
  creditSource: 'own' | 'company_pool';
}

/** "Full trust": a limit computed from tenure and spending; charges may go below zero down to it. */
async function view(q: Queryable, sub: SubscriberRow, now: Date): Promise<TrustLimitView> {
  const s = (await getSettings(q)).trust;
  const tenureDays = Math.floor((now.getTime() - sub.activatedAt.getTime()) / DAY);
  const avg = await averageMonthlySpend(q, sub.accountId, now);
  const raw = tenureDays >= s.minTenureDays ? Math.min(s.max, avg * s.shareOfMonthlySpend) : 0;
  // Whole tens of rubles, rounded down.
  const eligibleMax = Math.floor(raw / 1000) * 1000;
  if (sub.poolContractId !== null) {
    return { current: sub.creditLimit, eligibleMax: 0, tenureDays, minTenureDays: s.minTenureDays, averageMonthlySpend: avg, creditSource: 'company_pool' };
  }
  return { current: sub.creditLimit, eligibleMax: Math.max(eligibleMax, sub.customerKind === 'business' ? sub.creditLimit : 0), tenureDays, minTenureDays: s.minTenureDays, averageMonthlySpend: avg, creditSource: 'own' };
}

export async function getTrustLimit(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<TrustLimitView> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  return view(core.db, sub, core.clock.now());
}

/** Sets the trust limit anywhere from 0 (off) to what the subscriber is eligible for. */
export async function setTrustLimit(core: Core, ctx: Ctx, input: { msisdn: string; limit: number }): Promise<TrustLimitView> {
  return runUseCase(core, ctx, 'trust.set', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    // A contract's number draws on the company's pool: only the company's admin changes it.
    if (sub.poolContractId !== null) throw new DomainError('TRUST_LIMIT_UNAVAILABLE', { reason: 'company_pool' });
    const now = core.clock.now();
    const v = await view(tx, sub, now);
    if (input.limit > 0) {
      const promised = await tx.query("SELECT 1 FROM promised_payment WHERE account_id = $1 AND status = 'active'", [sub.accountId]);
      if (promised.length) throw new DomainError('TRUST_LIMIT_UNAVAILABLE', { reason: 'promised_payment' });
      if (v.eligibleMax === 0) throw new DomainError('TRUST_LIMIT_UNAVAILABLE', { reason: 'not_eligible' });
    }
    if (!Number.isSafeInteger(input.limit) || input.limit < 0 || input.limit > v.eligibleMax) {
      throw new DomainError('AMOUNT_NOT_ALLOWED', { min: 0, max: v.eligibleMax });
    }
    // Lowering the limit below what is already spent is allowed: the number is then blocked until a top-up.
    await tx.query('UPDATE account SET credit_limit = $2, updated_at = $3 WHERE id = $1', [sub.accountId, input.limit, now]);
    await applyBalanceRules(tx, core, ctx, [sub.accountId]);
    await recordAudit(tx, core, ctx, { action: 'trust.set', subscriberId: sub.id, customerId: sub.customerId, details: { from: sub.creditLimit, to: input.limit } });
    return { ...v, current: input.limit };
  });
}
