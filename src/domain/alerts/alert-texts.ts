import { formatBytes, formatCount, formatDate, formatMoney, type Lang } from '../../text/format.ts';
import type { QuotaUnit } from '../subscribers/quotas.ts';

/** What an alert says, by kind; the params are what the store keeps with it. */
export type AlertParams =
  | { kind: 'low_balance'; balance: number; threshold: number }
  | { kind: 'package_80' | 'package_100'; unit: QuotaUnit; name: { ru: string; en: string }; remaining: number; periodEnd: string }
  | { kind: 'daily_digest'; day: string; spent: number; balance: number }
  | { kind: 'cap_spending' | 'cap_roaming' | 'cap_data' | 'cap_family'; cap: number };

const MINUTES = { ru: { one: 'минута', few: 'минуты', many: 'минут', other: 'минуты' }, en: { one: 'minute', other: 'minutes' } };
const SMS = { ru: { one: 'SMS', other: 'SMS' }, en: { one: 'SMS', other: 'SMS' } };
const THEN = {
  seconds: { ru: 'минуты дальше оплачиваются по тарифу', en: 'further minutes are charged at the tariff’s prices' },
  sms: { ru: 'SMS дальше оплачиваются по тарифу', en: 'further SMS are charged at the tariff’s prices' },
  bytes: { ru: 'интернет дальше оплачивается по тарифу', en: 'further data is charged at the tariff’s prices' },
} as const;

/** Where to add a package: the USSD menu "services → connect" and the app. */
const ADD_PACKAGE = { ru: 'Добавить пакет: *111*2*2# или в приложении.', en: 'Add a package: *111*2*2# or in the app.' };

function left(unit: QuotaUnit, n: number, lang: Lang): string {
  if (unit === 'bytes') return formatBytes(n, lang);
  if (unit === 'seconds') return formatCount(Math.floor(n / 60), lang, MINUTES[lang]);
  return formatCount(n, lang, SMS[lang]);
}

/**
 * The alert's words in one language. Each names what to do next: top up, add a package, or where
 * to see the detail. Dates are the number's region's.
 */
export function alertText(p: AlertParams, lang: Lang, tz: string): string {
  const ru = lang === 'ru';
  switch (p.kind) {
    case 'low_balance':
      return ru
        ? `Баланс ${formatMoney(p.balance, 'ru')} — ниже вашего порога ${formatMoney(p.threshold, 'ru', { kopecks: 'auto' })}. Пополните баланс в приложении, чтобы связь не прервалась.`
        : `Your balance is ${formatMoney(p.balance, 'en')}, below your ${formatMoney(p.threshold, 'en', { kopecks: 'auto' })} threshold. Top up in the app to stay connected.`;
    case 'package_80': {
      const until = formatDate(p.periodEnd, lang, tz, 'long');
      return ru
        ? `Использовано 80% пакета «${p.name.ru}»: осталось ${left(p.unit, p.remaining, 'ru')} до ${until}. ${ADD_PACKAGE.ru}`
        : `80% of "${p.name.en}" is used: ${left(p.unit, p.remaining, 'en')} left until ${until}. ${ADD_PACKAGE.en}`;
    }
    case 'package_100':
      return ru
        ? `Пакет «${p.name.ru}» израсходован: ${THEN[p.unit].ru}. ${ADD_PACKAGE.ru}`
        : `"${p.name.en}" is used up: ${THEN[p.unit].en}. ${ADD_PACKAGE.en}`;
    case 'cap_spending':
      return ru
        ? `Достигнут ваш лимит расходов ${formatMoney(p.cap, 'ru', { kopecks: 'auto' })} в месяц: платные звонки, SMS и интернет остановлены до конца месяца. Поднять лимит можно в приложении.`
        : `You have reached your spending cap of ${formatMoney(p.cap, 'en', { kopecks: 'auto' })} a month: paid calls, SMS and data are stopped until the month ends. You can raise the cap in the app.`;
    case 'cap_roaming':
      return ru
        ? `Достигнут лимит расходов в роуминге ${formatMoney(p.cap, 'ru', { kopecks: 'auto' })} в месяц: платная связь в роуминге остановлена. Поднять лимит можно в приложении.`
        : `You have reached your roaming cap of ${formatMoney(p.cap, 'en', { kopecks: 'auto' })} a month: paid roaming is stopped. You can raise the cap in the app.`;
    case 'cap_family':
      return ru
        ? `Достигнут месячный лимит расходов ${formatMoney(p.cap, 'ru', { kopecks: 'auto' })}, установленный главой семейной группы: платные звонки, SMS и интернет остановлены до конца месяца. Поднять лимит может глава группы.`
        : `You have reached the monthly spending limit of ${formatMoney(p.cap, 'en', { kopecks: 'auto' })} set by the head of your family group: paid calls, SMS and data are stopped until the month ends. The head can raise the limit.`;
    case 'cap_data':
      return ru
        ? `Интернет по пакетам закончился, и включён запрет интернета сверх пакета: интернет остановлен. ${ADD_PACKAGE.ru}`
        : `Your data packages are used up and data beyond them is switched off: data is stopped. ${ADD_PACKAGE.en}`;
    case 'daily_digest': {
      const day = formatDate(p.day, lang, tz, 'long');
      return ru
        ? `Расходы за ${day}: ${formatMoney(p.spent, 'ru')}. Баланс: ${formatMoney(p.balance, 'ru')}. Подробности — в детализации в приложении; пополнить баланс можно там же.`
        : `Spent on ${day}: ${formatMoney(p.spent, 'en')}. Balance: ${formatMoney(p.balance, 'en')}. See the detail in the app, where you can also top up.`;
    }
  }
}
