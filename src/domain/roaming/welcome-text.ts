import { smsParts } from '../../text/gsm7.ts';
import { formatMoney, type Lang } from '../../text/format.ts';
import type { Product, Rates, RoamingZone } from '../catalog/schema.ts';

const names = { ru: new Intl.DisplayNames(['ru'], { type: 'region' }), en: new Intl.DisplayNames(['en'], { type: 'region' }) };

/** The country's name in the language: "Турция" / "Turkey". */
export function countryName(code: string, lang: Lang): string {
  return names[lang].of(code) ?? code;
}

/** The parts a welcome SMS may take: the prices and the cap always, packages while they fit. */
export const WELCOME_MAX_PARTS = 5;

export interface Welcome {
  country: string;
  /** The country's zone, or null when the catalog has no zones (the tariff's roaming prices apply). */
  zone: RoamingZone | null;
  /** The prices roaming usage pays there (the zone's, or the tariff's). */
  rates: Rates;
  /** The zone's roaming packages the number may connect. */
  packages: Pick<Product, 'name' | 'fee' | 'smsKeyword'>[];
  roamingCap: number;
}

/**
 * The welcome SMS on arrival abroad: the country and its zone, what calls, SMS and data cost there,
 * the zone's packages with the SMS keyword that connects each (as many as fit in `WELCOME_MAX_PARTS`
 * parts; the rest are said to be in the app), and the roaming cap.
 */
export function welcomeText(lang: Lang, w: Welcome): string {
  const m = (k: number) => formatMoney(Math.round(k), lang, { kopecks: 'auto' });
  const ru = lang === 'ru';
  const where = ru
    ? `Добро пожаловать: ${countryName(w.country, 'ru')}${w.zone ? ` (зона «${w.zone.name.ru}»)` : ''}!`
    : `Welcome to ${countryName(w.country, 'en')}${w.zone ? ` (zone "${w.zone.name.en}")` : ''}!`;
  const prices = ru
    ? `Звонки — ${m(w.rates.roamingMinute)}/мин, SMS — ${m(w.rates.sms)}, интернет — ${m(w.rates.dataMb)}/МБ; пакеты по тарифу в роуминге не действуют.`
    : `Calls ${m(w.rates.roamingMinute)}/min, SMS ${m(w.rates.sms)}, data ${m(w.rates.dataMb)}/MB; home packages do not apply.`;
  const cap = ru
    ? `Лимит в роуминге — ${m(w.roamingCap)} в месяц; изменить: ЛИМИТ РОУМИНГ <сумма> на 8111.`
    : `Roaming cap ${m(w.roamingCap)} a month; to change it send CAP ROAMING <amount> to 8111.`;
  // Only packages with an SMS keyword are listed: the SMS is how a traveller connects one.
  const pack = (p: Welcome['packages'][number]) => `${p.smsKeyword} — ${p.name[lang]}, ${m(p.fee.amount)}`;
  const compose = (shown: Welcome['packages'], more: boolean) => {
    const head = ru ? 'Пакеты (SMS с кодом на 8111)' : 'Packages (SMS the code to 8111)';
    const list = shown.length ? `${head}: ${shown.map(pack).join('; ')}${more ? (ru ? '; другие — в приложении' : '; more in the app') : ''}.` : '';
    return [where, prices, list, cap].filter(Boolean).join(' ');
  };
  const packages = w.packages.filter((p) => p.smsKeyword);
  for (let n = packages.length; n > 0; n--) {
    const text = compose(packages.slice(0, n), n < packages.length);
    if (smsParts(text) <= WELCOME_MAX_PARTS) return text;
  }
  return compose([], false);
}
