import { z } from 'zod';
import { MAX_TOP_UP, MIN_TOP_UP, payWithSavedCard, startTopUp } from '../payments/top-up.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { kopecks } from '../shared/strict-input.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action, Refusal } from './types.ts';

export { MAX_TOP_UP, MIN_TOP_UP };

/**
 * A top-up: through the provider's page (`saveCard`, `returnUrl`), or from a saved card (`cardId`).
 * `amount` is any kopecks here; the offer judges it against the limits.
 */
export const topUpInput = z.object({
  amount: kopecks,
  cardId: z.number().int().positive().optional(),
  saveCard: z.boolean().default(false),
  returnUrl: z.string().max(500).regex(/^\/(?![/\\])/, 'a path on this site, like /payments').nullish(),
});

export interface TopUpDetails {
  bounds: { min: number; max: number };
  amount: number | null;
}

type TopUpResult = Awaited<ReturnType<typeof startTopUp>> | Awaited<ReturnType<typeof payWithSavedCard>>;

/**
 * Top up the balance. Refused: PAYMENTS_UNAVAILABLE (no provider), AMOUNT_NOT_ALLOWED {min, max}
 * for an amount outside MIN_TOP_UP…MAX_TOP_UP. Costs no commission: facts are null.
 * Confirmation: none on screens (the provider's page, or the button itself); a keypad channel
 * paying a saved card confirms explicitly.
 */
export const topUpAction: Action<{ amount?: number; cardId?: number }, z.infer<typeof topUpInput>, TopUpResult, TopUpDetails> = {
  id: 'topup',
  summary: 'Top up the balance',
  input: topUpInput,
  async offer(core, ctx, t) {
    await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const amount = t.amount ?? null;
    let refusal: Refusal | null = null;
    if (amount !== null && (!Number.isSafeInteger(amount) || amount < MIN_TOP_UP || amount > MAX_TOP_UP)) refusal = { code: 'AMOUNT_NOT_ALLOWED', params: { min: MIN_TOP_UP, max: MAX_TOP_UP } };
    else if (!core.payments.available) refusal = { code: 'PAYMENTS_UNAVAILABLE', params: {} };
    return { action: 'topup', refusal, shown: core.payments.available, facts: null, details: { bounds: { min: MIN_TOP_UP, max: MAX_TOP_UP }, amount } };
  },
  confirmation: (offer, channel) => (channel === 'ussd' || channel === 'voice' ? confirmationFor('paid', channel) : { kind: 'none' }),
  run: (core, ctx, i) =>
    i.cardId !== undefined
      ? payWithSavedCard(core, ctx, { msisdn: i.msisdn, amount: i.amount, cardId: i.cardId })
      : startTopUp(core, ctx, { msisdn: i.msisdn, amount: i.amount, saveCard: i.saveCard, returnUrl: i.returnUrl ?? null }),
};
