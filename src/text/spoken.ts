/**
 * Numbers, money and quantities as words for speech synthesis, in Russian and English.
 *
 * Russian numerals agree with their noun: "одна копейка", "две копейки", "один рубль",
 * "две тысячи", "двадцать одна минута"; the noun takes the form the last two digits ask for
 * (1 рубль, 2 рубля, 5 рублей, 11–14 рублей, 21 рубль). A speech engine reading digits gets none
 * of this right, so every amount is turned into words before it is synthesised.
 */

import { toCardinal as enToCardinal } from 'n2words/en-US';
import { toCardinal as ruToCardinal } from 'n2words/ru-RU';
import { clockOf, pluralCategory } from './format.ts';

export type Gender = 'm' | 'f' | 'n';

/** A Russian noun: its gender and its forms after 1, after 2–4 and after 5–20 / 0. */
export interface RuNoun {
  gender: Gender;
  forms: [one: string, few: string, many: string];
}

/**
 * The form of a noun after the number n, by the Russian plural rules of CLDR (Intl.PluralRules):
 * 1, 21, 101 → one; 2–4, 22–24 → few; 0, 5–20, 11–14 → many.
 */
export function ruPlural(n: number | bigint, forms: readonly [string, string, string]): string {
  switch (pluralCategory(n, 'ru')) {
    case 'one':
      return forms[0];
    case 'few':
    case 'other': // a fraction takes the genitive singular, as "few" does: 1,5 рубля
      return forms[1];
    default:
      return forms[2];
  }
}

const LIMIT = 10n ** 15n;

function check(n: number | bigint): bigint {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`not a whole number: ${n}`);
  const b = BigInt(n);
  if (b <= -LIMIT || b >= LIMIT) throw new RangeError(`too large to say: ${n}`);
  return b;
}

/**
 * A Russian cardinal in the given gender: (21, 'f') → "двадцать одна"; negative → "минус …".
 * n2words gives the words with masculine and feminine agreement (thousands feminine, millions
 * masculine); the neuter differs from the masculine only in a final "один" → "одно".
 */
export function ruCardinal(n: number | bigint, gender: Gender = 'm'): string {
  const b = check(n);
  const words = ruToCardinal(b, { gender: gender === 'f' ? 'feminine' : 'masculine' });
  return gender === 'n' ? words.replace(/(^| )один$/, '$1одно') : words;
}

/** "двадцать одна минута", "пять рублей", "ноль сообщений". */
export function ruCount(n: number | bigint, noun: RuNoun): string {
  return `${ruCardinal(n, noun.gender)} ${ruPlural(n, noun.forms)}`;
}

/** An English cardinal: 1021 → "one thousand twenty-one"; negative → "minus …". */
export function enCardinal(n: number | bigint): string {
  return enToCardinal(check(n));
}

/** "one minute", "two minutes": English nouns need only one and many. */
export function enCount(n: number | bigint, one: string, many: string): string {
  const b = check(n);
  return `${enCardinal(b)} ${b === 1n || b === -1n ? one : many}`;
}

export const RU_NOUNS = {
  rouble: { gender: 'm', forms: ['рубль', 'рубля', 'рублей'] },
  kopeck: { gender: 'f', forms: ['копейка', 'копейки', 'копеек'] },
  minute: { gender: 'f', forms: ['минута', 'минуты', 'минут'] },
  message: { gender: 'n', forms: ['сообщение', 'сообщения', 'сообщений'] },
  gigabyte: { gender: 'm', forms: ['гигабайт', 'гигабайта', 'гигабайт'] },
  megabyte: { gender: 'm', forms: ['мегабайт', 'мегабайта', 'мегабайт'] },
  day: { gender: 'm', forms: ['день', 'дня', 'дней'] },
  hour: { gender: 'm', forms: ['час', 'часа', 'часов'] },
} as const satisfies Record<string, RuNoun>;

const EN_NOUNS: Record<keyof typeof RU_NOUNS, [string, string]> = {
  rouble: ['rouble', 'roubles'],
  kopeck: ['kopeck', 'kopecks'],
  minute: ['minute', 'minutes'],
  message: ['text message', 'text messages'],
  gigabyte: ['gigabyte', 'gigabytes'],
  megabyte: ['megabyte', 'megabytes'],
  day: ['day', 'days'],
  hour: ['hour', 'hours'],
};

export type Unit = keyof typeof RU_NOUNS;

/** A count with its unit in words: (3, 'minute', 'ru') → "три минуты". */
export function sayCount(n: number | bigint, unit: Unit, lang: 'ru' | 'en'): string {
  if (lang === 'ru') return ruCount(n, RU_NOUNS[unit]);
  const [one, many] = EN_NOUNS[unit];
  return enCount(n, one, many);
}

/**
 * Money in kopecks as words: 12345 → "сто двадцать три рубля сорок пять копеек"; −5001 → "минус
 * пятьдесят рублей одна копейка". Whole amounts leave the kopecks out; 0 is "ноль рублей".
 */
export function sayMoney(minor: number, lang: 'ru' | 'en'): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`money must be whole kopecks, got ${minor}`);
  const minus = minor < 0 ? (lang === 'ru' ? 'минус ' : 'minus ') : '';
  const abs = Math.abs(minor);
  const rub = Math.floor(abs / 100);
  const kop = abs % 100;
  const parts: string[] = [];
  if (rub > 0 || kop === 0) parts.push(sayCount(rub, 'rouble', lang));
  if (kop > 0) parts.push(sayCount(kop, 'kopeck', lang));
  return minus + parts.join(lang === 'en' && parts.length > 1 ? ' and ' : ' ');
}

/** Data in bytes as whole gigabytes and megabytes: "два гигабайта пятьсот двенадцать мегабайт". */
export function sayData(bytes: number, lang: 'ru' | 'en'): string {
  const mbTotal = Math.floor(Math.max(0, bytes) / (1024 * 1024));
  const gb = Math.floor(mbTotal / 1024);
  const mb = mbTotal % 1024;
  const parts: string[] = [];
  if (gb > 0) parts.push(sayCount(gb, 'gigabyte', lang));
  if (mb > 0 || gb === 0) parts.push(sayCount(mb, 'megabyte', lang));
  return parts.join(lang === 'en' && parts.length > 1 ? ' and ' : ' ');
}

/**
 * A time of day as it is said on the clock, so it is never heard as a duration:
 * 15:42 → "пятнадцать сорок две", 9:05 → "девять ноль пять", 18:00 → "восемнадцать ноль-ноль";
 * English on the 12-hour clock: "three forty-two p.m.", "nine oh five a.m.", "six p.m.".
 */
export function sayClock(at: Date | string | number, tz: string, lang: 'ru' | 'en'): string {
  const { hour, minute } = clockOf(at, tz);
  if (lang === 'ru') {
    const mins = minute === 0 ? 'ноль-ноль' : minute < 10 ? `ноль ${ruCardinal(minute, 'f')}` : ruCardinal(minute, 'f');
    return `${ruCardinal(hour)} ${mins}`;
  }
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  const half = hour < 12 ? 'a.m.' : 'p.m.';
  const mins = minute === 0 ? '' : minute < 10 ? ` oh ${enCardinal(minute)}` : ` ${enCardinal(minute)}`;
  return `${enCardinal(h12)}${mins} ${half}`;
}
