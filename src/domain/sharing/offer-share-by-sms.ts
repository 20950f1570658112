import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { dropOtherSmsOffers } from '../shared/sms-offers.ts';
import { requireMsisdn } from '../shared/msisdn.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { shareAllowance, type ShareResult } from './share-allowance.ts';
import type { ShareKind } from './share-rules.ts';

/**
 * A paid transfer asked for by SMS, where no confirm button is seen: kept for `windowMs`, and only
 * the giver's "YES" within that time makes it. It replaces any offer waiting for the same reply (a
 * paid connection too), so a reply confirms the last thing offered.
 */
export async function offerShareBySms(core: Core, ctx: Ctx, input: { msisdn: string; kind: ShareKind; amount: number; to: string; windowMs: number }): Promise<{ expiresAt: string }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const expiresAt = new Date(core.clock.now().getTime() + input.windowMs);
  await core.db.tx(async (tx) => {
    await dropOtherSmsOffers(tx, sub.msisdn, 'sms_share_confirmation');
    await tx.query(
      `INSERT INTO sms_share_confirmation (msisdn, kind, amount, recipient, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (msisdn) DO UPDATE SET kind = EXCLUDED.kind, amount = EXCLUDED.amount, recipient = EXCLUDED.recipient, expires_at = EXCLUDED.expires_at`,
      [sub.msisdn, input.kind, input.amount, requireMsisdn(input.to), expiresAt],
    );
  });
  return { expiresAt: expiresAt.toISOString() };
}

/** The giver said yes: makes the transfer offered, if its offer is still open. Null when none is. */
export async function confirmOfferedShare(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<ShareResult | null> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const rows = await core.db.query<{ kind: ShareKind; amount: number; recipient: string }>(
    'DELETE FROM sms_share_confirmation WHERE msisdn = $1 AND expires_at > $2 RETURNING kind, amount, recipient',
    [sub.msisdn, core.clock.now()],
  );
  const r = rows[0];
  if (!r) return null;
  return shareAllowance(core, ctx, { msisdn: input.msisdn, kind: r.kind, amount: Number(r.amount), to: r.recipient });
}
