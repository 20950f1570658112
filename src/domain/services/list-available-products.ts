import { listProducts, monthlyCost, requireTariff } from '../catalog/read-catalog.ts';
import type { Localized, Product } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import type { ErrorCode } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { connectionCharges, eligibility } from './eligibility.ts';
import { liveInstances } from './instances.ts';

export interface AvailableProduct {
  code: string;
  kind: Product['kind'];
  name: Localized;
  description: Localized;
  fee: Product['fee'];
  connectionFee: number;
  /** What connecting now would charge. */
  chargeNow: number;
  monthlyCost: number;
  content: boolean;
  includes: Product['includes'] | null;
  ussdCode: string | null;
  smsKeyword: string | null;
  /** Null when it can be connected; otherwise the refusal connecting would give. */
  blockedBy: { code: ErrorCode; params: Record<string, string | number> } | null;
}

/** Products not yet connected that this subscriber's tariff and segment allow. */
export async function listAvailableProducts(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<AvailableProduct[]> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const [tariff, products, live] = [
    await requireTariff(core.db, sub.tariffCode),
    await listProducts(core.db),
    await liveInstances(core.db, sub.accountId, sub.id),
  ];
  const connected = live.map((i) => i.productCode);
  const out: AvailableProduct[] = [];
  for (const p of products) {
    const refusal = eligibility({ product: p, productStatus: 'active', tariff, customerKind: sub.customerKind, contentBan: sub.contentBan, connected });
    // Hidden: what is connected already or never offered to this subscriber.
    if (refusal && ['ALREADY_CONNECTED', 'PRODUCT_NOT_AVAILABLE', 'PRODUCT_NOT_ALLOWED_ON_TARIFF'].includes(refusal.code)) continue;
    out.push({
      code: p.code,
      kind: p.kind,
      name: p.name,
      description: p.description,
      fee: p.fee,
      connectionFee: p.connectionFee,
      chargeNow: connectionCharges(p).total,
      monthlyCost: monthlyCost(p.fee),
      content: p.content,
      includes: p.includes ?? null,
      ussdCode: p.ussdCode ?? null,
      smsKeyword: p.smsKeyword ?? null,
      blockedBy: refusal ? { code: refusal.code, params: refusal.params } : null,
    });
  }
  return out;
}
