/**
 * Numbers as a subscriber reads them, by locale: money, data volumes, dates, times, percentages and
 * counted nouns. Everything goes through Intl (number, date and plural rules of the locale); no
 * digit tables are written by hand. The lowest layer of presentation: imports nothing from src/.
 */
import type { Lang } from './price-facts.ts';

export type { Lang } from './price-facts.ts';

const LOCALE: Record<Lang, string> = { ru: 'ru-RU', en: 'en-GB' };

export function localeOf(lang: Lang): string {
  return LOCALE[lang];
}

/* ---------- plurals ---------- */

/**
 * The forms of a noun for each CLDR plural category the language has. Russian: one (1, 21),
 * few (2–4, 22), many (0, 5–20, 11–14), other (fractions: 1,5). English: one, other.
 */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const pluralRules = new Map<Lang, Intl.PluralRules>();

/** The CLDR plural category of n in the language: ru 1 → one, 3 → few, 11 → many, 1.5 → other. */
export function pluralCategory(n: number | bigint, lang: Lang): Intl.LDMLPluralRule {
  let rules = pluralRules.get(lang);
  if (!rules) pluralRules.set(lang, (rules = new Intl.PluralRules(LOCALE[lang])));
  // Plural rules of both languages look at most at the last two digits of a whole number.
  const x = typeof n === 'bigint' ? Number((n < 0n ? -n : n) % 100n) + (n >= 100n || n <= -100n ? 100 : 0) : Math.abs(n);
  return rules.select(x);
}

/** The form of the noun after n: plural(21, 'ru', {one: 'символ', few: 'символа', many: 'символов', other: 'символа'}). */
export function plural(n: number | bigint, lang: Lang, forms: PluralForms): string {
  return forms[pluralCategory(n, lang)] ?? forms.other;
}

/** A number and its noun: "52 символа", "1 day", "21 минута". */
export function formatCount(n: number, lang: Lang, forms: PluralForms): string {
  return `${formatNumber(n, lang)}\u00a0${plural(n, lang, forms)}`;
}

/* ---------- numbers and money ---------- */

const numberFormats = new Map<string, Intl.NumberFormat>();

function nf(lang: Lang, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${lang}:${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(LOCALE[lang], options)));
  return f;
}

/** 1234.5 → "1 234,5" (ru) / "1,234.5" (en); at most `maxFraction` decimals, none added. */
export function formatNumber(n: number, lang: Lang, maxFraction = 2): string {
  return nf(lang, { maximumFractionDigits: maxFraction }).format(n);
}

export interface MoneyOptions {
  /** 'always' (default): "100,00 ₽"; 'auto': kopecks only when there are any, "100 ₽" but "3,50 ₽". */
  kopecks?: 'always' | 'auto';
}

/**
 * Kopecks as money: 12345 → "123,45 ₽" / "RUB 123.45"; with kopecks 'auto', 10000 → "100 ₽" /
 * "RUB 100". Russian groups thousands with a no-break space and ends with "₽" after a no-break
 * space; English writes the currency code first. A negative amount starts with "-".
 */
