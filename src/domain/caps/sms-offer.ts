import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { dropOtherSmsOffers } from '../shared/sms-offers.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { liftDataCap, type DataLiftResult } from './lift-data-cap.ts';

/**
 * "Continue for N ₽" asked for by SMS, where there is no confirm button: kept for `windowMs`, and
 * the data hard cap is lifted (and the fee charged) only if the subscriber's reply word comes in time.
 */
export async function offerDataLiftBySms(core: Core, ctx: Ctx, input: { msisdn: string; windowMs: number }): Promise<void> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const expiresAt = new Date(core.clock.now().getTime() + input.windowMs);
  await core.db.tx(async (tx) => {
    await dropOtherSmsOffers(tx, sub.msisdn, 'sms_data_lift_confirmation');
    await tx.query(
      `INSERT INTO sms_data_lift_confirmation (msisdn, expires_at) VALUES ($1, $2)
       ON CONFLICT (msisdn) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      [sub.msisdn, expiresAt],
    );
  });
}

/** The subscriber said yes: lifts the data hard cap, if the offer is still open. Null when none is. */
export async function confirmOfferedDataLift(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<DataLiftResult | null> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const rows = await core.db.query('DELETE FROM sms_data_lift_confirmation WHERE msisdn = $1 AND expires_at > $2 RETURNING msisdn', [sub.msisdn, core.clock.now()]);
  if (rows.length === 0) return null;
  return liftDataCap(core, ctx, input);
}
