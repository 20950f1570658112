import { formatPrice } from './format.ts';
import type { Lang, PriceFacts, TextStyle } from './price-facts.ts';
import { sayMoney } from './spoken.ts';
import { toGsm7Latin } from './translit.ts';

/**
 * One statement of price: the same facts (PriceFacts) said on a screen, on a USSD Latin page and by
 * voice. Every channel states a price through statePrice, so what the subscriber is told cannot
 * drift from channel to channel:
 *
 *   text      "100 ₽ разово" · "75 ₽/мес" · "3,50 ₽/день + подключение 30 ₽" · "100 ₽ + комиссия 7 ₽"
 *             "RUB 100 once" · "RUB 75/month" · "RUB 3.50/day + RUB 30 to connect"
 *   translit  "100 rub razovo" · "3,50 rub/den + podklyuchenie 30 rub" (GSM 7-bit basic table)
 *   speech    "сто рублей разово" · "три рубля пятьдесят копеек в день и тридцать рублей за подключение"
 *             "three roubles and fifty kopecks a day and thirty roubles to connect"
 *
 * A free product (price 0, no fee) is "бесплатно" / "free". What is charged today is stated apart,
 * by stateChargedToday, where the channel asks for confirmation.
 */
export function statePrice(facts: PriceFacts, lang: Lang, style: TextStyle = 'text'): string {
  check(facts);
  switch (style) {
    case 'text':
      return onScreen(facts, lang);
    case 'translit':
      return toGsm7Latin(onScreen(facts, lang));
    case 'speech':
      return spoken(facts, lang);
  }
}

/**
 * What is charged now if the subscriber takes it: "Спишем сейчас 33,50 ₽" / "RUB 33.50 is charged
 * now" / "сейчас спишем тридцать три рубля пятьдесят копеек"; when nothing is, "Сейчас ничего не
 * спишем" / "Nothing is charged now".
 */
export function stateChargedToday(facts: PriceFacts, lang: Lang, style: TextStyle = 'text'): string {
  check(facts);
  const k = facts.chargedToday;
  if (style === 'speech') {
    if (k === 0) return lang === 'ru' ? 'сейчас ничего не спишем' : 'nothing is charged now';
    return lang === 'ru' ? `сейчас спишем ${sayMoney(k, 'ru')}` : `${sayMoney(k, 'en')} is charged now`;
  }
  const text = k === 0 ? (lang === 'ru' ? 'Сейчас ничего не спишем' : 'Nothing is charged now') : lang === 'ru' ? `Спишем сейчас ${formatPrice(k, 'ru')}` : `${formatPrice(k, 'en')} is charged now`;
  return style === 'translit' ? toGsm7Latin(text) : text;
}

function check(f: PriceFacts): void {
  for (const [k, v] of [['price', f.price], ['connectionFee', f.connectionFee], ['commission', f.commission], ['chargedToday', f.chargedToday]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be whole kopecks ≥ 0, got ${v}`);
  }
}

const PERIOD_TEXT = {
  ru: { once: ' разово', day: '/день', month: '/мес' },
  en: { once: ' once', day: '/day', month: '/month' },
} as const;

const PERIOD_SPOKEN = {
  ru: { once: 'разово', day: 'в день', month: 'в месяц' },
  en: { once: 'once', day: 'a day', month: 'a month' },
} as const;

function isFree(f: PriceFacts): boolean {
  return f.price === 0 && f.connectionFee === 0 && f.commission === 0;
}

function onScreen(f: PriceFacts, lang: Lang): string {
  if (isFree(f)) return lang === 'ru' ? 'бесплатно' : 'free';
  const parts: string[] = [];
  // A product whose only cost is its connection fee states just that ("подключение 30 ₽").
  if (f.price > 0 || (f.connectionFee === 0 && f.commission === 0)) parts.push(`${formatPrice(f.price, lang)}${PERIOD_TEXT[lang][f.period]}`);
  if (f.connectionFee > 0) parts.push(lang === 'ru' ? `подключение ${formatPrice(f.connectionFee, lang)}` : `${formatPrice(f.connectionFee, lang)} to connect`);
  if (f.commission > 0) parts.push(lang === 'ru' ? `комиссия ${formatPrice(f.commission, lang)}` : `${formatPrice(f.commission, lang)} fee`);
  return parts.join(' + ');
}

function spoken(f: PriceFacts, lang: Lang): string {
  if (isFree(f)) return lang === 'ru' ? 'бесплатно' : 'free';
  const parts: string[] = [];
  if (f.price > 0 || (f.connectionFee === 0 && f.commission === 0)) parts.push(`${sayMoney(f.price, lang)} ${PERIOD_SPOKEN[lang][f.period]}`);
  if (f.connectionFee > 0) parts.push(lang === 'ru' ? `${sayMoney(f.connectionFee, 'ru')} за подключение` : `${sayMoney(f.connectionFee, 'en')} to connect`);
  if (f.commission > 0) parts.push(lang === 'ru' ? `комиссия ${sayMoney(f.commission, 'ru')}` : `a fee of ${sayMoney(f.commission, 'en')}`);
  return parts.join(lang === 'ru' ? ' и ' : ' and ');
}
