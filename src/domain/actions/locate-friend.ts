import { z } from 'zod';
import type { Localized } from '../catalog/schema.ts';
import { available } from '../ledger/funds.ts';
import { loadSubscriber, readOnlyRefusal } from '../subscribers/access.ts';
import { requireMsisdn } from '../shared/msisdn.ts';
import { consentState, locateFriend, type FriendLocation } from '../locator/locate.ts';
import { locateFacts, locatePrice } from '../locator/price.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action, Refusal } from './types.ts';

const input = z.object({ target: z.string().min(1).max(32) });

export interface LocateDetails {
  target: string | null;
  consent: string | null;
  /** The catalog's price of one request, kopecks (0: locating is free). */
  requestPrice: number;
  /** The connected product that includes requests (for this target, when one is given). */
  includedIn: { code: string; name: Localized } | null;
}

/**
 * Where a friend's (or child's) phone is, with their consent. Offered to every number; refused
 * with LOCATOR_NO_CONSENT until the target has agreed, and INSUFFICIENT_FUNDS when the money does
 * not cover the request. Its facts are the catalog's price of one request (`settings.locator`),
 * none when a connected product includes it; without a target, the price before a number is typed.
 */
export const locateFriendAction: Action<{ target?: string }, z.infer<typeof input>, FriendLocation, LocateDetails> = {
  id: 'locator.locate',
  summary: "Locate a friend's phone (with their consent)",
  input,
  async offer(core, ctx, t) {
    const me = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const readOnly = readOnlyRefusal(ctx.actor);
    if (!t.target || readOnly) {
      const price = await locatePrice(core.db, me, null);
      const refusal: Refusal | null = readOnly ? { code: readOnly.code, params: readOnly.params } : null;
      return { action: 'locator.locate', refusal, shown: true, facts: locateFacts(price), details: { target: null, consent: null, requestPrice: price.requestPrice, includedIn: price.includedIn } };
    }
    const msisdn = requireMsisdn(t.target);
    const { target, state } = await consentState(core, me, msisdn);
    const price = await locatePrice(core.db, me, target?.id ?? null);
    let refusal: Refusal | null = null;
    if (state !== 'granted') refusal = { code: 'LOCATOR_NO_CONSENT', params: { msisdn, state } };
    else if (price.charge > available(me)) refusal = { code: 'INSUFFICIENT_FUNDS', params: { required: price.charge, available: available(me) } };
    return {
      action: 'locator.locate',
      refusal,
      shown: true,
      facts: locateFacts(price),
      details: { target: msisdn, consent: state, requestPrice: price.requestPrice, includedIn: price.includedIn },
    };
  },
  confirmation: (offer, channel) => confirmationFor(offer.facts && offer.facts.chargedToday > 0 ? 'paid' : 'read', channel),
  run: (core, ctx, i) => locateFriend(core, ctx, { msisdn: i.msisdn, target: i.target }),
};
