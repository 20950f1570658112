import { recordAudit } from '../audit/record-audit.ts';
import { getTariff as readTariff } from '../catalog/read-catalog.ts';
import type { Queryable } from '../../store/db.ts';
import type { Tariff } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import { requireFunds } from '../ledger/funds.ts';
import { familyPayer } from '../family/family-rules.ts';
import { charge } from '../billing/charge.ts';
import { stopInstance } from '../services/disable-product.ts';
import { liveInstances } from '../services/instances.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { localDayOfMonth } from '../shared/local-time.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber, type SubscriberRow } from './access.ts';
import { endAllowance, grantAllowance, tariffPeriod } from './quotas.ts';

const DAY = 86_400_000;

export interface TariffChangeQuote {
  from: string;
  to: string;
  switchFee: number;
  firstPeriodFee: number;
  total: number;
  /** Connected products the new plan does not allow; they are disabled by the change. */
  productsDisabled: string[];
}

/** The switch fee is waived when the last change was at least `freeSwitchAfterDays` ago. */
export function switchFee(target: Tariff, sub: SubscriberRow, now: Date): number {
  if (target.freeSwitchAfterDays !== undefined && now.getTime() - sub.tariffSince.getTime() >= target.freeSwitchAfterDays * DAY) return 0;
  return target.switchFee;
}

async function quote(core: Core, q: Queryable, sub: SubscriberRow, tariffCode: string): Promise<{ quote: TariffChangeQuote; target: Tariff }> {
  const entry = await readTariff(q, tariffCode);
  if (!entry) throw new DomainError('TARIFF_NOT_FOUND', { tariff: tariffCode });
  const target = entry.spec;
  if (entry.status !== 'active' || !target.connectable || (target.segment !== 'any' && target.segment !== sub.customerKind)) {
    throw new DomainError('PRODUCT_NOT_AVAILABLE', { tariff: tariffCode });
  }
  if (sub.tariffCode === tariffCode) throw new DomainError('ALREADY_ON_TARIFF', { tariff: tariffCode });
  const now = core.clock.now();
  const fee = switchFee(target, sub, now);
  const live = await liveInstances(q, sub.accountId, sub.id);
  const productsDisabled = live.filter((i) => i.spec.tariffs.length > 0 && !i.spec.tariffs.includes(target.code)).map((i) => i.productCode);
  return {
    target,
    quote: { from: sub.tariffCode, to: target.code, switchFee: fee, firstPeriodFee: target.fee.amount, total: fee + target.fee.amount, productsDisabled },
  };
}

/** What a change would cost, shown before the subscriber confirms. */
export async function quoteTariffChange(core: Core, ctx: Ctx, input: { msisdn: string; tariffCode: string }): Promise<TariffChangeQuote> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  return (await quote(core, core.db, sub, input.tariffCode)).quote;
}

/**
 * Moves the number to another plan: charges the switch fee and the new plan's first period, ends
 * the old plan's quotas and grants the new ones from now, and disables products the plan forbids.
 * The new plan's billing day is the day of the change.
 */
export async function changeTariff(core: Core, ctx: Ctx, input: { msisdn: string; tariffCode: string }): Promise<TariffChangeQuote & { msisdn: string; balance: number }> {
  return runUseCase(core, ctx, 'tariff.change', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true, payer: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'tariff.change', { sub: sub.id, t: input.tariffCode }, async () => {
      if (sub.status !== 'active') throw new DomainError('SUBSCRIBER_BLOCKED', { status: sub.status });
      const { quote: q, target } = await quote(core, tx, sub, input.tariffCode);
      // A family member whose head pays: the head's account pays the switch.
      const payer = q.total > 0 ? await familyPayer(tx, sub.id, sub) : { ...sub, headMsisdn: null };
      requireFunds(payer, q.total);
      const now = core.clock.now();
      const billingDay = localDayOfMonth(now, sub.timeZone);
      const period = tariffPeriod(target, { timeZone: sub.timeZone, billingDay }, now);
      const base = { accountId: payer.accountId, subscriberId: sub.id, at: now, kind: 'fee' as const };
      if (q.switchFee > 0) {
        await charge(tx, { ...base, amount: q.switchFee, category: 'one_off', idempotencyKey: `switch:${sub.id}:${now.toISOString()}`, description: `tariff change to ${target.code}` });
      }
      if (q.firstPeriodFee > 0) {
        await charge(tx, {
          ...base,
          amount: q.firstPeriodFee,
          category: 'subscription',
          idempotencyKey: `tariff:${sub.id}:${period.start.toISOString()}`,
          description: `${target.fee.model} fee ${target.code}`,
        });
      }
      const live = await liveInstances(tx, sub.accountId, sub.id);
      for (const inst of live.filter((i) => q.productsDisabled.includes(i.productCode))) {
        await stopInstance(tx, core, ctx, sub, inst, 'tariff_change');
      }
      await endAllowance(tx, sub.accountId, sub.id, `tariff:${sub.tariffCode}`, now);
      await grantAllowance(tx, { accountId: sub.accountId, subscriberId: sub.id, source: `tariff:${target.code}`, allowance: target.included, period: { start: now, end: period.end } });
      await tx.query(
        `UPDATE subscriber SET tariff_code = $2, tariff_since = $3, billing_day = $4, tariff_next_charge_at = $5 WHERE id = $1`,
        [sub.id, target.code, now, billingDay, period.end],
      );
      await recordAudit(tx, core, ctx, {
        action: 'tariff.change',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { from: q.from, to: q.to, charged: q.total, productsDisabled: q.productsDisabled },
      });
      return { ...q, msisdn: sub.msisdn, balance: payer.headMsisdn ? sub.balance : sub.balance - q.total };
    });
  });
}
