import type { Lang } from './i18n.ts';

export type Named = { ru: string; en: string };

/** The BCP 47 locale of a language of the app: every number, date and plural goes through `Intl` with it. */
export const locale = (lang: Lang): string => (lang === 'ru' ? 'ru-RU' : 'en-GB');

export const named = (n: Named | string | null | undefined, lang: Lang): string => (n == null ? '' : typeof n === 'string' ? n : n[lang]);

/**
 * A phone number as people read it, one way everywhere (the same as the PDF report and SMS):
 * `+7 925 335-12-45`; any other number of digits as `+` and the digits; anything else (a short
 * code, a name) as it is.
 */
export function phoneNumber(msisdn: string): string {
  const m = /^7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(msisdn);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : /^\d{11,15}$/.test(msisdn) ? `+${msisdn}` : msisdn;
}

/** Kopecks as money text. Display only: amounts are integers everywhere else. */
export function money(kopecks: number, lang: Lang): string {
  return new Intl.NumberFormat(locale(lang), { style: 'currency', currency: 'RUB', minimumFractionDigits: kopecks % 100 === 0 ? 0 : 2 }).format(kopecks / 100);
}

/**
 * An amount in rubles as people type it, in either language → kopecks as an integer, or null when
 * it is not an amount. Digits may be grouped by thousands with a space (also no-break and narrow
 * no-break, as Intl writes them), an apostrophe, or — in English — a comma: "1 000,50", "1 500",
 * "1,500.50"; the decimal mark is "," or "." with one or two digits; a trailing "₽", "руб." or
 * "RUB" is allowed. No floating point.
 */
export function parseRubles(text: string): number | null {
  const t = text
    .trim()
    .replace(/\s*(₽|руб\.?|р\.|rub)$/i, '')
    .replace(/^(₽|rub)\s*/i, '');
  // Grouped thousands: "1 000", "1'000", "1,000" (a comma before exactly three digits and then the end or a dot).
  const m = /^(\d{1,3}(?:[ \u00a0\u202f'](\d{3}))+|\d{1,3}(?:,\d{3})+(?=$|\.)|\d{1,9})(?:[.,](\d{1,2}))?$/.exec(t);
  if (!m) return null;
  const whole = m[1]!.replace(/[^\d]/g, '');
  if (whole.length > 7) return null;
  const kop = Number(whole) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return kop > 0 ? kop : null;
}

let displayZone: string | undefined;

/**
 * The one zone every time is shown in: the number's region for a subscriber (set from the profile
 * on login), the company's for the business portal; the device's own until one is set.
 */
export function setDisplayZone(tz: string | undefined): void {
  displayZone = tz;
}

const deviceZone = (): string | undefined => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
};

/**
 * A moment as a date and time in the display zone: «7 дек. 2026 г., 07:30». Where the device is
 * in another zone, and so the time could be mistaken for the device's, the zone is named:
 * «7 дек. 2026 г., 07:30 GMT+10».
 */
export function dateTime(iso: string, lang: Lang): string {
  const at = new Date(iso);
  const text = new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium', timeStyle: 'short', ...(displayZone ? { timeZone: displayZone } : {}) }).format(at);
  if (!displayZone || displayZone === deviceZone()) return text;
  const zone = new Intl.DateTimeFormat(locale(lang), { timeZone: displayZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
  return zone ? `${text} ${zone}` : text;
}

/** A calendar month given as `2026-11`: «ноябрь 2026 г.», "November 2026". */
export function monthName(period: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${period}-01T00:00:00Z`));
}

/** A moment's date in the display zone (see `dateTime`). */
export function dateOnly(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium', ...(displayZone ? { timeZone: displayZone } : {}) }).format(new Date(iso));
}

/** A calendar day given as `2027-01-07` (already the region's day): «7 янв. 2027 г.», "7 Jan 2027", whatever the device's zone. */
export function dayDate(date: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

const VOLUME_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/**
 * A data volume in the largest unit it reaches (1 КБ = 1024 Б, as tariffs count it), one decimal
 * below 100: 1 648 764 bytes are «1,6 МБ» in Russian and "1.6 MB" in English.
 */
export function volume(bytes: number, lang: Lang): string {
  let i = 0;
  let v = Math.max(0, bytes);
  while (v >= 1024 && i < VOLUME_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return new Intl.NumberFormat(locale(lang), { style: 'unit', unit: VOLUME_UNITS[i], unitDisplay: 'short', maximumFractionDigits: v < 100 ? 1 : 0 }).format(v);
}

/** A change given in percent (−34.9 for −34.9 %), signed, one decimal: «-34,9 %», "-34.9%", «+5 %». */
export function percent(value: number, lang: Lang): string {
  return new Intl.NumberFormat(locale(lang), { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(value / 100);
}

/** A calendar day given as `2026-11-09`, short, for a chart or a table: «9 нояб.», "9 Nov". */
export function dayLabel(date: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/** A calendar month given as `2026-11`, short: «нояб. 2026», "Nov 2026" (without the Russian «г.»). */
export function monthLabel(period: string, lang: Lang): string {
  const parts = new Intl.DateTimeFormat(locale(lang), { month: 'short', year: 'numeric', timeZone: 'UTC' }).formatToParts(new Date(`${period}-01T00:00:00Z`));
  const year = parts.findIndex((p) => p.type === 'year');
  return parts
    .slice(0, year + 1)
    .map((p) => p.value)
    .join('');
}

/** A calendar month given as `2026-11`, the month alone, short: «нояб.», "Nov". */
export function monthShort(period: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { month: 'short', timeZone: 'UTC' }).format(new Date(`${period}-01T00:00:00Z`));
}

/** The plural form a count takes in a language (Intl.PluralRules): 52 → 'few' («52 символа»), 55 → 'many'. */
export type PluralForm = 'one' | 'few' | 'many' | 'other';
export function pluralForm(n: number, lang: Lang): PluralForm {
  const f = new Intl.PluralRules(locale(lang)).select(n);
  return f === 'one' || f === 'few' || f === 'many' ? f : 'other';
}

export function isoDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const LAST = 'abonent.lastBalance';
export interface LastBalance {
  msisdn: string;
  balance: number;
  asOf: string;
}
export function saveLastBalance(b: LastBalance): void {
  try {
    localStorage.setItem(LAST, JSON.stringify(b));
  } catch {
    /* private mode: nothing to remember */
  }
}
export function lastBalance(): LastBalance | null {
  try {
    const v = localStorage.getItem(LAST);
    return v ? (JSON.parse(v) as LastBalance) : null;
  } catch {
    return null;
  }
}
export function forgetLastBalance(): void {
  try {
    localStorage.removeItem(LAST);
  } catch {
    /* nothing */
  }
}
