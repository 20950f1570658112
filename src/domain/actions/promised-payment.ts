import { z } from 'zod';
import type { PriceFacts } from '../../text/price-facts.ts';
import { getPromisedPaymentOffer, PROMISED_MIN_AMOUNT, promisedFee, takePromisedPayment, type PromisedOffer } from '../billing/promised-payment.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { CatalogSettings } from '../catalog/schema.ts';
import { kopecks } from '../shared/strict-input.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action, Refusal } from './types.ts';

export { PROMISED_MIN_AMOUNT };

const input = z.object({ amount: kopecks });

/** A promised payment of `amount` costs its commission, charged at once; nothing per period. */
export function promisedFacts(settings: CatalogSettings['promisedPayment'], amount: number): PriceFacts {
  const fee = promisedFee(settings, amount);
  return { price: 0, period: 'once', connectionFee: 0, commission: fee, chargedToday: fee };
}

export interface PromisedDetails extends Omit<PromisedOffer, 'options'> {
  /** The bounds of an amount: whole roubles from `min` to `max` (kopecks). */
  bounds: { min: number; max: number; step: number };
  /** Suggested amounts, each with its commission and price facts. */
  options: { amount: number; fee: number; facts: PriceFacts }[];
  /** The amount asked about, when one was. */
  amount: number | null;
}

/**
 * Take a promised payment. The one place that decides whether it is offered: not while one is
 * active (PROMISED_PAYMENT_ACTIVE), not with a trust limit on (PROMISED_PAYMENT_UNAVAILABLE
 * {reason: trust_limit}), not when the average spend allows nothing (PROMISED_PAYMENT_UNAVAILABLE).
 * Given `{ amount }`, the offer states its commission as facts and refuses an amount that is not
 * whole roubles from PROMISED_MIN_AMOUNT to the number's maximum (AMOUNT_NOT_ALLOWED {min, max}).
 * Without an amount, `facts` are those of the smallest suggested option (null when none).
 */
export const promisedPaymentAction: Action<{ amount?: number }, z.infer<typeof input>, Awaited<ReturnType<typeof takePromisedPayment>>, PromisedDetails> = {
  id: 'promised.take',
  summary: 'Take a promised payment',
  input,
  async offer(core, ctx, t) {
    const o = await getPromisedPaymentOffer(core, ctx, { msisdn: t.msisdn });
    const settings = (await getSettings(core.db)).promisedPayment;
    const options = o.options.map((x) => ({ ...x, facts: promisedFacts(settings, x.amount) }));
    const amount = t.amount ?? null;
    let refusal: Refusal | null = null;
    if (o.reason === 'active') refusal = { code: 'PROMISED_PAYMENT_ACTIVE', params: {} };
    else if (o.reason === 'trust_limit') refusal = { code: 'PROMISED_PAYMENT_UNAVAILABLE', params: { reason: 'trust_limit' } };
    else if (!o.available || options.length === 0) refusal = { code: 'PROMISED_PAYMENT_UNAVAILABLE', params: {} };
    else if (amount !== null && (!Number.isSafeInteger(amount) || amount < PROMISED_MIN_AMOUNT || amount % PROMISED_MIN_AMOUNT !== 0 || amount > o.maxAmount)) {
      refusal = { code: 'AMOUNT_NOT_ALLOWED', params: { min: PROMISED_MIN_AMOUNT, max: o.maxAmount } };
    }
    const facts = amount !== null && Number.isSafeInteger(amount) && amount > 0 ? promisedFacts(settings, amount) : (options[0]?.facts ?? null);
    return {
      action: 'promised.take',
      refusal,
      shown: true,
      facts,
      details: { ...o, options, amount, bounds: { min: PROMISED_MIN_AMOUNT, max: o.maxAmount, step: PROMISED_MIN_AMOUNT } },
    };
  },
  confirmation: (offer, channel) => confirmationFor('paid', channel),
  run: (core, ctx, i) => takePromisedPayment(core, ctx, { msisdn: i.msisdn, amount: i.amount }),
};
