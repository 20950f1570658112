import { z } from 'zod';
import { MAX_CAP, readCapSettings, type CapSettings } from '../caps/caps.ts';
import { setCaps } from '../caps/set-caps.ts';
import { loadSubscriber } from '../subscribers/access.ts';
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
