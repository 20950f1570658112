import type { Lang } from '../../domain/shared/context.ts';

/** Every word the USSD menus say, Russian and English. Latin script is the Russian transliterated. */
export interface Texts {
  notServed: string;
  unknownCode: string;
  expired: string;
  invalid: string;
  empty: string;
  unavailable: string;
  next: string;
  back: string;
  cancel: string;
  confirm: string;
  root: string[];
  services: string[];
  subscriptions: string[];
  tariff: string[];
  settings: string[];
  /** Alerts screen: each option names the setting and its state now (packages on, the threshold or null, digest, night). */
  alerts: (packages: boolean, low: string | null, digest: boolean, night: boolean) => string[];
  alertsLowEnter: string;
  /** Caps screen: each option names the cap and its value now (monthly or null, roaming, data hard cap). */
  caps: (monthly: string | null, roaming: string, dataHard: boolean) => string[];
  capsEnter: string;
  /** The "continue for N ₽" item of the caps menu, while the data hard cap is on. */
  capsLift: (price: string) => string;
  confirmLift: (price: string, today: string) => string;
  lifted: string;
  capsState: (monthly: string | null, roaming: string, dataHard: boolean) => string;
  /** The alert settings in a line, after a change. */
  alertsState: (packages: boolean, low: string | null, digest: boolean, night: boolean) => string;
  languages: string[];
  nothingConnected: string;
  nothingAvailable: string;
  nothingPaid: string;
  connectedTitle: string;
  chooseToConnect: string;
  chooseToDisable: string;
  paidTitle: (monthly: string) => string;
  /** A product's offer: its statement of price, then what is charged now (each a whole sentence). */
  confirmConnect: (name: string, price: string, today: string) => string;
  confirmDisable: (name: string, price: string) => string;
  connected: (name: string, charged: string) => string;
  disabled: (name: string) => string;
  currentTariff: (name: string, fee: string, next: string | null) => string;
  chooseTariff: string;
  confirmTariff: (name: string, price: string, today: string, dropped: string[]) => string;
  tariffChanged: (name: string, charged: string) => string;
  balance: (money: string, minutes: number, sms: number, data: string) => string;
  /** In roaming: where, and this month's roaming spending against the cap. */
  roamingLine: (country: string, spent: string, cap: string) => string;
  promisedTitle: (days: number) => string;
  promisedOption: (amount: string, price: string) => string;
  promisedOther: (min: string, max: string) => string;
  promisedEnter: (min: string, max: string) => string;
  /** *788#: the friend locator's prompt. */
  locatorEnter: string;
  /** After an answer that cost money. */
  charged: (amount: string) => string;
  /** `price`: the statement of a request's price; null when free, `included` names the product that includes it. */
  locatorConfirm: (msisdn: string, price: string | null, included: string | null) => string;
  /** *770#: ringback tones. */
  rbTitle: string;
  rbPlaying: string;
  rbStop: string;
  rbConfirmSet: (name: string) => string;
  rbConfirmBuy: (name: string, price: string, today: string) => string;
  rbSet: (name: string) => string;
  rbStopped: string;
  /** *770# with the service held by the company's spending limit (one UCS-2 page). */
  rbHeld: string;
  promisedActive: (amount: string, due: string) => string;
  confirmPromised: (amount: string, days: number, price: string, today: string) => string;
  promisedTaken: (amount: string, fee: string, due: string) => string;
  bonusTitle: (points: number) => string;
  rewardOption: (name: string, cost: number) => string;
  confirmReward: (name: string, cost: number) => string;
  rewardTaken: (name: string, left: number) => string;
  /** Sharing: how much to give (its bounds and what is left), whom to, the confirmation, the result. */
  shareHow: (min: string, max: string, left: string) => string;
  shareTo: string;
  confirmShare: (what: string, to: string, price: string, today: string, days: string) => string;
  shared: (what: string, to: string, until: string) => string;
  /** *111*976#: the family group — the head's prompt for a number to invite, a member's view, the confirmation, the result. */
  familyEnter: (members: string, max: number) => string;
  familyMember: (head: string) => string;
  familyConfirm: (to: string) => string;
  familyInvited: (to: string) => string;
  appLinkSent: string;
  scriptCyrillic: string;
  scriptLatin: string;
  languageSet: string;
}

