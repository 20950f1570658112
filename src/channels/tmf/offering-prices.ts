import { productFacts, tariffListFacts } from '../../domain/actions/registry.ts';
import type { Offering } from '../../domain/catalog/list-offerings.ts';
import type { Lang } from '../../domain/shared/context.ts';
import type { PriceFacts } from '../../text/price-facts.ts';
import { money, toKopecks } from './conventions.ts';

type Body = Record<string, unknown>;

/**
 * The facts a catalog entry's productOfferingPrice states: the registry's own (a product's
 * `productFacts`, a plan's `tariffListFacts` — its full switch fee, as the catalog lists it before
 * any number's waiver). TMF620 never works prices out itself.
 */
export function offeringFacts(o: Offering): PriceFacts {
  return o.kind === 'tariff' ? tariffListFacts(o.spec) : productFacts(o.spec);
}

const NAMES = {
  recurring: { ru: 'Абонентская плата', en: 'Subscription fee' },
  once: { ru: 'Цена', en: 'Price' },
  connection: { ru: 'Плата за подключение', en: 'Connection fee' },
  switch: { ru: 'Плата за переход', en: 'Switch fee' },
} as const;

/**
 * The facts as TMF620 ProductOfferingPrice entries: the price per period as a `recurring` charge
 * (month or day, stated even when it is 0 — free), a one-off price as a `oneTime` charge, and the
 * connection (for a plan, switch) fee as a further `oneTime` charge when there is one. The order
 * is fixed: the price first, the fee after it — `factsOfPrices` reads them back in that order.
 */
export function offeringPrices(facts: PriceFacts, kind: 'product' | 'tariff', lang: Lang): Body[] {
  const out: Body[] = [];
  if (facts.period === 'once') out.push({ name: NAMES.once[lang], priceType: 'oneTime', price: money(facts.price), '@type': 'ProductOfferingPrice' });
  else out.push({ name: NAMES.recurring[lang], priceType: 'recurring', recurringChargePeriodType: facts.period, recurringChargePeriodLength: 1, price: money(facts.price), '@type': 'ProductOfferingPrice' });
  if (facts.connectionFee > 0) out.push({ name: NAMES[kind === 'tariff' ? 'switch' : 'connection'][lang], priceType: 'oneTime', price: money(facts.connectionFee), '@type': 'ProductOfferingPrice' });
  return out;
}

/**
 * What a TMF client reads from an offering's productOfferingPrice, as price facts: a recurring
 * charge is the price per its period; without one, the first oneTime charge is the one-off price;
 * the oneTime charge after the price is the connection fee. Today's charge is the fee plus the
 * first period (or the one-off price). Commission is 0: no catalog entry takes one.
 * (Cross-channel tests compare this with the registry's offer facts.)
 */
export function factsOfPrices(prices: readonly Body[]): PriceFacts {
  const amount = (p: Body) => toKopecks((p.price as Body | undefined)?.value, 'productOfferingPrice.price.value');
  const recurring = prices.find((p) => p.priceType === 'recurring');
  const once = prices.filter((p) => p.priceType === 'oneTime');
  const [first, fee] = recurring ? [recurring, once[0]] : [once[0], once[1]];
  const period = recurring ? ((recurring.recurringChargePeriodType ?? recurring.recurringChargePeriod) as 'month' | 'day') : first ? 'once' : 'month';
  const price = first ? amount(first) : 0;
  const connectionFee = fee ? amount(fee) : 0;
  return { price, period, connectionFee, commission: 0, chargedToday: price + connectionFee };
}

/**
 * What a productOfferingPrice lacks before it can price a catalog product (none: it is complete):
 * a `recurring` price needs `price.value` and a `recurringChargePeriodType` (month or day), a
 * `oneTime` price its `price.value`; any other priceType (usage, discount…) prices nothing here
 * and is listed as `priceType`. TMF620 requires none of them, so a price document may be
 * stored without them; it only prices an offering once complete. Attributes that are present but
 * wrong (a period of a week, a value that is not an amount) are `invalid`.
 */
export function priceGaps(p: Body): { missing: string[]; invalid: { field: string; message: string }[] } {
  const missing: string[] = [];
  const invalid: { field: string; message: string }[] = [];
  // Other price types (usage, discount…) are TMF620's to describe, but price no catalog product.
  if (p.priceType !== 'recurring' && p.priceType !== 'oneTime') missing.push('priceType');
  const value = (p.price as Body | undefined)?.value;
  if (value === undefined) missing.push('price.value');
  else {
    try {
      toKopecks(value, 'price.value');
    } catch {
      invalid.push({ field: 'price.value', message: 'a plain decimal number of roubles' });
    }
  }
  if (p.priceType === 'recurring') {
    const period = p.recurringChargePeriodType ?? p.recurringChargePeriod;
    if (period === undefined) missing.push('recurringChargePeriodType');
    else if (period !== 'month' && period !== 'day') invalid.push({ field: 'recurringChargePeriodType', message: 'month or day' });
  }
  return { missing, invalid };
}

/** The attributes of a price that decide what it costs: the registry states them, a client's copy never overrides them. */
const PRICE_FACTS = new Set(['priceType', 'price', 'recurringChargePeriodType', 'recurringChargePeriodLength', 'recurringChargePeriod', '@type']);

/**
 * An offering's prices as the registry states them, each carrying what the client gave for it
 * (its id and href when it named a stored price, its name, description, validFor…): the given
 * entries are matched by priceType in order (the recurring charge with the recurring one, the
 * oneTime charges in the order given), as feeFromPrices read them.
 */
export function echoGivenPrices(stated: Body[], given: unknown): Body[] {
  if (!Array.isArray(given)) return stated;
  const left = (given as unknown[]).filter((g): g is Body => g !== null && typeof g === 'object' && !Array.isArray(g));
  return stated.map((s) => {
    const i = left.findIndex((g) => g.priceType === s.priceType);
    if (i < 0) return s;
    const [g] = left.splice(i, 1);
    return { ...s, ...Object.fromEntries(Object.entries(g!).filter(([k]) => !PRICE_FACTS.has(k))) };
  });
}
