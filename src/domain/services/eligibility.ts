import type { Product, Tariff } from '../catalog/schema.ts';
import { DomainError } from '../shared/errors.ts';

export interface EligibilityInput {
  product: Product;
  productStatus: 'active' | 'retired';
  tariff: Tariff;
  customerKind: 'person' | 'business';
  contentBan: boolean;
  connected: string[];
}

/**
 * Whether a product may be connected, as one rule shared by connecting and by the list of what is
 * available. Returns the refusal it would give, or null.
 */
export function eligibility(e: EligibilityInput): DomainError | null {
  const p = e.product;
  if (e.productStatus !== 'active' || !p.connectable) return new DomainError('PRODUCT_NOT_AVAILABLE', { product: p.code });
  if (p.segment !== 'any' && p.segment !== e.customerKind) return new DomainError('PRODUCT_NOT_AVAILABLE', { product: p.code });
  if (e.connected.includes(p.code)) return new DomainError('ALREADY_CONNECTED', { product: p.code });
  if (p.content && e.contentBan) return new DomainError('CONTENT_BANNED', { product: p.code });
  if (p.tariffs.length > 0 && !p.tariffs.includes(e.tariff.code)) {
    return new DomainError('PRODUCT_NOT_ALLOWED_ON_TARIFF', { product: p.code, tariff: e.tariff.code });
  }
  const conflict = e.connected.find((c) => p.incompatibleWith.includes(c));
  if (conflict) return new DomainError('PRODUCT_INCOMPATIBLE', { product: p.code, conflictsWith: conflict });
  const missing = p.requires.find((r) => !e.connected.includes(r));
  if (missing) return new DomainError('PRODUCT_REQUIRES', { product: p.code, requires: missing });
  return null;
}

/** What connecting costs now: the connection fee plus the first period (or the one-off price). */
export function connectionCharges(p: Product): { connectionFee: number; firstPeriod: number; total: number } {
  const firstPeriod = p.fee.model === 'none' ? 0 : p.fee.amount;
  return { connectionFee: p.connectionFee, firstPeriod, total: p.connectionFee + firstPeriod };
}
