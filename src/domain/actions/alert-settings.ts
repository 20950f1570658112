import { z } from 'zod';
import { MAX_LOW_BALANCE, readAlertSettings, updateAlertSettings, type AlertSettings } from '../alerts/alert-settings.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action } from './types.ts';

const input = z
  .object({
    lowBalance: z.number().int().nullable().optional().describe(`Kopecks, 0..${MAX_LOW_BALANCE}; null: no low-balance alert`),
    package80: z.boolean().optional(),
    package100: z.boolean().optional(),
    dailyDigest: z.boolean().optional(),
    viaSms: z.boolean().optional(),
    viaApp: z.boolean().optional(),
    allowNight: z.boolean().optional(),
  })
  .strict();

/** Choose the number's spending alerts. Free, always offered; `details` are the settings now. */
export const alertSettingsAction: Action<object, z.infer<typeof input>, Awaited<ReturnType<typeof updateAlertSettings>>, { msisdn: string } & AlertSettings> = {
  id: 'alerts.settings',
  summary: 'Choose spending alerts: low balance, 80% and 100% of packages, daily digest, channel, night',
  input,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const low = (t as { lowBalance?: number | null }).lowBalance;
    // The threshold's bounds are judged here, so every channel says the same AMOUNT_NOT_ALLOWED.
    const refusal = typeof low === 'number' && (low < 0 || low > MAX_LOW_BALANCE) ? { code: 'AMOUNT_NOT_ALLOWED' as const, params: { min: 0, max: MAX_LOW_BALANCE } } : null;
    return { action: 'alerts.settings', refusal, shown: true, facts: null, details: { msisdn: sub.msisdn, ...(await readAlertSettings(core.db, sub.id)) } };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => updateAlertSettings(core, ctx, i),
};
