import { recordAudit } from '../audit/record-audit.ts';
import { getProduct, requireTariff } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import { requireFunds } from '../ledger/funds.ts';
import { charge, feeCategory } from '../billing/charge.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { billingDayIn, localDayOfMonth, startOfNextLocalDay } from '../shared/local-time.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { grantAllowance, tariffPeriod } from '../subscribers/quotas.ts';
import { familyPayer } from '../family/family-rules.ts';
import { corporateRefusal } from '../business/policy.ts';
import { connectionCharges, eligibility } from './eligibility.ts';
import { liveInstances } from './instances.ts';
import { RINGBACK_PRODUCT } from '../ringback/melodies.ts';
import { queueRingbackPush } from '../ringback/settings.ts';
import { connectBudget, resumeMelodies } from '../ringback/pause.ts';

export interface ConnectResult {
  msisdn: string;
  productCode: string;
  instanceId: number;
  /** Kopecks charged in all: the fee and first period, and for "Гудок" the melodies it resumed. */
  charged: number;
  balance: number;
  nextChargeAt: string | null;
}

/**
 * Connects a catalog product: checks it is allowed (tariff, segment, compatibility, content ban),
 * charges the connection fee and the first period by its fee model (to the family head's account
 * when the head pays the member's fees), grants what it includes.
 */
export async function connectProduct(core: Core, ctx: Ctx, input: { msisdn: string; productCode: string }): Promise<ConnectResult> {
  return runUseCase(core, ctx, 'product.connect', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true, payer: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'product.connect', { sub: sub.id, p: input.productCode }, async () => {
      if (sub.status !== 'active') throw new DomainError('SUBSCRIBER_BLOCKED', { status: sub.status });
      const entry = await getProduct(tx, input.productCode);
      if (!entry) throw new DomainError('PRODUCT_NOT_FOUND', { product: input.productCode });
      const product = entry.spec;
      const tariff = await requireTariff(tx, sub.tariffCode);
      const live = await liveInstances(tx, sub.accountId, sub.id);
      const refusal = eligibility({
        product,
        productStatus: entry.status,
        tariff,
        customerKind: sub.customerKind,
        contentBan: sub.contentBan,
        connected: live.map((i) => i.productCode),
      });
      if (refusal) throw refusal;
      if (sub.customerKind === 'business') {
        const corporate = await corporateRefusal(tx, sub, product, core.clock.now());
        if (corporate) throw corporate;
      }

      const charges = connectionCharges(product);
      // A family member whose head pays: the head's account pays what connecting costs.
      const payer = charges.total > 0 ? await familyPayer(tx, sub.id, sub) : { ...sub, headMsisdn: null };
      requireFunds(payer, charges.total);
      // What the number's own account pays of it (nothing when the head pays).
      const ownCharge = payer.headMsisdn ? 0 : charges.total;
      let melodies = { resumed: 0, spent: 0 };
      const now = core.clock.now();
      const anchorDay = localDayOfMonth(now, sub.timeZone);
      const nextChargeAt =
        product.fee.model === 'monthly'
          ? billingDayIn(now, sub.timeZone, anchorDay, 1)
          : product.fee.model === 'daily'
            ? startOfNextLocalDay(now, sub.timeZone)
            : null;
      const [inst] = await tx.query<{ id: number }>(
        `INSERT INTO product_instance (account_id, subscriber_id, product_code, status, connected_at, next_charge_at, anchor_day)
         VALUES ($1, $2, $3, 'active', $4, $5, $6) RETURNING id`,
        [sub.accountId, sub.id, product.code, now, nextChargeAt, anchorDay],
      );
      const instanceId = mustExist(inst, 'product instance').id;
      const base = { accountId: payer.accountId, subscriberId: sub.id, productCode: product.code, at: now, kind: 'fee' as const };
      if (charges.connectionFee > 0) {
        await charge(tx, { ...base, amount: charges.connectionFee, category: 'one_off', idempotencyKey: `conn:${instanceId}`, description: 'connection fee' });
      }
      if (charges.firstPeriod > 0) {
        await charge(tx, {
          ...base,
          amount: charges.firstPeriod,
          category: feeCategory(product),
          idempotencyKey: `fee:${instanceId}:${now.toISOString()}`,
          description: product.fee.model === 'per_use' ? 'one-off price' : `${product.fee.model} fee`,
        });
      }
      if (product.includes) {
        // A roaming package lasts its days from now; anything else the period its fee pays for.
        const period = product.roaming
          ? { start: now, end: new Date(now.getTime() + product.roaming.validDays * 86_400_000) }
          : nextChargeAt !== null
            ? { start: now, end: nextChargeAt }
            : { start: now, end: tariffPeriod(tariff, sub, now).end };
        await grantAllowance(tx, { accountId: sub.accountId, subscriberId: sub.id, source: product.code, allowance: product.includes, period });
      }
      // The service "Гудок" on again: the melodies kept in the library resume while the money covers
      // them (each charged one period, as after a top-up), and the ringback platform hears of it all
      // in one push.
      if (product.code === RINGBACK_PRODUCT) {
        const owner = { id: sub.id, account_id: sub.accountId, customer_id: sub.customerId, msisdn: sub.msisdn, language: sub.language, time_zone: sub.timeZone };
        // Melodies stay the number's own, even when the head pays the service.
        melodies = await resumeMelodies(tx, core, ctx, owner, connectBudget(sub, ownCharge, tariff.blockThreshold), now);
        await queueRingbackPush(tx, sub, now);
      }
      await recordAudit(tx, core, ctx, {
        action: 'product.connect',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: {
          product: product.code,
          charged: charges.total,
          ...(payer.headMsisdn ? { paidBy: payer.headMsisdn } : {}),
          ...(melodies.resumed ? { melodiesResumed: melodies.resumed, melodiesCharged: melodies.spent } : {}),
        },
      });
      return {
        msisdn: sub.msisdn,
        productCode: product.code,
        instanceId,
        // What connecting charged in all: the service and the melodies it resumed, as its offer said.
        charged: charges.total + melodies.spent,
        balance: sub.balance - ownCharge - melodies.spent,
        nextChargeAt: nextChargeAt?.toISOString() ?? null,
      };
    });
  });
}
