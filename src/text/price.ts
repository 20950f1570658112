import { formatPrice } from './format.ts';
import type { Lang, MelodyCharge, PriceFacts, TextStyle } from './price-facts.ts';
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
 * A free product (price 0, no fee) is "бесплатно" / "free". The kept melodies an action resumes
 * (facts.melodies) follow the price: "3 ₽/день и мелодии: «Лето» 5 ₽/день" / "RUB 3/day plus
 * melodies: "Summer" RUB 5/day" / "три рубля в день и мелодии: Лето, пять рублей в день". What is
 * charged today is stated apart, by stateChargedToday, where the channel asks for confirmation.
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
 * спишем" / "Nothing is charged now". With melodies it is the whole: "Всего спишем сейчас 12 ₽" /
 * "RUB 12 in all is charged now" / "всего сейчас спишем двенадцать рублей".
 */
export function stateChargedToday(facts: PriceFacts, lang: Lang, style: TextStyle = 'text'): string {
  check(facts);
  const k = facts.chargedToday;
  const all = (facts.melodies?.length ?? 0) > 0;
  if (style === 'speech') {
    if (k === 0) return lang === 'ru' ? 'сейчас ничего не спишем' : 'nothing is charged now';
    return lang === 'ru' ? `${all ? 'всего ' : ''}сейчас спишем ${sayMoney(k, 'ru')}` : `${sayMoney(k, 'en')}${all ? ' in all' : ''} is charged now`;
  }
  const text =
    k === 0
      ? lang === 'ru'
        ? 'Сейчас ничего не спишем'
        : 'Nothing is charged now'
      : lang === 'ru'
        ? `${all ? 'Всего спишем' : 'Спишем'} сейчас ${formatPrice(k, 'ru')}`
        : `${formatPrice(k, 'en')}${all ? ' in all' : ''} is charged now`;
  return style === 'translit' ? toGsm7Latin(text) : text;
}

function check(f: PriceFacts): void {
  const melodies = (f.melodies ?? []).map((m) => ['melody price', m.price] as const);
  for (const [k, v] of [['price', f.price], ['connectionFee', f.connectionFee], ['commission', f.commission], ['chargedToday', f.chargedToday], ...melodies] as const) {
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
  return withMelodies(ownOnScreen(f, lang), f.melodies, lang, (m) => `${lang === 'ru' ? `«${m.title.ru}»` : `"${m.title.en}"`} ${formatPrice(m.price, lang)}${PERIOD_TEXT[lang][m.period]}`);
}

function withMelodies(own: string, melodies: MelodyCharge[] | undefined, lang: Lang, one: (m: MelodyCharge) => string, sep = ', '): string {
  if (!melodies || melodies.length === 0) return own;
  return `${own} ${lang === 'ru' ? 'и мелодии' : 'plus melodies'}: ${melodies.map(one).join(sep)}`;
}

function ownOnScreen(f: PriceFacts, lang: Lang): string {
  if (isFree(f)) return lang === 'ru' ? 'бесплатно' : 'free';
  const parts: string[] = [];
  // A product whose only cost is its connection fee states just that ("подключение 30 ₽").
  if (f.price > 0 || (f.connectionFee === 0 && f.commission === 0)) parts.push(`${formatPrice(f.price, lang)}${PERIOD_TEXT[lang][f.period]}`);
  if (f.connectionFee > 0) parts.push(lang === 'ru' ? `подключение ${formatPrice(f.connectionFee, lang)}` : `${formatPrice(f.connectionFee, lang)} to connect`);
  if (f.commission > 0) parts.push(lang === 'ru' ? `комиссия ${formatPrice(f.commission, lang)}` : `${formatPrice(f.commission, lang)} fee`);
  return parts.join(' + ');
}

function spoken(f: PriceFacts, lang: Lang): string {
  return withMelodies(ownSpoken(f, lang), f.melodies, lang, (m) => `${m.title[lang]}, ${sayMoney(m.price, lang)} ${PERIOD_SPOKEN[lang][m.period]}`, '; ');
}

function ownSpoken(f: PriceFacts, lang: Lang): string {
  if (isFree(f)) return lang === 'ru' ? 'бесплатно' : 'free';
  const parts: string[] = [];
  if (f.price > 0 || (f.connectionFee === 0 && f.commission === 0)) parts.push(`${sayMoney(f.price, lang)} ${PERIOD_SPOKEN[lang][f.period]}`);
  if (f.connectionFee > 0) parts.push(lang === 'ru' ? `${sayMoney(f.connectionFee, 'ru')} за подключение` : `${sayMoney(f.connectionFee, 'en')} to connect`);
  if (f.commission > 0) parts.push(lang === 'ru' ? `комиссия ${sayMoney(f.commission, 'ru')}` : `a fee of ${sayMoney(f.commission, 'en')}`);
  return parts.join(lang === 'ru' ? ' и ' : ' and ');
}