const ru: Texts = {
  notServed: 'Номер не обслуживается',
  unknownCode: 'Неизвестный код. Наберите *111#',
  expired: 'Сеанс истёк, начните заново',
  invalid: 'Неверный выбор',
  empty: 'Введите номер пункта',
  unavailable: 'Сервис временно недоступен',
  next: '00 Далее',
  back: '0 Назад',
  cancel: '0 Отмена',
  confirm: 'Подтвердить',
  root: ['Приложение (SMS)', 'Услуги и опции', 'Подписки', 'Тариф', 'Баланс', 'Настройки', 'Обещанный платёж', 'Бонусы'],
  services: ['Подключённые', 'Подключить', 'Отключить'],
  subscriptions: ['Мои подписки', 'Подключить'],
  tariff: ['Мой тариф', 'Сменить тариф'],
  settings: ['Кириллица', 'Латиница (Latin)', 'Язык / Language', 'Оповещения', 'Лимиты расходов'],
  alerts: (p, low, d, night) => [`Пакеты: ${p ? 'вкл' : 'выкл'}`, `Порог: ${low ?? 'выкл'}`, `Сводка: ${d ? 'вкл' : 'выкл'}`, `Ночью: ${night ? 'да' : 'нет'}`],
  alertsState: (p, low, d, night) => `Оповещения: пакеты ${p ? 'вкл' : 'выкл'}, порог ${low ?? 'выкл'}, сводка ${d ? 'вкл' : 'выкл'}, ночью ${night ? 'да' : 'нет'}`,
  alertsLowEnter: 'Порог баланса в рублях (0 — выключить):',
  caps: (m, r, d) => [`В месяц: ${m ?? 'нет'}`, `Роуминг: ${r}`, `Интернет сверх пакета: ${d ? 'нет' : 'да'}`],
  capsEnter: 'Лимит в рублях (0 — без лимита):',
  capsLift: (p) => `Продолжить интернет за ${p}`,
  confirmLift: (p, today) => `Интернет сверх пакета до конца месяца: ${p}. ${today}.`,
  lifted: 'Интернет сверх пакета разрешён до конца месяца.',
  capsState: (m, r, d) => `Лимиты: в месяц ${m ?? 'нет'}, роуминг ${r}, интернет сверх пакета ${d ? 'нет' : 'да'}`,
  languages: ['Русский', 'English'],
  nothingConnected: 'Ничего не подключено',
  nothingAvailable: 'Нет доступных услуг',
  nothingPaid: 'Платных услуг нет',
  connectedTitle: 'Подключено:',
  chooseToConnect: 'Подключить:',
  chooseToDisable: 'Отключить:',
  paidTitle: (m) => `Платные, ${m}/мес:`,
  confirmConnect: (n, p, now) => `«${n}»: ${p}. ${now}.`,
  confirmDisable: (n, p) => `Отключить «${n}» (${p})?`,
  connected: (n, c) => `«${n}» подключено. Списано ${c}`,
  disabled: (n) => `«${n}» отключено`,
  currentTariff: (n, f, next) => `Тариф «${n}», ${f}${next ? `. Следующее списание ${next}` : ''}`,
  chooseTariff: 'Сменить на:',
  confirmTariff: (n, p, now, d) => `Тариф «${n}»: ${p}. ${now}.${d.length ? ` Отключатся: ${d.join(', ')}.` : ''}`,
  tariffChanged: (n, c) => `Тариф «${n}» подключён. Списано ${c}`,
  balance: (m, min, sms, data) => `Баланс ${m}\nМинуты: ${min}\nSMS: ${sms}\nИнтернет: ${data}`,
  roamingLine: (c, spent, cap) => `Роуминг: ${c}, ${spent} из ${cap}`,
  promisedTitle: (d) => `Обещанный платёж на ${d} дн.:`,
  promisedOption: (a, p) => `${a}: ${p}`,
  promisedOther: (min, max) => `Другая сумма (${min}–${max})`,
  promisedEnter: (min, max) => `Введите сумму в рублях, от ${min} до ${max}`,
  locatorEnter: 'Где друг: введите его номер, например 79001234567',
  charged: (c) => `Списано ${c}.`,
  locatorConfirm: (n, p, inc) => `Определить, где ${n}? ${p ? `Запрос: ${p}` : inc ? `Бесплатно: входит в «${inc}»` : 'Бесплатно'}`,
  rbTitle: 'Гудок. Мелодии:',
  rbPlaying: 'играет',
  rbStop: 'Выключить мелодии',
  rbConfirmSet: (n) => `Поставить «${n}» для всех звонящих? Бесплатно`,
  rbConfirmBuy: (n, p, now) => `«${n}»: ${p}. ${now}.`,
  rbSet: (n) => `Теперь все звонящие слышат «${n}»`,
  rbStopped: 'Мелодии выключены: звонящие слышат обычные гудки',
  rbHeld: 'Гудок приостановлен компанией. Вернуть его может администратор договора',
  promisedActive: (a, d) => `Обещанный платёж ${a} до ${d}`,
  confirmPromised: (a, d, p, now) => `Обещанный платёж ${a} на ${d} дн.: ${p}. ${now}.`,
  promisedTaken: (a, f, d) => `Зачислено ${a} до ${d}. Комиссия ${f}`,
  bonusTitle: (p) => `Баллов: ${p}. Обменять на:`,
  rewardOption: (n, c) => `${n} — ${c} б.`,
  confirmReward: (n, c) => `«${n}» за ${c} баллов?`,
  rewardTaken: (n, l) => `«${n}» получено. Осталось баллов: ${l}`,
  shareHow: (min, max, left) => `Сколько подарить? От ${min} до ${max}, у вас осталось ${left}.`,
  shareTo: 'Номер получателя, 11 цифр (79XXXXXXXXX):',
  confirmShare: (what, to, price, today, days) => `Подарить ${what} на ${to}? Плата ${price}. ${today}. Подарок действует ${days}.`,
  shared: (what, to, until) => `Подарено ${what} на ${to}, действует до ${until}. Получателю отправлено SMS.`,
  familyEnter: (n, max) => `Семья: ${n} из ${max}. Пригласить: номер, 11 цифр (79XXXXXXXXX):`,
  familyMember: (head) => `Вы в семейной группе номера ${head}`,
  familyConfirm: (to) => `Пригласить ${to} в семейную группу? Бесплатно`,
  familyInvited: (to) => `Приглашение отправлено на ${to}. Вступить: ответить ДА за 24 часа`,
  appLinkSent: 'Ссылка на приложение отправлена в SMS',
  scriptCyrillic: 'Меню на кириллице',
  scriptLatin: 'Меню на латинице',
  languageSet: 'Язык: русский',
};

