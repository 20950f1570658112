import { formatMoney, type Lang } from '../../text/format.ts';
import type { Rates } from '../catalog/schema.ts';

const names = { ru: new Intl.DisplayNames(['ru'], { type: 'region' }), en: new Intl.DisplayNames(['en'], { type: 'region' }) };

/** The country's name in the language: "Турция" / "Turkey". */
export function countryName(code: string, lang: Lang): string {
  return names[lang].of(code) ?? code;
}

/** The welcome SMS on arrival abroad: what calls, SMS and data cost there, and the roaming cap. */
export function welcomeText(lang: Lang, w: { country: string; rates: Rates; roamingCap: number }): string {
  const m = (k: number) => formatMoney(Math.round(k), lang, { kopecks: 'auto' });
  return lang === 'ru'
    ? `Добро пожаловать: ${countryName(w.country, 'ru')}! Звонки — ${m(w.rates.roamingMinute)}/мин, SMS — ${m(w.rates.sms)}, интернет — ${m(w.rates.dataMb)}/МБ; пакеты по тарифу в роуминге не действуют. Лимит расходов в роуминге — ${m(w.roamingCap)} в месяц; изменить: ЛИМИТ РОУМИНГ <сумма> на 8111.`
    : `Welcome to ${countryName(w.country, 'en')}! Calls ${m(w.rates.roamingMinute)}/min, SMS ${m(w.rates.sms)}, data ${m(w.rates.dataMb)}/MB; your tariff's packages do not apply in roaming. Your roaming cap is ${m(w.roamingCap)} a month; to change it send CAP ROAMING <amount> to 8111.`;
}
