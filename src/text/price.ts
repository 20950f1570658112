import type { Lang, PriceFacts, TextStyle } from './price-facts.ts';

const moneyFormats = {
  ru: new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 0, maximumFractionDigits: 2 }),
  en: new Intl.NumberFormat('en-GB', { minimumFractionDigits: 0, maximumFractionDigits: 2 }),
};

/** Kopecks as a price: 10000 → "100 ₽" / "RUB 100"; 350 → "3,50 ₽" / "RUB 3.50". */
export function statePrice_money(kopecks: number, lang: Lang): string {
  const whole = kopecks % 100 === 0;
  const f = whole ? moneyFormats[lang] : new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const n = f.format(kopecks / 100);
  return lang === 'ru' ? `${n}\u00a0₽` : `RUB\u00a0${n}`;
}

const per = {
  ru: { once: 'разово', day: '/день', month: '/мес' },
  en: { once: 'once', day: '/day', month: '/month' },
} as const;

/**
 * One statement of price: "100 ₽ разово", "75 ₽/мес", "3,50 ₽/день + подключение 30 ₽".
 * Only the on-screen style is written here so far; the formatter owns the other styles.
 */
export function statePrice(facts: PriceFacts, lang: Lang, style: TextStyle = 'text'): string {
  if (style !== 'text') throw new RangeError(`style ${style} is not written yet`);
  if (facts.price === 0 && facts.connectionFee === 0 && facts.commission === 0) return lang === 'ru' ? 'бесплатно' : 'free';
  const price = statePrice_money(facts.price, lang);
  const head = facts.period === 'once' ? `${price} ${per[lang].once}` : `${price}${per[lang][facts.period]}`;
  const extras: string[] = [];
  if (facts.connectionFee > 0) extras.push(lang === 'ru' ? `подключение ${statePrice_money(facts.connectionFee, lang)}` : `${statePrice_money(facts.connectionFee, lang)} to connect`);
  if (facts.commission > 0) extras.push(lang === 'ru' ? `комиссия ${statePrice_money(facts.commission, lang)}` : `${statePrice_money(facts.commission, lang)} fee`);
  // A price of nothing beside a fee (a promised payment's commission) is stated as the fee alone.
  if (facts.price === 0 && facts.period === 'once' && extras.length > 0) return extras.join(' + ');
  return [head, ...extras].join(' + ');
}
