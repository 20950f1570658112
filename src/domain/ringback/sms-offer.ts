import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { dropOtherSmsOffers } from '../shared/sms-offers.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { thenCtx } from '../shared/then-ctx.ts';
import { buyMelody, type BuyMelodyResult } from './buy-melody.ts';
import { setTone } from './set-tone.ts';

/**
 * A paid melody asked for by SMS, where there is no confirm button: kept for `windowMs`, and bought
 * (then set for every caller) only if the subscriber's reply word comes in time. A reply confirms
 * the last thing offered: a connection or a transfer waiting for it is dropped.
 */
export async function offerMelodyBySms(core: Core, ctx: Ctx, input: { msisdn: string; melody: string; windowMs: number }): Promise<void> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const expiresAt = new Date(core.clock.now().getTime() + input.windowMs);
  await core.db.tx(async (tx) => {
    await dropOtherSmsOffers(tx, sub.msisdn, 'sms_ringback_confirmation');
    await tx.query(
      `INSERT INTO sms_ringback_confirmation (msisdn, melody_code, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (msisdn) DO UPDATE SET melody_code = EXCLUDED.melody_code, expires_at = EXCLUDED.expires_at`,
      [sub.msisdn, input.melody, expiresAt],
    );
  });
}

/** The subscriber said yes: buys the melody offered and sets it for every caller. Null when nothing waits. */
export async function confirmOfferedMelody(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BuyMelodyResult | null> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const rows = await core.db.query<{ melody_code: string }>('DELETE FROM sms_ringback_confirmation WHERE msisdn = $1 AND expires_at > $2 RETURNING melody_code', [sub.msisdn, core.clock.now()]);
  const melody = rows[0]?.melody_code;
  if (!melody) return null;
  const bought = await buyMelody(core, ctx, { msisdn: input.msisdn, melody });
  await setTone(core, thenCtx(ctx, 'set'), { msisdn: input.msisdn, melody });
  return bought;
}
