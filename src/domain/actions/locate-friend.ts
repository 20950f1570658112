import { z } from 'zod';
import { loadSubscriber, readOnlyRefusal } from '../subscribers/access.ts';
import { requireMsisdn } from '../shared/msisdn.ts';
import { consentState, locateFriend, type FriendLocation } from '../locator/locate.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action } from './types.ts';

const input = z.object({ target: z.string().min(1).max(32) });

/**
 * Where a friend's (or child's) phone is, with their consent. Offered to every number; refused
 * with LOCATOR_NO_CONSENT until the target has agreed. Free of charge for now (no catalog price).
 */
export const locateFriendAction: Action<{ target?: string }, z.infer<typeof input>, FriendLocation, { target: string | null; consent: string | null }> = {
  id: 'locator.locate',
  summary: "Locate a friend's phone (with their consent)",
  input,
  async offer(core, ctx, t) {
    if (!t.target) return { action: 'locator.locate', refusal: null, shown: true, facts: null, details: { target: null, consent: null } };
    const me = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    // A read-only business role (an accountant) may look but not act, before any other reason.
    const readOnly = readOnlyRefusal(ctx.actor);
    if (readOnly) return { action: 'locator.locate', refusal: { code: readOnly.code, params: readOnly.params }, shown: true, facts: null, details: { target: null, consent: null } };
    const msisdn = requireMsisdn(t.target);
    const { state } = await consentState(core, me, msisdn);
    return {
      action: 'locator.locate',
      refusal: state === 'granted' ? null : { code: 'LOCATOR_NO_CONSENT', params: { msisdn, state } },
      shown: true,
      facts: null,
      details: { target: msisdn, consent: state },
    };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => locateFriend(core, ctx, { msisdn: i.msisdn, target: i.target }),
};
