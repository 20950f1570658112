import { z } from 'zod';
import { getProduct } from '../catalog/read-catalog.ts';
import { disableProduct, type DisableResult } from '../services/disable-product.ts';
import { liveInstances } from '../services/instances.ts';
import { DomainError } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { productCode } from './connect-product.ts';
import { confirmationFor } from './confirmation.ts';
import { productDetails, productFacts, type ProductDetails } from './products.ts';
import type { CatalogAction, Offer, Refusal } from './types.ts';

const input = z.object({ productCode });

export interface DisableDetails extends ProductDetails {
  /** What the subscriber stops paying (the product's price); disabling itself costs nothing. */
  stops: ReturnType<typeof productFacts>;
}

function offerOf(p: Parameters<typeof productDetails>[0], refusal: Refusal | null, connected: boolean): Offer<DisableDetails> {
  return { action: 'product.disable', refusal, shown: connected, facts: null, details: { ...productDetails(p), stops: { ...productFacts(p), connectionFee: 0, chargedToday: 0 } } };
}

/**
 * Disable a connected product. Offered per product; `offers()` lists what is connected. Free
 * (facts null); fees already paid are not refunded. Refused: PRODUCT_NOT_CONNECTED,
 * PRODUCT_NOT_DISABLEABLE (shown, with the reason, so a channel can say it cannot be switched off).
 */
export const disableProductAction: CatalogAction<{ productCode: string }, z.infer<typeof input>, DisableResult, DisableDetails> = {
  id: 'product.disable',
  summary: 'Disable a product',
  input,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const inst = (await liveInstances(core.db, sub.accountId, sub.id)).find((i) => i.productCode === t.productCode);
    if (inst) return offerOf(inst.spec, inst.spec.disableable ? null : { code: 'PRODUCT_NOT_DISABLEABLE', params: { product: t.productCode } }, true);
    const entry = await getProduct(core.db, t.productCode);
    if (!entry) throw new DomainError('PRODUCT_NOT_CONNECTED', { product: t.productCode });
    return offerOf(entry.spec, { code: 'PRODUCT_NOT_CONNECTED', params: { product: t.productCode } }, false);
  },
  async offers(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    return (await liveInstances(core.db, sub.accountId, sub.id)).map((i) =>
      offerOf(i.spec, i.spec.disableable ? null : { code: 'PRODUCT_NOT_DISABLEABLE', params: { product: i.productCode } }, true),
    );
  },
  confirmation: (_offer, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => disableProduct(core, ctx, { msisdn: i.msisdn, productCode: i.productCode }),
};
