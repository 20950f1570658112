import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { dropOtherSmsOffers } from '../shared/sms-offers.ts';
import { DomainError } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { getProduct } from '../catalog/read-catalog.ts';
import { connectProduct, type ConnectResult } from './connect-product.ts';
import { connectionCharges } from './eligibility.ts';

/**
 * A paid connection asked for where the subscriber cannot see a confirm button (an SMS keyword):
 * the offer is kept for a while, and only the subscriber's "YES" within that time connects it.
 */
export async function offerConnection(core: Core, ctx: Ctx, input: { msisdn: string; productCode: string; windowMs: number }): Promise<{ price: number; expiresAt: string }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const entry = await getProduct(core.db, input.productCode);
  if (!entry) throw new DomainError('PRODUCT_NOT_FOUND', { product: input.productCode });
  const price = connectionCharges(entry.spec).total;
  const expiresAt = new Date(core.clock.now().getTime() + input.windowMs);
  await core.db.tx(async (tx) => {
    await dropOtherSmsOffers(tx, sub.msisdn, 'sms_confirmation');
    await tx.query(
      `INSERT INTO sms_confirmation (msisdn, product_code, price, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (msisdn) DO UPDATE SET product_code = EXCLUDED.product_code, price = EXCLUDED.price, expires_at = EXCLUDED.expires_at`,
      [sub.msisdn, entry.spec.code, price, expiresAt],
    );
  });
  return { price, expiresAt: expiresAt.toISOString() };
}

/** The subscriber said yes: connects what was offered, if the offer is still open. Null when none is. */
export async function confirmOfferedConnection(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<ConnectResult | null> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const rows = await core.db.query<{ product_code: string }>('DELETE FROM sms_confirmation WHERE msisdn = $1 AND expires_at > $2 RETURNING product_code', [sub.msisdn, core.clock.now()]);
  const code = rows[0]?.product_code;
  if (!code) return null;
  return connectProduct(core, ctx, { msisdn: input.msisdn, productCode: code });
}
