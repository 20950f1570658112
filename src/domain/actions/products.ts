import type { PriceFacts, PricePeriod } from '../../text/price-facts.ts';
import { monthlyCost } from '../catalog/read-catalog.ts';
import type { Product } from '../catalog/schema.ts';
import { connectionCharges } from '../services/eligibility.ts';

const PERIOD: Record<Product['fee']['model'], PricePeriod> = { none: 'month', monthly: 'month', daily: 'day', per_use: 'once' };

/**
 * What a product costs, as every channel states it: its price per period (a one-off product's
 * price of each use), its connection fee, and what connecting charges today (the connection fee
 * plus the first period or the one-off price).
 */
export function productFacts(p: Pick<Product, 'fee' | 'connectionFee'>): PriceFacts {
  return {
    price: p.fee.model === 'none' ? 0 : p.fee.amount,
    period: PERIOD[p.fee.model],
    connectionFee: p.connectionFee,
    commission: 0,
    chargedToday: connectionCharges(p as Product).total,
  };
}

/** What a product shows in a list: the catalog's words and its codes on the other channels. */
export interface ProductDetails {
  code: string;
  kind: Product['kind'];
  name: Product['name'];
  description: Product['description'];
  fee: Product['fee'];
  connectionFee: number;
  /** What a month of it costs (for totals; a one-off product counts 0). */
  monthlyCost: number;
  content: boolean;
  includes: NonNullable<Product['includes']> | null;
  ussdCode: string | null;
  smsKeyword: string | null;
  disableable: boolean;
}

export function productDetails(p: Product): ProductDetails {
  return {
    code: p.code,
    kind: p.kind,
    name: p.name,
    description: p.description,
    fee: p.fee,
    connectionFee: p.connectionFee,
    monthlyCost: monthlyCost(p.fee),
    content: p.content,
    includes: p.includes ?? null,
    ussdCode: p.ussdCode ?? null,
    smsKeyword: p.smsKeyword ?? null,
    disableable: p.disableable,
  };
}
