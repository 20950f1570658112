import { z } from 'zod';
import type { PriceFacts } from '../../text/price-facts.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import { shareAllowance, type ShareResult } from '../sharing/share-allowance.ts';
import { amountRefusal, findRecipient, giverRefusal, SHARE_KINDS, shareState, type ShareKind } from '../sharing/share-rules.ts';
import { isDomainError } from '../shared/errors.ts';
import { requireMsisdn } from '../shared/msisdn.ts';
import { loadSubscriber, readOnlyRefusal } from '../subscribers/access.ts';
import { confirmationFor } from './confirmation.ts';
import { refusalOf, type Action, type Refusal } from './types.ts';

export const shareInput = z.object({
  kind: z.enum(['data', 'minutes']).describe('`data`: whole gigabytes; `minutes`: whole minutes'),
  amount: z.number().int().min(1).max(100_000).describe('Whole GB (data) or minutes to give'),
  to: z.string().min(1).max(32).describe("The recipient's number, any common form"),
});

export interface ShareKindOffer {
  kind: ShareKind;
  /** Bounds of one transfer, in whole GB or minutes. */
  min: number;
  max: number;
  fee: number;
  /** Whole GB or minutes left in the number's own packages now. */
  available: number;
}

export interface ShareDetails {
  kinds: ShareKindOffer[];
  validDays: number;
  limits: { perDay: number; perMonth: number; today: number; thisMonth: number };
}

/** The fee of a transfer, charged once when it is made. */
export function shareFacts(fee: number): PriceFacts {
  return { price: fee, period: 'once', connectionFee: 0, commission: 0, chargedToday: fee };
}

/**
 * Give part of the package — whole GB of data or minutes — to another number of the operator.
 * Offered to numbers whose tariff the catalog's `sharing.tariffs` lists (SHARE_NOT_ALLOWED
 * {reason}); refused beyond the abuse limits (SHARE_LIMIT_REACHED {period, limit}), outside the
 * kind's bounds (SHARE_AMOUNT_NOT_ALLOWED {kind, min, max}), beyond what is left
 * (INSUFFICIENT_ALLOWANCE {kind, required, available}), to a number not of the operator or one's own.
 * Facts: the kind's fee, once (of the cheapest kind when no kind is given).
 */
export const shareAllowanceAction: Action<{ kind?: ShareKind; amount?: number; to?: string }, z.infer<typeof shareInput>, ShareResult, ShareDetails> = {
  id: 'share.give',
  summary: 'Share minutes or gigabytes with another number',
  input: shareInput,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const settings = (await getSettings(core.db)).sharing;
    const now = core.clock.now();
    const state = await shareState(core.db, sub, now);
    const kinds: ShareKindOffer[] = settings
      ? SHARE_KINDS.flatMap((k) => {
          const b = settings[k];
          return b ? [{ kind: k, min: b.min, max: b.max, fee: b.fee, available: state.available[k] }] : [];
        })
      : [];
    let refusal: Refusal | null = null;
    const giver = giverRefusal(settings, sub, state, now);
    const readOnly = readOnlyRefusal(ctx.actor);
    if (readOnly) refusal = refusalOf(readOnly);
    else if (giver) refusal = refusalOf(giver);
    else if (t.kind) {
      const amount = amountRefusal(settings!, state, t.kind, t.amount);
      if (amount) refusal = refusalOf(amount);
      else if (t.to !== undefined) {
        try {
          await findRecipient(core.db, sub, requireMsisdn(t.to));
        } catch (e) {
          if (!isDomainError(e)) throw e;
          refusal = refusalOf(e);
        }
      }
    }
    const chosen = kinds.find((k) => k.kind === t.kind) ?? [...kinds].sort((a, b) => a.fee - b.fee)[0];
    return {
      action: 'share.give',
      refusal,
      // Not listed where the catalog or the tariff never allows it.
      shown: !(giver && giver.code === 'SHARE_NOT_ALLOWED' && (giver.params.reason === 'off' || giver.params.reason === 'tariff')),
      facts: chosen ? shareFacts(chosen.fee) : null,
      details: {
        kinds,
        validDays: settings?.validDays ?? 0,
        limits: { perDay: settings?.perDay ?? 0, perMonth: settings?.perMonth ?? 0, today: state.today, thisMonth: state.thisMonth },
      },
    };
  },
  confirmation: (offer, channel) => confirmationFor(offer.facts && offer.facts.chargedToday > 0 ? 'paid' : 'change', channel),
  run: (core, ctx, i) => shareAllowance(core, ctx, { msisdn: i.msisdn, kind: i.kind, amount: i.amount, to: i.to }),
};
