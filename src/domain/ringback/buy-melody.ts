import { recordAudit } from '../audit/record-audit.ts';
import { charge } from '../billing/charge.ts';
import type { Core } from '../core.ts';
import { requireFunds } from '../ledger/funds.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { billingDayIn, localDayOfMonth, startOfNextLocalDay } from '../shared/local-time.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { getMelody, RINGBACK_PRODUCT } from './melodies.ts';
import { queueRingbackPush, readRingback } from './settings.ts';

export interface BuyMelodyResult {
  msisdn: string;
  melody: string;
  charged: number;
  balance: number;
  nextChargeAt: string;
}

/** The next charge of a melody's fee after `at`: the next local midnight, or the same day next month. */
export function melodyNextCharge(model: 'daily' | 'monthly', at: Date, timeZone: string, anchorDay: number): Date {
  return model === 'daily' ? startOfNextLocalDay(at, timeZone) : billingDayIn(at, timeZone, anchorDay, 1);
}

/**
 * Buys a melody into the number's library: charges its first period now (a day or a month, key
 * `ringback:<tone>:<time>`); the fee run charges the next ones until it is removed. Needs the
 * service "Гудок" on. A melody suspended for want of money is bought again the same way.
 */
export async function buyMelody(core: Core, ctx: Ctx, input: { msisdn: string; melody: string }): Promise<BuyMelodyResult> {
  return runUseCase(core, ctx, 'ringback.buy', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'ringback.buy', { sub: sub.id, m: input.melody }, async () => {
      if (sub.status !== 'active') throw new DomainError('SUBSCRIBER_BLOCKED', { status: sub.status });
      const state = await readRingback(tx, sub);
      if (state.service !== 'active') throw new DomainError('PRODUCT_NOT_CONNECTED', { product: RINGBACK_PRODUCT });
      const entry = await getMelody(tx, input.melody);
      if (!entry || entry.status !== 'active') throw new DomainError('MELODY_NOT_FOUND', { melody: input.melody });
      const melody = entry.spec;
      const owned = state.library.find((t) => t.melody.code === melody.code);
      if (owned?.status === 'active') throw new DomainError('MELODY_ALREADY_BOUGHT', { melody: melody.title[ctx.lang] });
      requireFunds(sub, melody.price.amount);
      const now = core.clock.now();
      const anchorDay = localDayOfMonth(now, sub.timeZone);
      const next = melodyNextCharge(melody.price.model, now, sub.timeZone, anchorDay);
      const [row] = owned
        ? await tx.query<{ id: number }>(
            `UPDATE ringback_tone SET status = 'active', next_charge_at = $4, anchor_day = $5
              WHERE account_id = $1 AND subscriber_id = $2 AND melody_code = $3 AND status = 'suspended' RETURNING id`,
            [sub.accountId, sub.id, melody.code, next, anchorDay],
          )
        : await tx.query<{ id: number }>(
            `INSERT INTO ringback_tone (account_id, subscriber_id, melody_code, status, bought_at, next_charge_at, anchor_day)
             VALUES ($1, $2, $3, 'active', $4, $5, $6) RETURNING id`,
            [sub.accountId, sub.id, melody.code, now, next, anchorDay],
          );
      const toneId = Number(mustExist(row, 'ringback tone').id);
      await charge(tx, {
        accountId: sub.accountId,
        subscriberId: sub.id,
        amount: melody.price.amount,
        kind: 'fee',
        category: 'subscription',
        productCode: RINGBACK_PRODUCT,
        idempotencyKey: `ringback:${toneId}:${now.toISOString()}`,
        description: `melody ${melody.code} ${melody.price.model} fee`,
        at: now,
      });
      await recordAudit(tx, core, ctx, { action: 'ringback.buy', subscriberId: sub.id, customerId: sub.customerId, details: { melody: melody.code, charged: melody.price.amount } });
      await queueRingbackPush(tx, sub, now);
      return { msisdn: sub.msisdn, melody: melody.code, charged: melody.price.amount, balance: sub.balance - melody.price.amount, nextChargeAt: next.toISOString() };
    });
  });
}
