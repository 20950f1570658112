import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { dropOtherSmsOffers } from '../shared/sms-offers.ts';
import { requireMsisdn } from '../shared/msisdn.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { locateFriend, type FriendLocation } from './locate.ts';

/**
 * A paid location request asked for by SMS (ГДЕ <number>), where there is no confirm button: kept
 * for `windowMs`, and made only if the subscriber's reply word comes in time. It replaces any other
 * offer waiting for the same reply, so a reply confirms the last thing offered.
 */
export async function offerLocateBySms(core: Core, ctx: Ctx, input: { msisdn: string; target: string; windowMs: number }): Promise<void> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const expiresAt = new Date(core.clock.now().getTime() + input.windowMs);
  await core.db.tx(async (tx) => {
    await dropOtherSmsOffers(tx, sub.msisdn, 'sms_locator_confirmation');
    await tx.query(
      `INSERT INTO sms_locator_confirmation (msisdn, target, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (msisdn) DO UPDATE SET target = EXCLUDED.target, expires_at = EXCLUDED.expires_at`,
      [sub.msisdn, requireMsisdn(input.target), expiresAt],
    );
  });
}

/** The subscriber said yes: locates the number offered, if the offer is still open. Null when none is. */
export async function confirmOfferedLocate(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<FriendLocation | null> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const rows = await core.db.query<{ target: string }>('DELETE FROM sms_locator_confirmation WHERE msisdn = $1 AND expires_at > $2 RETURNING target', [sub.msisdn, core.clock.now()]);
  const target = rows[0]?.target;
  if (!target) return null;
  return locateFriend(core, ctx, { msisdn: input.msisdn, target });
}
