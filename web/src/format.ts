import type { Lang } from './i18n.ts';

export type Named = { ru: string; en: string };

export const named = (n: Named | string | null | undefined, lang: Lang): string => (n == null ? '' : typeof n === 'string' ? n : n[lang]);

/** Kopecks as money text. Display only: amounts are integers everywhere else. */
export function money(kopecks: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { style: 'currency', currency: 'RUB', minimumFractionDigits: kopecks % 100 === 0 ? 0 : 2 }).format(kopecks / 100);
}

/** "150", "150,5", "150.50" → kopecks as an integer, or null when it is not an amount. No floating point. */
export function parseRubles(text: string): number | null {
  const m = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  const kop = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return kop > 0 ? kop : null;
}

export function dateTime(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** A calendar month given as `2026-11`: «ноябрь 2026 г.», "November 2026". */
export function monthName(period: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${period}-01T00:00:00Z`));
}

export function dateOnly(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'medium' }).format(new Date(iso));
}

export function gb(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(bytes >= 10 * 1024 ** 3 ? 0 : 1);
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
