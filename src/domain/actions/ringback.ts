import { z } from 'zod';
import type { Melody } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { buyMelody, type BuyMelodyResult } from '../ringback/buy-melody.ts';
import { getMelody, melodyFacts, RINGBACK_PRODUCT } from '../ringback/melodies.ts';
import { removeTone, type RemoveToneResult } from '../ringback/remove-tone.ts';
import { readRingback, type RingbackSettings } from '../ringback/settings.ts';
import { setTone, type SetToneResult } from '../ringback/set-tone.ts';
import { loadSubscriber, readOnlyRefusal } from '../subscribers/access.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action, Refusal } from './types.ts';

const melodyCode = z.string().min(1).max(40).describe('A melody code from GET …/ringback');
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day like 07:30');

const buyInput = z.object({ melody: melodyCode }).strict();

const setInput = z
  .object({
    melody: melodyCode,
    callers: z.array(z.string().min(1).max(32)).min(1).max(20).optional().describe('Who hears it; absent: every caller'),
    group: z.string().trim().min(1).max(40).optional().describe('A name for these callers (a group)'),
    from: timeOfDay.optional().describe('From this local time of day (with `to`); absent: all day'),
    to: timeOfDay.optional(),
  })
  .strict();

const removeInput = z.union([
  z.object({ rule: z.number().int().positive() }).strict(),
  z.object({ melody: melodyCode }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);

export interface RingbackDetails {
  /** The melody the offer is about, when one was given and exists. */
  melody: Melody | null;
  settings: RingbackSettings;
}

type Target = { melody?: string };

async function judge(core: Core, ctx: Ctx, t: { msisdn: string } & Target, need: 'buy' | 'set' | 'remove') {
  const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
  const settings = await readRingback(core.db, sub);
  const entry = t.melody ? await getMelody(core.db, t.melody) : undefined;
  const melody = entry?.status === 'active' ? entry.spec : null;
  const readOnly = readOnlyRefusal(ctx.actor);
  let refusal: Refusal | null = null;
  if (readOnly) refusal = { code: readOnly.code, params: readOnly.params };
  else if (need !== 'remove' && sub.status !== 'active') refusal = { code: 'SUBSCRIBER_BLOCKED', params: { status: sub.status } };
  else if (need !== 'remove' && settings.service !== 'active') refusal = { code: 'PRODUCT_NOT_CONNECTED', params: { product: RINGBACK_PRODUCT } };
  else if (t.melody && need === 'buy') {
    const owned = settings.library.find((l) => l.melody.code === t.melody);
    if (!melody) refusal = { code: 'MELODY_NOT_FOUND', params: { melody: t.melody } };
    else if (owned?.status === 'active') refusal = { code: 'MELODY_ALREADY_BOUGHT', params: { melody: melody.title[ctx.lang] } };
  } else if (t.melody && need === 'set' && !settings.library.some((l) => l.melody.code === t.melody && l.status === 'active')) {
    refusal = { code: 'MELODY_NOT_BOUGHT', params: { melody: t.melody } };
  }
  return { refusal, details: { melody, settings } };
}

/**
 * Buy a melody into the library: its price per day or month, the first period charged now, the
 * rest by the fee run. Needs the service "Гудок" (the catalog product `ringback`) on.
 */
export const buyMelodyAction: Action<Target, z.infer<typeof buyInput>, BuyMelodyResult, RingbackDetails> = {
  id: 'ringback.buy',
  summary: 'Buy a ringback melody into the library',
  input: buyInput,
  async offer(core, ctx, t) {
    const { refusal, details } = await judge(core, ctx, t, 'buy');
    return { action: 'ringback.buy', refusal, shown: true, facts: details.melody ? melodyFacts(details.melody) : null, details };
  },
  confirmation: (_offer, channel) => confirmationFor('paid', channel),
  run: (core, ctx, i) => buyMelody(core, ctx, { msisdn: i.msisdn, melody: i.melody }),
};

/** Set the melody callers hear: for all, chosen numbers or a group, all day or at a time of day. Free. */
export const setToneAction: Action<Target, z.infer<typeof setInput>, SetToneResult, RingbackDetails> = {
  id: 'ringback.set',
  summary: 'Set the ringback melody for all callers, chosen callers or a group, by time of day',
  input: setInput,
  async offer(core, ctx, t) {
    const { refusal, details } = await judge(core, ctx, t, 'set');
    return { action: 'ringback.set', refusal, shown: true, facts: null, details };
  },
  confirmation: (_offer, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => setTone(core, ctx, { msisdn: i.msisdn, melody: i.melody, callers: i.callers, group: i.group, from: i.from, to: i.to }),
};

/** Remove a rule, a melody from the library (its fee stops), or every rule: callers hear ordinary ringing. Free. */
export const removeToneAction: Action<object, z.infer<typeof removeInput>, RemoveToneResult, RingbackDetails> = {
  id: 'ringback.remove',
  summary: 'Remove a ringback rule or melody, or stop the melodies for every caller',
  input: removeInput,
  async offer(core, ctx, t) {
    const { refusal, details } = await judge(core, ctx, { msisdn: t.msisdn }, 'remove');
    return { action: 'ringback.remove', refusal, shown: true, facts: null, details };
  },
  confirmation: (_offer, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => removeTone(core, ctx, i),
};