const en: Texts = {
  notServed: 'This number is not served',
  unknownCode: 'Unknown code. Dial *111#',
  expired: 'Session expired, starting again',
  invalid: 'Invalid choice',
  empty: 'Enter an option number',
  unavailable: 'Service unavailable, try later',
  next: '00 Next',
  back: '0 Back',
  cancel: '0 Cancel',
  confirm: 'Confirm',
  root: ['App (SMS link)', 'Services & options', 'Subscriptions', 'Tariff', 'Balance', 'Settings', 'Promised payment', 'Bonuses'],
  services: ['Connected', 'Connect', 'Disable'],
  subscriptions: ['My subscriptions', 'Subscribe'],
  tariff: ['My tariff', 'Change tariff'],
  settings: ['Cyrillic', 'Latin', 'Язык / Language', 'Alerts', 'Spending caps'],
  alerts: (p, low, d, night) => [`Packages 80/100%: ${p ? 'on' : 'off'}`, `Low balance: ${low ?? 'off'}`, `Daily digest: ${d ? 'on' : 'off'}`, `At night: ${night ? 'yes' : 'no'}`],
  alertsState: (p, low, d, night) => `Alerts: packages ${p ? 'on' : 'off'}, low balance ${low ?? 'off'}, digest ${d ? 'on' : 'off'}, at night ${night ? 'yes' : 'no'}`,
  alertsLowEnter: 'Low balance threshold in roubles (0 turns it off):',
  caps: (m, r, d) => [`Monthly: ${m ?? 'none'}`, `Roaming: ${r}`, `Data beyond packages: ${d ? 'no' : 'yes'}`],
  capsEnter: 'Cap in roubles (0: none):',
  capsLift: (p) => `Continue data for ${p}`,
  confirmLift: (p, today) => `Data beyond the packages until the month ends: ${p}. ${today}.`,
  lifted: 'Data beyond the packages is allowed until the month ends.',
  capsState: (m, r, d) => `Caps: monthly ${m ?? 'none'}, roaming ${r}, data beyond packages ${d ? 'no' : 'yes'}`,
  languages: ['Русский', 'English'],
  nothingConnected: 'Nothing connected',
  nothingAvailable: 'Nothing available',
  nothingPaid: 'No paid services',
  connectedTitle: 'Connected:',
  chooseToConnect: 'Connect:',
  chooseToDisable: 'Disable:',
  paidTitle: (m) => `Paid, ${m}/month:`,
  confirmConnect: (n, p, now) => `"${n}": ${p}. ${now}.`,
  confirmDisable: (n, p) => `Disable "${n}" (${p})?`,
  connected: (n, c) => `"${n}" connected. Charged ${c}`,
  disabled: (n) => `"${n}" disabled`,
  currentTariff: (n, f, next) => `Tariff "${n}", ${f}${next ? `. Next charge ${next}` : ''}`,
  chooseTariff: 'Change to:',
  confirmTariff: (n, p, now, d) => `Tariff "${n}": ${p}. ${now}.${d.length ? ` Disables: ${d.join(', ')}.` : ''}`,
  tariffChanged: (n, c) => `Tariff "${n}" is on. Charged ${c}`,
  balance: (m, min, sms, data) => `Balance ${m}\nMinutes: ${min}\nSMS: ${sms}\nData: ${data}`,
  roamingLine: (c, spent, cap) => `Roaming: ${c}, ${spent} of ${cap}`,
  promisedTitle: (d) => `Promised payment for ${d} days:`,
  promisedOption: (a, p) => `${a}: ${p}`,
  promisedOther: (min, max) => `Other amount (${min}-${max})`,
  promisedEnter: (min, max) => `Type the amount in roubles, ${min} to ${max}`,
  locatorEnter: "Friend locator: type your friend's number, e.g. 79001234567",
  charged: (c) => `Charged ${c}.`,
  locatorConfirm: (n, p, inc) => `Locate ${n}? ${p ? `Request: ${p}` : inc ? `Free: included in "${inc}"` : 'Free of charge'}`,
  rbTitle: 'Ringback melodies:',
  rbPlaying: 'playing',
  rbStop: 'Turn melodies off',
  rbConfirmSet: (n) => `Set "${n}" for every caller? Free of charge`,
  rbConfirmBuy: (n, p, now) => `"${n}": ${p}. ${now}.`,
  rbSet: (n) => `All callers now hear "${n}"`,
  rbStopped: 'Melodies are off: callers hear ordinary ringing',
  rbHeld: "Ringback is suspended by your company: the number's spending limit is reached. Your contract's administrator can bring it back",
  promisedActive: (a, d) => `Promised payment ${a} due ${d}`,
  confirmPromised: (a, d, p, now) => `Promised payment ${a} for ${d} days: ${p}. ${now}.`,
  promisedTaken: (a, f, d) => `${a} credited, due ${d}. Fee ${f}`,
  bonusTitle: (p) => `Points: ${p}. Exchange for:`,
  rewardOption: (n, c) => `${n} - ${c} pts`,
  confirmReward: (n, c) => `"${n}" for ${c} points?`,
  rewardTaken: (n, l) => `"${n}" received. Points left: ${l}`,
  shareHow: (min, max, left) => `How much to give? From ${min} to ${max}; you have ${left} left.`,
  shareTo: "Recipient's number, 11 digits (79XXXXXXXXX):",
  confirmShare: (what, to, price, today, days) => `Give ${what} to ${to}? Fee ${price}. ${today}. The gift lasts ${days}.`,
  shared: (what, to, until) => `${what} given to ${to}, valid until ${until}. The recipient has been told by SMS.`,
  familyEnter: (n, max) => `Family: ${n} of ${max}. To invite, type a number, 11 digits (79XXXXXXXXX):`,
  familyMember: (head) => `You are in the family group of ${head}`,
  familyConfirm: (to) => `Invite ${to} into your family group? Free of charge`,
  familyInvited: (to) => `Invitation sent to ${to}: they join by replying YES within 24 hours`,
  appLinkSent: 'The app link is on its way by SMS',
  scriptCyrillic: 'Menus in Cyrillic',
  scriptLatin: 'Menus in Latin',
  languageSet: 'Language: English',
};

export const texts: Record<Lang, Texts> = { ru, en };

/** Short money for small screens: "2,50 ₽", "550 ₽" (ru); "RUB 2.50", "RUB 550" (en). */
export function shortMoney(minor: number, lang: Lang): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const units = Math.floor(abs / 100);
  const kop = abs % 100;
  if (lang === 'ru') return `${sign}${units}${kop ? `,${String(kop).padStart(2, '0')}` : ''} ₽`;
  return `${sign}RUB ${units}${kop ? `.${String(kop).padStart(2, '0')}` : ''}`;
}
