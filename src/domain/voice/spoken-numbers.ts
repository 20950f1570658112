/**
 * Numbers, money and quantities as words for speech synthesis, in Russian and English.
 *
 * Russian numerals agree with their noun: "одна копейка", "две копейки", "один рубль",
 * "две тысячи", "двадцать одна минута"; the noun takes the form the last two digits ask for
 * (1 рубль, 2 рубля, 5 рублей, 11–14 рублей, 21 рубль). A speech engine reading digits gets none
 * of this right, so every amount is turned into words before it is synthesised.
 */

export type Gender = 'm' | 'f' | 'n';

/** A Russian noun: its gender and its forms after 1, after 2–4 and after 5–20 / 0. */
export interface RuNoun {
  gender: Gender;
  forms: [one: string, few: string, many: string];
}

const RU_ONES: Record<Gender, string[]> = {
  m: ['', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'],
  f: ['', 'одна', 'две', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'],
  n: ['', 'одно', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'],
};
const RU_TEENS = ['десять', 'одиннадцать', 'двенадцать', 'тринадцать', 'четырнадцать', 'пятнадцать', 'шестнадцать', 'семнадцать', 'восемнадцать', 'девятнадцать'];
const RU_TENS = ['', '', 'двадцать', 'тридцать', 'сорок', 'пятьдесят', 'шестьдесят', 'семьдесят', 'восемьдесят', 'девяносто'];
const RU_HUNDREDS = ['', 'сто', 'двести', 'триста', 'четыреста', 'пятьсот', 'шестьсот', 'семьсот', 'восемьсот', 'девятьсот'];

/** Scales above units: thousands are feminine, millions and above masculine. */
const RU_SCALES: RuNoun[] = [
  { gender: 'f', forms: ['тысяча', 'тысячи', 'тысяч'] },
  { gender: 'm', forms: ['миллион', 'миллиона', 'миллионов'] },
  { gender: 'm', forms: ['миллиард', 'миллиарда', 'миллиардов'] },
  { gender: 'm', forms: ['триллион', 'триллиона', 'триллионов'] },
];

/** The form of a noun after the number n: 1, 21, 101 → one; 2–4, 22–24 → few; 0, 5–20, 11–14 → many. */
export function ruPlural(n: number | bigint, forms: readonly [string, string, string]): string {
  const abs = BigInt(n) < 0n ? -BigInt(n) : BigInt(n);
  const d100 = Number(abs % 100n);
  const d10 = d100 % 10;
  if (d100 >= 11 && d100 <= 14) return forms[2];
  if (d10 === 1) return forms[0];
  if (d10 >= 2 && d10 <= 4) return forms[1];
  return forms[2];
}

function ruTriple(n: number, gender: Gender): string[] {
  const out: string[] = [];
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (h) out.push(RU_HUNDREDS[h]!);
  if (rest >= 10 && rest < 20) out.push(RU_TEENS[rest - 10]!);
  else {
    const t = Math.floor(rest / 10);
    const u = rest % 10;
    if (t) out.push(RU_TENS[t]!);
    if (u) out.push(RU_ONES[gender][u]!);
  }
  return out;
}

const LIMIT = 10n ** 15n;

function check(n: number | bigint): bigint {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`not a whole number: ${n}`);
  const b = BigInt(n);
  if (b <= -LIMIT || b >= LIMIT) throw new RangeError(`too large to say: ${n}`);
  return b;
}

/** A Russian cardinal in the given gender: (21, 'f') → "двадцать одна"; negative → "минус …". */
export function ruCardinal(n: number | bigint, gender: Gender = 'm'): string {
  const b = check(n);
  if (b === 0n) return 'ноль';
  if (b < 0n) return `минус ${ruCardinal(-b, gender)}`;
  const groups: number[] = [];
  for (let x = b; x > 0n; x /= 1000n) groups.push(Number(x % 1000n));
  const words: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i]!;
    if (g === 0) continue;
    if (i === 0) words.push(...ruTriple(g, gender));
    else {
      const scale = RU_SCALES[i - 1]!;
      words.push(...ruTriple(g, scale.gender), ruPlural(g, scale.forms));
    }
  }
  return words.join(' ');
}

/** "двадцать одна минута", "пять рублей", "ноль сообщений". */
export function ruCount(n: number | bigint, noun: RuNoun): string {
  return `${ruCardinal(n, noun.gender)} ${ruPlural(n, noun.forms)}`;
}

const EN_ONES = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const EN_SCALES = ['thousand', 'million', 'billion', 'trillion'];

function enTriple(n: number): string[] {
  const out: string[] = [];
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (h) out.push(EN_ONES[h]!, 'hundred');
  if (rest && rest < 20) out.push(EN_ONES[rest]!);
  else if (rest) out.push(rest % 10 ? `${EN_TENS[Math.floor(rest / 10)]}-${EN_ONES[rest % 10]}` : EN_TENS[Math.floor(rest / 10)]!);
  return out;
}

/** An English cardinal: 1021 → "one thousand twenty-one"; negative → "minus …". */
export function enCardinal(n: number | bigint): string {
  const b = check(n);
  if (b === 0n) return 'zero';
  if (b < 0n) return `minus ${enCardinal(-b)}`;
  const groups: number[] = [];
  for (let x = b; x > 0n; x /= 1000n) groups.push(Number(x % 1000n));
  const words: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i]!;
    if (g === 0) continue;
    words.push(...enTriple(g));
    if (i > 0) words.push(EN_SCALES[i - 1]!);
  }
  return words.join(' ');
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