export function formatMoney(kopecks: number, lang: Lang, options: MoneyOptions = {}): string {
  if (!Number.isSafeInteger(kopecks)) throw new RangeError(`money must be an integer of minor units, got ${kopecks}`);
  const abs = Math.abs(kopecks);
  const digits = options.kopecks === 'auto' && abs % 100 === 0 ? 0 : 2;
  // Integer arithmetic first, so the number handed to Intl has an exact two-digit fraction.
  const n = nf(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(abs / 100);
  const sign = kopecks < 0 ? '-' : '';
  return lang === 'ru' ? `${sign}${n}\u00a0₽` : `${sign}RUB ${n}`;
}

/** A price on a screen: whole roubles without kopecks ("100 ₽", "3,50 ₽"). */
export function formatPrice(kopecks: number, lang: Lang): string {
  return formatMoney(kopecks, lang, { kopecks: 'auto' });
}

/* ---------- percentages ---------- */

export interface PercentOptions {
  /** Decimals shown, 1 by default: "−34,9 %". */
  fraction?: number;
  /** Show "+" on growth (a change from last month), default false. */
  signed?: boolean;
}

/**
 * A ratio as a percentage: −0.349 → "−34,9 %" (ru, a true minus sign and a no-break space, as
 * Russian typography has it) / "-34.9%" (en).
 */
export function formatPercent(ratio: number, lang: Lang, options: PercentOptions = {}): string {
  const fraction = options.fraction ?? 1;
  const s = nf(lang, { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: fraction, signDisplay: options.signed ? 'exceptZero' : 'auto' }).format(ratio);
  return lang === 'ru' ? s.replace('-', '\u2212') : s;
}

/* ---------- data volumes ---------- */

const KB = 1024;
const MB = KB * 1024;
const GB = MB * 1024;

/**
 * Bytes as the subscriber's data: "1,6 МБ", "2 ГБ", "512 КБ" / "1.6 MB". Binary units (1 МБ =
 * 1024 КБ), as operators count traffic. Below 10 of a unit one decimal is shown, above none; a
 * non-zero volume never reads as zero: it falls to the smaller unit instead ("12 КБ", "300 Б").
 */
export function formatBytes(bytes: number, lang: Lang): string {
  if (!Number.isFinite(bytes)) throw new RangeError(`not a volume: ${bytes}`);
  const b = Math.max(0, Math.round(bytes));
  if (b < KB) return lang === 'ru' ? `${formatNumber(b, lang, 0)}\u00a0Б` : `${formatNumber(b, lang, 0)}\u00a0B`;
  const units = [
    [KB, 'kilobyte'],
    [MB, 'megabyte'],
    [GB, 'gigabyte'],
  ] as const;
  let i = b >= GB ? 2 : b >= MB ? 1 : 0;
  const shown = (k: number) => {
    const v = b / units[k]![0];
    const fraction = v < 10 ? 1 : 0;
    return { v, fraction, rounded: Math.round(v * 10 ** fraction) / 10 ** fraction };
  };
  // 1023,9 МБ would round to "1 024 МБ": say "1 ГБ" instead.
  if (i < 2 && shown(i).rounded >= 1024) i++;
  const { v, fraction } = shown(i);
  // The number and its unit are never parted on a line: a no-break space between them, in both languages.
  return nf(lang, { style: 'unit', unit: units[i]![1], unitDisplay: 'short', maximumFractionDigits: fraction }).format(v).replace(/\s/g, '\u00a0');
}

/** Megabytes (a bundle size in the catalogue) as a volume: 1536 → "1,5 ГБ", 500 → "500 МБ". */
export function formatMegabytes(mb: number, lang: Lang): string {
  return formatBytes(mb * MB, lang);
}

/* ---------- dates and times ---------- */

export type DateForm =
  /** "7 декабря 2026 г." / "7 December 2026" */
  | 'long'
  /** "07.12.2026" / "07/12/2026" */
  | 'short'
  /** "7 дек." / "7 Dec": a day on a chart axis */
  | 'dayMonth'
  /** "дек. 2026" / "Dec 2026": a month on a chart axis */
  | 'monthYear'
  /** "декабрь 2026 г." / "December 2026": a month as a title */
  | 'month';

const DATE_OPTIONS: Record<DateForm, Intl.DateTimeFormatOptions> = {
  long: { day: 'numeric', month: 'long', year: 'numeric' },
  short: { day: '2-digit', month: '2-digit', year: 'numeric' },
  dayMonth: { day: 'numeric', month: 'short' },
  monthYear: { month: 'short', year: 'numeric' },
  month: { month: 'long', year: 'numeric' },
};

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function df(lang: Lang, tz: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}:${tz}:${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(LOCALE[lang], { ...options, timeZone: tz })));
  return f;
}

function toDate(at: Date | string | number): Date {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date: ${String(at)}`);
  return d;
}

/**
 * A date in the subscriber's time zone. A bare calendar date ("2026-12-07") is read as that day
 * whatever the zone, never shifted to the day before.
 */
export function formatDate(at: Date | string | number, lang: Lang, tz = 'Europe/Moscow', form: DateForm = 'long'): string {
  const bareDay = typeof at === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(at);
  const d = bareDay ? new Date(`${at}T12:00:00Z`) : toDate(at);
  return df(lang, bareDay ? 'UTC' : tz, DATE_OPTIONS[form]).format(d);
}

/** A time of day on the 24-hour clock: "15:42" (both languages: the operator's region reads 24 hours). */
export function formatTime(at: Date | string | number, lang: Lang, tz = 'Europe/Moscow'): string {
  return df(lang, tz, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(toDate(at));
}

/** Date and time: "7 декабря 2026 г., 15:42" / "7 December 2026 at 15:42". */
export function formatDateTime(at: Date | string | number, lang: Lang, tz = 'Europe/Moscow'): string {
  return df(lang, tz, { ...DATE_OPTIONS.long, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(toDate(at));
}

/** Hours and minutes of a moment on the wall clock of a zone: for speaking a time of day. */
export function clockOf(at: Date | string | number, tz = 'Europe/Moscow'): { hour: number; minute: number } {
  const parts = df('en', tz, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(toDate(at));
  return { hour: Number(parts.find((p) => p.type === 'hour')?.value ?? 0), minute: Number(parts.find((p) => p.type === 'minute')?.value ?? 0) };
}
