import { DateTime } from 'luxon';
import type { Lang } from '../shared/context.ts';
import { formatMsisdn } from '../shared/msisdn.ts';
import type { UsageKind, UsageZone } from './detail.ts';
import type { SpendingCategory } from './get-spending.ts';

/** The words of a detail report in each language the subscriber may choose. */
export interface ReportWords {
  title: string;
  number: string;
  period: string;
  localTime: (tz: string) => string;
  generated: string;
  columns: readonly [string, string, string, string, string, string, string];
  kinds: Record<UsageKind, string>;
  zones: Record<UsageZone, string>;
  totalsTitle: string;
  totalsColumns: readonly [string, string, string, string, string];
  total: string;
  noRecords: string;
  chargesTitle: string;
  /** What a charge that is not a usage record was for. */
  categories: Record<SpendingCategory, string>;
  page: (n: number, of: number) => string;
  bytes: readonly [string, string, string, string];
}

export const reportWords: Record<Lang, ReportWords> = {
  ru: {
    title: 'Детализация услуг связи',
    number: 'Номер',
    period: 'Период',
    localTime: (tz) => `Время местное (${tz})`,
    generated: 'Сформирован',
    columns: ['Дата и время', 'Тип', 'Номер', 'Зона', 'Длительность / объём', 'Из пакета', 'Сумма, руб.'],
    kinds: { voice: 'Звонок', sms: 'SMS', mms: 'MMS', data: 'Интернет' },
    zones: { home: 'Домашний регион', intercity: 'Межгород', roaming: 'Роуминг' },
    totalsTitle: 'Итого за период',
    totalsColumns: ['Услуга', 'Количество', 'Длительность / объём', 'Из пакета', 'Сумма, руб.'],
    total: 'Всего начислено',
    noRecords: 'За период нет звонков, сообщений и интернета',
    chargesTitle: 'Абонентская плата, пакеты и разовые начисления',
    categories: { subscription: 'Абонентская плата', calls: 'Звонки', sms: 'Сообщения', internet: 'Интернет', content: 'Контент', roaming: 'Роуминг', one_off: 'Разовое начисление', other: 'Прочее' },
    page: (n, of) => `Страница ${n} из ${of}`,
    bytes: ['Б', 'КБ', 'МБ', 'ГБ'],
  },
  en: {
    title: 'Itemised usage report',
    number: 'Number',
    period: 'Period',
    localTime: (tz) => `Local time (${tz})`,
    generated: 'Generated',
    columns: ['Date and time', 'Type', 'Number', 'Zone', 'Duration / volume', 'From allowance', 'Amount, RUB'],
    kinds: { voice: 'Call', sms: 'SMS', mms: 'MMS', data: 'Internet' },
    zones: { home: 'Home region', intercity: 'Intercity', roaming: 'Roaming' },
    totalsTitle: 'Totals for the period',
    totalsColumns: ['Service', 'Count', 'Duration / volume', 'From allowance', 'Amount, RUB'],
    total: 'Total charged',
    noRecords: 'No calls, messages or internet in this period',
    chargesTitle: 'Fees, packages and one-off charges',
    categories: { subscription: 'Subscription fee', calls: 'Calls', sms: 'Messages', internet: 'Internet', content: 'Content', roaming: 'Roaming', one_off: 'One-off charge', other: 'Other' },
    page: (n, of) => `Page ${n} of ${of}`,
    bytes: ['B', 'KB', 'MB', 'GB'],
  },
};

/** What a charge was for, in the report's words: «Абонентская плата: Смарт». */
export function chargeLabel(c: { category: SpendingCategory; name: { ru: string; en: string } | null }, w: ReportWords, lang: Lang): string {
  return c.name ? `${w.categories[c.category]}: ${c.name[lang]}` : w.categories[c.category];
}

/** Kopecks as rubles with two decimals and no grouping, so a spreadsheet reads them as numbers. */
export function rubles(kopecks: number, mark: ',' | '.' = ','): string {
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return `${sign}${Math.floor(abs / 100)}${mark}${String(abs % 100).padStart(2, '0')}`;
}

/** Seconds as H:MM:SS. */
export function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** Bytes in the largest unit that keeps the number at least 1, two decimals past bytes. */
export function volume(bytes: number, units: ReportWords['bytes'], mark: ',' | '.' = ','): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} ${units[0]}` : `${value.toFixed(2).replace('.', mark)} ${units[unit]}`;
}

/** How much of a service a record (or a total) is: call time, messages, or traffic. */
export function quantity(kind: UsageKind, amount: number, words: ReportWords, mark: ',' | '.' = ','): string {
  if (kind === 'voice') return duration(amount);
  if (kind === 'data') return volume(amount, words.bytes, mark);
  return String(amount);
}

export function localDateTime(at: Date, tz: string): string {
  return DateTime.fromJSDate(at, { zone: tz }).toFormat('dd.MM.yyyy HH:mm:ss');
}

/** `2026-03-01` → `01.03.2026`. */
export function displayDate(isoDate: string): string {
  return isoDate.split('-').reverse().join('.');
}

/**
 * The other party of a record for a spreadsheet: a number written as everywhere else
 * (`+7 900 123-45-67`, see `formatMsisdn`); spaces and hyphens keep a spreadsheet from reading it
 * as a number (plain digits would turn into 7,9E+10). Anything else that starts like a formula —
 * a foreign number's bare `+49…` included — is neutralised with a leading apostrophe.
 */
export function counterpartForSheet(counterpart: string | null): string {
  if (!counterpart) return '';
  const text = formatMsisdn(counterpart);
  return /^\+7 \d{3} \d{3}-\d{2}-\d{2}$/.test(text) || !/^[=+\-@\t\r]/.test(text) ? text : `'${text}`;
}

/** The other party of a record for people to read. */
export function counterpartForPeople(counterpart: string | null): string {
  return counterpart ? formatMsisdn(counterpart) : '—';
}

/** The SMS notices about a detail report. */
export const reportSms = {
  accepted: (lang: Lang, from: string, to: string) =>
    lang === 'ru'
      ? `Заказ детализации за ${displayDate(from)}–${displayDate(to)} принят. Пришлём SMS, когда отчёт будет готов.`
      : `Your usage report for ${displayDate(from)}–${displayDate(to)} is ordered. We will text you when it is ready.`,
  ready: (lang: Lang, from: string, to: string) =>
    lang === 'ru'
      ? `Детализация за ${displayDate(from)}–${displayDate(to)} готова. Скачайте её в личном кабинете или в приложении.`
      : `Your usage report for ${displayDate(from)}–${displayDate(to)} is ready. Download it from your account or the app.`,
  failed: (lang: Lang, from: string, to: string) =>
    lang === 'ru'
      ? `Не удалось сформировать детализацию за ${displayDate(from)}–${displayDate(to)}. Пожалуйста, закажите её ещё раз.`
      : `We could not make your usage report for ${displayDate(from)}–${displayDate(to)}. Please order it again.`,
};
