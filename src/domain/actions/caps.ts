import { z } from 'zod';
import type { PriceFacts } from '../../text/price-facts.ts';
import { dataLiftedUntil, MAX_CAP, readCapSettings, type CapSettings } from '../caps/caps.ts';
import { liftDataCap, liftPeriod, type DataLiftResult } from '../caps/lift-data-cap.ts';
import { setCaps } from '../caps/set-caps.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import { available } from '../ledger/funds.ts';
import { loadSubscriber, readOnlyRefusal } from '../subscribers/access.ts';
import { familyPayer } from '../family/family-rules.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action, Refusal } from './types.ts';

const input = z
  .object({
    monthly: z.number().int().nullable().optional().describe(`Kopecks a calendar month, 100..${MAX_CAP}; null: no monthly cap`),
    roaming: z.number().int().optional().describe(`Kopecks of roaming a calendar month, 0..${MAX_CAP} (5,000 ₽ unless changed)`),
    dataHard: z.boolean().optional().describe('Data stops at the end of the packages instead of being charged per MB'),
  })
  .strict();

function judge(t: { monthly?: number | null; roaming?: number }): Refusal | null {
  const bad = (v: number | null | undefined, min: number) => typeof v === 'number' && (v < min || v > MAX_CAP);
  if (bad(t.monthly, 100)) return { code: 'AMOUNT_NOT_ALLOWED', params: { min: 100, max: MAX_CAP } };
  if (bad(t.roaming, 0)) return { code: 'AMOUNT_NOT_ALLOWED', params: { min: 0, max: MAX_CAP } };
  return null;
}

/** Set the number's spending caps: monthly, roaming, data hard cap. Free, always offered; `details` are the caps now. */
export const capsAction: Action<object, z.infer<typeof input>, Awaited<ReturnType<typeof setCaps>>, { msisdn: string } & CapSettings> = {
  id: 'caps.settings',
  summary: 'Set spending caps: a monthly cap, the roaming cap, the data hard cap',
  input,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    return { action: 'caps.settings', refusal: judge(t as { monthly?: number | null; roaming?: number }), shown: true, facts: null, details: { msisdn: sub.msisdn, ...(await readCapSettings(core.db, sub.id)) } };
  },
  confirmation: (_offer, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => setCaps(core, ctx, i),
};

export interface DataLiftDetails {
  /** Whether the data hard cap is on (there is something to lift). */
  dataHard: boolean;
  /** The catalog's price of a lift, kopecks; null when it offers none. */
  fee: number | null;
  /** Until when the cap is lifted now; null when it is not. */
  liftedUntil: string | null;
  /** Until when a lift bought now would last: the end of the calendar month in the region's time. */
  periodEnd: string;
}

/**
 * "Continue for N ₽": lift the data hard cap until the month ends, for the catalog's fee, charged
 * once a month. Shown while the cap is on and not lifted; refused DATA_CAP_LIFT_NOT_ALLOWED
 * {reason: off} without a data hard cap, {reason: unavailable} when the catalog offers none, and
 * INSUFFICIENT_FUNDS when the money does not cover it. Asked again once lifted, it answers the lift
 * already bought and charges nothing.
 */
export const dataLiftAction: Action<object, Record<string, never>, DataLiftResult, DataLiftDetails> = {
  id: 'caps.lift_data',
  summary: 'Lift the data hard cap until the month ends, for a fee',
  input: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const now = core.clock.now();
    const [caps, lifted, settings] = await Promise.all([readCapSettings(core.db, sub.id), dataLiftedUntil(core.db, sub.id, now), getSettings(core.db)]);
    const fee = settings.dataCapLift?.fee ?? null;
    const readOnly = readOnlyRefusal(ctx.actor);
    let refusal: Refusal | null = readOnly ? { code: readOnly.code, params: readOnly.params } : null;
    if (!refusal && fee === null) refusal = { code: 'DATA_CAP_LIFT_NOT_ALLOWED', params: { reason: 'unavailable' } };
    else if (!refusal && !caps.dataHard && !lifted) refusal = { code: 'DATA_CAP_LIFT_NOT_ALLOWED', params: { reason: 'off' } };
    else if (!refusal && !lifted && fee !== null && fee > 0) {
      // A family member whose head pays: the head's money is what counts.
      const payer = await familyPayer(core.db, sub.id, sub, false);
      if (fee > available(payer)) refusal = { code: 'INSUFFICIENT_FUNDS', params: { required: fee, available: available(payer) } };
    }
    const facts: PriceFacts | null = fee === null ? null : { price: fee, period: 'once', connectionFee: 0, commission: 0, chargedToday: lifted ? 0 : fee };
    return {
      action: 'caps.lift_data',
      refusal,
      shown: fee !== null && caps.dataHard && !lifted,
      facts,
      details: { dataHard: caps.dataHard, fee, liftedUntil: lifted?.toISOString() ?? null, periodEnd: liftPeriod(now, sub.timeZone).end.toISOString() },
    };
  },
  confirmation: (_offer, channel) => confirmationFor('paid', channel),
  run: (core, ctx, i) => liftDataCap(core, ctx, { msisdn: i.msisdn }),
};
