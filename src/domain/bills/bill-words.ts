import { DateTime } from 'luxon';
import type { Lang } from '../shared/context.ts';
import type { LineType } from './lines.ts';

export interface BillWords {
  title: (period: string) => string;
  onDemandTitle: (period: string) => string;
  onDemandNote: string;
  number: string;
  issued: string;
  period: string;
  localTime: (tz: string) => string;
  operator: string;
  inn: string;
  kpp: string;
  ogrn: string;
  customer: string;
  phoneNumber: string;
  contract: string;
  summary: string;
  opening: string;
  charges: string;
  credits: string;
  closing: string;
  chargesTitle: string;
  creditsTitle: string;
  byNumberTitle: string;
  columns: readonly [string, string, string];
  numberColumns: readonly [string, string, string];
  none: string;
  lines: Record<LineType, string>;
  page: (n: number, of: number) => string;
  /** The SMS with the bill's link. */
  sms: (period: string, closing: string, url: string) => string;
  /** The e-mail with the bill's link: its subject and text. */
  mailSubject: (period: string) => string;
  mailText: (period: string, number: string, closing: string, url: string) => string;
}

/** "November 2026" / "ноябрь 2026" for a `YYYY-MM` period. */
export function monthName(period: string, lang: Lang): string {
  return DateTime.fromFormat(period, 'yyyy-MM', { zone: 'UTC' }).setLocale(lang).toFormat('LLLL yyyy');
}

export const billWords: Record<Lang, BillWords> = {
  ru: {
    title: (p) => `Счёт за ${monthName(p, 'ru')} г.`,
    onDemandTitle: (p) => `Предварительный счёт за ${monthName(p, 'ru')} г.`,
    onDemandNote: 'Начисления на текущий момент. Это не выставленный счёт: суммы могут измениться до конца месяца.',
    number: 'Номер счёта',
    issued: 'Дата выставления',
    period: 'Расчётный период',
    localTime: (tz) => `Время местное (${tz})`,
    operator: 'Оператор',
    inn: 'ИНН',
    kpp: 'КПП',
    ogrn: 'ОГРН',
    customer: 'Абонент',
    phoneNumber: 'Номер телефона',
    contract: 'Договор',
    summary: 'Итоги периода',
    opening: 'Баланс на начало периода',
    charges: 'Начислено за услуги',
    credits: 'Платежи и корректировки',
    closing: 'Баланс на конец периода',
    chargesTitle: 'Начисления',
    creditsTitle: 'Платежи, возвраты и корректировки',
    byNumberTitle: 'По номерам',
    columns: ['Статья', 'Операций', 'Сумма'],
    numberColumns: ['Номер', 'Начислено', 'Платежи и корректировки'],
    none: 'Нет операций',
    lines: {
      tariff_fee: 'Абонентская плата по тарифу',
      product_fee: 'Пакеты и опции',
      content: 'Платный контент',
      usage_calls: 'Звонки',
      usage_sms: 'SMS и MMS',
      usage_internet: 'Мобильный интернет',
      usage_roaming: 'Роуминг',
      one_off: 'Разовые начисления',
      other_charge: 'Прочие начисления',
      payment: 'Платежи',
      refund: 'Возвраты платежей',
      adjustment: 'Корректировки',
      bonus: 'Бонусные баллы на баланс',
      promised_credit: 'Обещанный платёж',
      promised_repaid: 'Погашение обещанного платежа',
    },
    page: (n, of) => `Страница ${n} из ${of}`,
    sms: (p, closing, url) => `Счёт за ${monthName(p, 'ru')}: баланс на конец периода ${closing}. Скачать: ${url}`,
    mailSubject: (p) => `Счёт за ${monthName(p, 'ru')} г.`,
    mailText: (p, number, closing, url) =>
      [
        'Здравствуйте!',
        '',
        `Ваш счёт № ${number} за ${monthName(p, 'ru')} г. выставлен. Баланс на конец периода: ${closing}.`,
        '',
        `Открыть и скачать счёт (после входа в личный кабинет): ${url}`,
        '',
        'Это письмо отправлено автоматически, отвечать на него не нужно.',
      ].join('\n'),
  },
  en: {
    title: (p) => `Bill for ${monthName(p, 'en')}`,
    onDemandTitle: (p) => `Interim bill for ${monthName(p, 'en')}`,
    onDemandNote: 'Charges so far. This is not an issued bill: the amounts may change until the month ends.',
    number: 'Bill number',
    issued: 'Issued',
    period: 'Billing period',
    localTime: (tz) => `Local time (${tz})`,
    operator: 'Operator',
    inn: 'Taxpayer ID (INN)',
    kpp: 'KPP',
    ogrn: 'OGRN',
    customer: 'Customer',
    phoneNumber: 'Phone number',
    contract: 'Contract',
    summary: 'Summary',
    opening: 'Opening balance',
    charges: 'Charged for services',
    credits: 'Payments and adjustments',
    closing: 'Closing balance',
    chargesTitle: 'Charges',
    creditsTitle: 'Payments, refunds and adjustments',
    byNumberTitle: 'By number',
    columns: ['Item', 'Operations', 'Amount'],
    numberColumns: ['Number', 'Charged', 'Payments and adjustments'],
    none: 'No operations',
    lines: {
      tariff_fee: 'Tariff fees',
      product_fee: 'Packages and options',
      content: 'Paid content',
      usage_calls: 'Calls',
      usage_sms: 'SMS and MMS',
      usage_internet: 'Mobile internet',
      usage_roaming: 'Roaming',
      one_off: 'One-off charges',
      other_charge: 'Other charges',
      payment: 'Payments',
      refund: 'Payment refunds',
      adjustment: 'Adjustments',
      bonus: 'Bonus points to the balance',
      promised_credit: 'Promised payment',
      promised_repaid: 'Promised payment repaid',
    },
    page: (n, of) => `Page ${n} of ${of}`,
    sms: (p, closing, url) => `Your bill for ${monthName(p, 'en')}: closing balance ${closing}. Download: ${url}`,
    mailSubject: (p) => `Your bill for ${monthName(p, 'en')}`,
    mailText: (p, number, closing, url) =>
      [
        'Hello,',
        '',
        `Your bill No. ${number} for ${monthName(p, 'en')} has been issued. Closing balance: ${closing}.`,
        '',
        `Open and download the bill (after you log in to your account): ${url}`,
        '',
        'This message was sent automatically; there is no need to reply.',
      ].join('\n'),
  },
};
