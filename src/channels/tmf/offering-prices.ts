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
