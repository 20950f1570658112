import { z } from 'zod';
import type { Queryable } from '../../store/db.ts';
import { corporateRefusal } from '../business/policy.ts';
import { getProduct, listProducts, requireTariff } from '../catalog/read-catalog.ts';
import { RINGBACK_PRODUCT } from '../ringback/melodies.ts';
import { connectBudget, melodyCharges, melodiesToResume } from '../ringback/pause.ts';
import type { Product } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import { connectProduct, type ConnectResult } from '../services/connect-product.ts';
import { eligibility } from '../services/eligibility.ts';
import { liveInstances } from '../services/instances.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, type ErrorCode } from '../shared/errors.ts';
import { loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import { confirmationFor } from './confirmation.ts';
import { productDetails, productFacts, type ProductDetails } from './products.ts';
import { refusalOf, type CatalogAction, type Offer, type Refusal } from './types.ts';

/** A product code as every channel takes it. */
export const productCode = z.string().min(1).max(40);

const input = z.object({ productCode });

/** Refusals that mean "never offered to this number now": such products are not listed. */
const HIDDEN: readonly ErrorCode[] = ['ALREADY_CONNECTED', 'PRODUCT_NOT_AVAILABLE', 'PRODUCT_NOT_ALLOWED_ON_TARIFF'];

async function judge(q: Queryable, core: Core, sub: SubscriberRow, p: Product, status: 'active' | 'retired', connected: string[]): Promise<Refusal | null> {
  // The order of connectProduct's checks, so the offer refuses with the reason the use case would.
  if (sub.status !== 'active') return { code: 'SUBSCRIBER_BLOCKED', params: { status: sub.status } };
  const tariff = await requireTariff(q, sub.tariffCode);
  const refusal = eligibility({ product: p, productStatus: status, tariff, customerKind: sub.customerKind, contentBan: sub.contentBan, connected });
  if (refusal) return refusalOf(refusal);
  if (sub.customerKind === 'business') {
    const corporate = await corporateRefusal(q, sub, p, core.clock.now());
    if (corporate) return refusalOf(corporate);
  }
  return null;
}

async function offerOf(q: Queryable, sub: SubscriberRow, p: Product, refusal: Refusal | null): Promise<Offer<ProductDetails>> {
  const facts = productFacts(p);
  // The service "Гудок" connected again resumes the melodies kept in the library: the offer states
  // them, picked by the very rule connecting resumes them by, and what they charge today.
  if (p.code === RINGBACK_PRODUCT && !refusal) {
    const tariff = await requireTariff(q, sub.tariffCode);
    const tones = await melodiesToResume(q, sub, connectBudget(sub, facts.chargedToday, tariff.blockThreshold));
    if (tones.length > 0) {
      facts.melodies = melodyCharges(tones);
      facts.chargedToday += tones.reduce((sum, t) => sum + t.spec.price.amount, 0);
    }
  }
  return { action: 'product.connect', refusal, shown: !refusal || !HIDDEN.includes(refusal.code), facts, details: productDetails(p) };
}

/**
 * Connect a catalog product. Offered per product (`{ productCode }`); `offers()` lists the whole
 * catalog for the number — list the `shown` ones. What the subscriber pays is `productFacts`:
 * price per period (once for a one-off product), connection fee, and the charge today; for the
 * service "Гудок", also the kept melodies connecting it resumes (`facts.melodies`, counted in the
 * charge today).
 * Funds are checked by `run` (INSUFFICIENT_FUNDS), not by the offer.
 */
export const connectProductAction: CatalogAction<{ productCode: string }, z.infer<typeof input>, ConnectResult, ProductDetails> = {
  id: 'product.connect',
  summary: 'Connect a product',
  input,
  async offer(core: Core, ctx: Ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const entry = await getProduct(core.db, t.productCode);
    if (!entry) throw new DomainError('PRODUCT_NOT_FOUND', { product: t.productCode });
    const connected = (await liveInstances(core.db, sub.accountId, sub.id)).map((i) => i.productCode);
    return offerOf(core.db, sub, entry.spec, await judge(core.db, core, sub, entry.spec, entry.status, connected));
  },
  async offers(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const connected = (await liveInstances(core.db, sub.accountId, sub.id)).map((i) => i.productCode);
    const out: Offer<ProductDetails>[] = [];
    for (const p of await listProducts(core.db)) out.push(await offerOf(core.db, sub, p, await judge(core.db, core, sub, p, 'active', connected)));
    return out;
  },
  confirmation: (offer, channel) => confirmationFor(offer.facts && offer.facts.chargedToday > 0 ? 'paid' : 'change', channel),
  run: (core, ctx, i) => connectProduct(core, ctx, { msisdn: i.msisdn, productCode: i.productCode }),
};
