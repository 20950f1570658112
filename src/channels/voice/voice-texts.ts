import type { Lang } from '../../domain/shared/context.ts';
import { errorMessage } from '../../domain/shared/error-messages.ts';
import type { ErrorCode } from '../../domain/shared/errors.ts';
import { enCardinal, ruCardinal, sayClock, sayCount, sayMoney } from '../../text/spoken.ts';

/** What the voice menu says, in Russian and English; numbers are already words here. */
export interface VoiceTexts {
  welcome: string;
  recorded: string;
  mainItems: string[];
  otherLanguage: string;
  repeat: string;
  back: string;
  toMain: string;
  noinput: string;
  nomatch: string;
  tooMany: string;
  bye: string;
  notServed: string;
  unavailable: string;
  balance(money: string, asOf: string): string;
  remaining(parts: string[]): string;
  paymentsKey: string;
  payByCardKey: string;
  askAmount(min: string, max: string): string;
  card(brand: string, last4: string, key: number): string;
  noCards: string;
  newCardKey: string;
  askCardNumber: string;
  badCardNumber: string;
  askExpiry: string;
  badExpiry: string;
  confirmPay(money: string, last4: string): string;
  confirmKey: string;
  cancelKey: string;
  paid(money: string, balance: string): string;
  promisedTitle(days: string): string;
  /** `price`: statePrice(option facts, lang, 'speech'). */
  promisedOption(money: string, price: string, key: number): string;
  promisedLeft(money: string): string;
  /** `price` and `charged`: statePrice / stateChargedToday of the option's facts, in speech. */
  confirmPromised(money: string, price: string, days: string, charged: string): string;
  acceptKey: string;
  promisedTaken(money: string, fee: string, days: string): string;
  /** `fee`: statePrice of what the plan costs per period, or null when it costs nothing. */
  tariff(name: string, fee: string | null): string;
  changeTariffKey: string;
  tariffsTitle: string;
  noTariffs: string;
  offersTitle: string;
  noOffers: string;
  free: string;
  /** A catalog item that may be picked: its name, statePrice in speech, and its key. */
  item(name: string, price: string, key: number): string;
  /** A catalog item listed but not available now, with the registry's reason. */
  unavailableItem(name: string, price: string, reason: string): string;
  confirmConnect(name: string, price: string, charged: string | null): string;
  confirmTariff(name: string, price: string, charged: string | null): string;
  /** `price`: what the product costs now (statePrice of what disabling stops). */
  confirmDisable(name: string, price: string): string;
  connected(name: string): string;
  disabled(name: string): string;
  connectedKey: string;
  connectedTitle: string;
  noConnected: string;
  tariffChanged(name: string): string;
  /** Voicemail, to a caller diverted to it: the standard greeting, then what became of the message. */
  vmGreeting: string;
  vmSaved: string;
  vmNotSaved: string;
  /** The number the call was diverted from has no mailbox here, or its mailbox is off. */
  vmUnknown: string;
  vmOff: string;
  /** Voicemail in the 111 menu (key 5). `count`: the new messages, said with sayCount. */
  vmCount(count: string): string;
  vmNone: string;
  /** One message's heading: its place, the calling number digit by digit (or withheld), the time of day. */
  vmMessage(n: number, from: string | null, at: string): string;
  vmKeys: string;
  vmDeleted: string;
  vmEnd: string;
  /** Ringback tones in the 111 menu (key 6): what callers hear now, the melodies, switching and stopping. */
  rbOff: string;
  rbConnectKey: string;
  rbSuspended: string;
  /** The service held by the company's spending limit: only the contract's administrator releases it. */
  rbHeld: string;
  /** Said before the melody itself is played. */
  rbPlaying(title: string): string;
  rbNone: string;
  rbChooseKey: string;
  rbStopKey: string;
  rbListTitle: string;
  /** A melody of the library: set for every caller on its key. */
  rbOwned(title: string, key: number): string;
  /** A melody on sale: `price` is statePrice of its offer, in speech. */
  rbOnSale(title: string, price: string, key: number): string;
  /** Before a melody's preview in a confirmation. */
  rbListen(title: string): string;
  /** `price` and `charged`: statePrice / stateChargedToday of the buy offer, in speech. */
  rbConfirmBuy(title: string, price: string, charged: string): string;
  rbConfirmSet(title: string): string;
  rbConfirmStop: string;
  rbSet(title: string): string;
  rbBought(title: string, charged: string): string;
  rbStopped: string;
}

/** Card digits one by one: "4242" → "четыре два четыре два". */
export function sayDigits(s: string, lang: Lang): string {
  return [...s].map((d) => (lang === 'ru' ? ruCardinal(Number(d)) : enCardinal(Number(d)))).join(' ');
}

/** A time of day said on the clock ("пятнадцать сорок две", "three forty-two p.m."), never as a duration. */
export function sayTime(at: Date, tz: string, lang: Lang): string {
  return sayClock(at, tz, lang);
}

export const voiceTexts: Record<Lang, VoiceTexts> = {
  ru: {
    welcome: 'Вас приветствует Абонент.',
    recorded: 'Ваши действия записываются.',
    mainItems: ['Баланс и платежи — нажмите 1.', 'Обещанный платёж — 3.', 'Ваш тариф — 4.', 'Голосовая почта — 5.', 'Мелодия вместо гудка — 6.', 'Акции и полезные опции — 7.'],
    otherLanguage: 'For English, press 9.',
    repeat: 'Повторить — 0.',
    back: 'Назад — звёздочка.',
    toMain: 'В главное меню — звёздочка.',
    noinput: 'Мы не услышали ответа.',
    nomatch: 'Такого варианта нет.',
    tooMany: 'Не удалось получить ответ. Спасибо за звонок, до свидания.',
    bye: 'Спасибо за звонок, до свидания.',
    notServed: 'Этот номер не обслуживается. До свидания.',
    unavailable: 'Сервис временно недоступен. Позвоните позже.',
    balance: (money, asOf) => `Ваш баланс ${money} по состоянию на ${asOf}.`,
    remaining: (parts) => `Осталось: ${parts.join(', ')}.`,
    paymentsKey: 'Платежи — 2.',
    payByCardKey: 'Оплата банковской картой — 1.',
    askAmount: (min, max) => `Введите сумму пополнения в рублях и нажмите решётку. Наименьшая сумма — ${min}, наибольшая — ${max}.`,
    card: (brand, last4, key) => `Карта ${brand}, последние цифры ${last4} — ${ruCardinal(key)}.`,
    noCards: 'Сохранённых карт нет.',
    newCardKey: 'Новая карта — 8.',
    askCardNumber: 'Введите номер карты и нажмите решётку. Номер передаётся только платёжной системе.',
    badCardNumber: 'В номере карты должно быть от двенадцати до девятнадцати цифр.',
    askExpiry: 'Введите срок действия карты: две цифры месяца и две цифры года.',
    badExpiry: 'Срок действия введён неверно.',
    confirmPay: (money, last4) => `Пополнить баланс на ${money} картой с последними цифрами ${last4}?`,
    confirmKey: 'Подтвердить — 1.',
    cancelKey: 'Отмена — звёздочка.',
    paid: (money, balance) => `Платёж на ${money} прошёл. Ваш баланс ${balance}.`,
    promisedTitle: (days) => `Обещанный платёж на ${days}.`,
    promisedOption: (money, price, key) => `${money}, ${price} — ${ruCardinal(key)}.`,
    promisedLeft: (money) => `Осталось вернуть ${money}.`,
    confirmPromised: (money, price, days, charged) => `Обещанный платёж ${money}, ${price}, срок ${days}; ${charged}.`,
    acceptKey: 'Принять — 1.',
    promisedTaken: (money, fee, days) => `Обещанный платёж ${money} зачислен, комиссия ${fee}. Срок возврата — ${days}.`,
    tariff: (name, fee) => `Ваш тариф «${name}». ${fee ? `Абонентская плата ${fee}.` : 'Без абонентской платы.'}`,
    changeTariffKey: 'Сменить тариф — 1.',
    tariffsTitle: 'Тарифы, на которые можно перейти.',
    noTariffs: 'Сейчас нет тарифов, на которые можно перейти.',
    offersTitle: 'Акции и полезные опции.',
    noOffers: 'Сейчас для вас нет новых предложений.',
    free: 'бесплатно',
    item: (name, price, key) => `«${name}»: ${price} — ${ruCardinal(key)}.`,
    unavailableItem: (name, price, reason) => `«${name}»: ${price}. ${reason}.`,
    confirmConnect: (name, price, charged) => `Подключение «${name}»: ${price}${charged ? `; ${charged}` : ''}.`,
    confirmTariff: (name, price, charged) => `Переход на тариф «${name}»: ${price}${charged ? `; ${charged}` : ''}.`,
    confirmDisable: (name, price) => `Отключить «${name}» (${price})? Отключение бесплатное.`,
    connected: (name) => `Готово: «${name}» подключено.`,
    disabled: (name) => `Готово: «${name}» отключено.`,
    connectedKey: 'Ваши подключённые услуги и их отключение — 8.',
    connectedTitle: 'Ваши подключённые услуги. Чтобы отключить услугу, нажмите её номер.',
    noConnected: 'Подключённых услуг нет.',
    tariffChanged: (name) => `Готово: ваш тариф теперь «${name}».`,
    vmGreeting: 'Абонент не может ответить. Оставьте сообщение после сигнала. Чтобы закончить запись, нажмите решётку или положите трубку.',
    vmSaved: 'Сообщение записано. До свидания.',
    vmNotSaved: 'Сообщение не записано. До свидания.',
    vmUnknown: 'Номер, на который вы звонили, не обслуживается голосовой почтой. До свидания.',
    vmOff: 'Абонент не может ответить, голосовая почта у него отключена. Пожалуйста, позвоните позже. До свидания.',
    vmCount: (count) => `У вас ${count} в голосовой почте.`,
    vmNone: 'Новых сообщений в голосовой почте нет.',
    vmMessage: (n, from, at) => `Сообщение ${ruCardinal(n, 'n')}, ${from ? `от номера ${from}` : 'номер скрыт'}, в ${at}.`,
    vmKeys: 'Следующее сообщение — 1. Удалить — 7.',
    vmDeleted: 'Сообщение удалено.',
    vmEnd: 'Больше новых сообщений нет.',
    rbOff: 'Услуга «Гудок» не подключена: ваши абоненты слышат обычные гудки.',
    rbConnectKey: 'Подключить услугу — 1.',
    rbSuspended: 'Услуга «Гудок» приостановлена: на счёте не хватает денег. Она возобновится после пополнения.',
    rbHeld: 'Услуга «Гудок» приостановлена компанией: достигнут лимит расходов на номер. Чтобы её вернуть, обратитесь к администратору договора.',
    rbPlaying: (title) => `Сейчас ваши абоненты слышат мелодию «${title}».`,
    rbNone: 'Сейчас ваши абоненты слышат обычные гудки.',
    rbChooseKey: 'Выбрать мелодию — 1.',
    rbStopKey: 'Выключить мелодии — 2.',
    rbListTitle: 'Мелодии вместо гудка.',
    rbOwned: (title, key) => `«${title}», уже куплена — ${key}.`,
    rbOnSale: (title, price, key) => `«${title}», ${price} — ${key}.`,
    rbListen: (title) => `Мелодия «${title}».`,
    rbConfirmBuy: (title, price, charged) => `Купить мелодию «${title}» и поставить её для всех абонентов: ${price}, ${charged}.`,
    rbConfirmSet: (title) => `Поставить мелодию «${title}» для всех абонентов?`,
    rbConfirmStop: 'Выключить мелодии для всех абонентов? Они будут слышать обычные гудки, купленные мелодии останутся у вас.',
    rbSet: (title) => `Готово: ваши абоненты слышат мелодию «${title}».`,
    rbBought: (title, charged) => `Готово: мелодия «${title}» куплена, списано ${charged}. Ваши абоненты слышат её.`,
    rbStopped: 'Готово: мелодии выключены, ваши абоненты слышат обычные гудки.',
  },
  en: {
    welcome: 'Welcome to Abonent.',
    recorded: 'Your actions are recorded.',
    mainItems: ['For balance and payments, press 1.', 'Promised payment, 3.', 'Your tariff, 4.', 'Voicemail, 5.', 'Ringback tone, 6.', 'Promotions and useful options, 7.'],
    otherLanguage: 'Для русского языка нажмите 9.',
    repeat: 'To repeat, press 0.',
    back: 'To go back, press star.',
    toMain: 'For the main menu, press star.',
    noinput: 'We did not hear an answer.',
    nomatch: 'That is not one of the choices.',
    tooMany: 'We could not get an answer. Thank you for calling, goodbye.',
    bye: 'Thank you for calling, goodbye.',
    notServed: 'This number is not served. Goodbye.',
    unavailable: 'The service is temporarily unavailable. Please call later.',
    balance: (money, asOf) => `Your balance is ${money} as of ${asOf}.`,
    remaining: (parts) => `Remaining: ${parts.join(', ')}.`,
    paymentsKey: 'Payments, 2.',
    payByCardKey: 'To pay by bank card, press 1.',
    askAmount: (min, max) => `Enter the top-up amount in roubles, then press hash. The smallest amount is ${min}, the largest ${max}.`,
    card: (brand, last4, key) => `Card ${brand} ending in ${last4}, ${enCardinal(key)}.`,
    noCards: 'You have no saved cards.',
    newCardKey: 'New card, 8.',
    askCardNumber: 'Enter the card number, then press hash. The number goes only to the payment provider.',
    badCardNumber: 'A card number has twelve to nineteen digits.',
    askExpiry: 'Enter the expiry date: two digits of the month and two of the year.',
    badExpiry: 'The expiry date is not valid.',
    confirmPay: (money, last4) => `Top up ${money} with the card ending in ${last4}?`,
    confirmKey: 'To confirm, press 1.',
    cancelKey: 'To cancel, press star.',
    paid: (money, balance) => `The payment of ${money} went through. Your balance is ${balance}.`,
    promisedTitle: (days) => `Promised payment for ${days}.`,
    promisedOption: (money, price, key) => `${money}, ${price}, ${enCardinal(key)}.`,
    promisedLeft: (money) => `${money} is left to repay.`,
    confirmPromised: (money, price, days, charged) => `Promised payment of ${money}, ${price}, for ${days}; ${charged}.`,
    acceptKey: 'To accept, press 1.',
    promisedTaken: (money, fee, days) => `The promised payment of ${money} is credited, fee ${fee}. Repay it within ${days}.`,
    tariff: (name, fee) => `Your tariff is ${name}. ${fee ? `The fee is ${fee}.` : 'There is no subscription fee.'}`,
    changeTariffKey: 'To change the tariff, press 1.',
    tariffsTitle: 'Tariffs you can move to.',
    noTariffs: 'There are no tariffs you can move to now.',
    offersTitle: 'Promotions and useful options.',
    noOffers: 'There are no new offers for you now.',
    free: 'free',
    item: (name, price, key) => `${name}: ${price}, ${enCardinal(key)}.`,
    unavailableItem: (name, price, reason) => `${name}: ${price}. ${reason}.`,
    confirmConnect: (name, price, charged) => `Connecting ${name}: ${price}${charged ? `; ${charged}` : ''}.`,
    confirmTariff: (name, price, charged) => `Moving to the ${name} tariff: ${price}${charged ? `; ${charged}` : ''}.`,
    confirmDisable: (name, price) => `Disable ${name} (${price})? Disabling is free.`,
    connected: (name) => `Done: ${name} is connected.`,
    disabled: (name) => `Done: ${name} is disabled.`,
    connectedKey: 'To hear your connected services and disable one, press 8.',
    connectedTitle: 'Your connected services. To disable one, press its number.',
    noConnected: 'You have no connected services.',
    tariffChanged: (name) => `Done: your tariff is now ${name}.`,
    vmGreeting: 'The person you are calling cannot answer. Please leave a message after the tone. To finish, press hash or hang up.',
    vmSaved: 'Your message has been recorded. Goodbye.',
    vmNotSaved: 'No message was recorded. Goodbye.',
    vmUnknown: 'The number you called has no voicemail with us. Goodbye.',
    vmOff: 'The person you are calling cannot answer and has voicemail switched off. Please call later. Goodbye.',
    vmCount: (count) => `You have ${count} in your voicemail.`,
    vmNone: 'You have no new voicemail.',
    vmMessage: (n, from, at) => `Message ${enCardinal(n)}, ${from ? `from ${from}` : 'number withheld'}, at ${at}.`,
    vmKeys: 'For the next message, press 1. To delete it, press 7.',
    vmDeleted: 'The message has been deleted.',
    vmEnd: 'There are no more new messages.',
    rbOff: 'The ringback tone service is not connected: your callers hear ordinary ringing.',
    rbConnectKey: 'To connect it, press 1.',
    rbSuspended: 'The ringback tone service is paused: there is not enough money on your account. It resumes after a top-up.',
    rbHeld: "The ringback tone service is suspended by your company: the number's spending limit is reached. To get it back, ask your contract's administrator.",
    rbPlaying: (title) => `Your callers now hear the melody ${title}.`,
    rbNone: 'Your callers now hear ordinary ringing.',
    rbChooseKey: 'To choose a melody, press 1.',
    rbStopKey: 'To switch melodies off, press 2.',
    rbListTitle: 'Melodies instead of ringing.',
    rbOwned: (title, key) => `${title}, already yours, press ${key}.`,
    rbOnSale: (title, price, key) => `${title}, ${price}, press ${key}.`,
    rbListen: (title) => `The melody ${title}.`,
    rbConfirmBuy: (title, price, charged) => `Buy the melody ${title} and play it to all your callers: ${price}, ${charged}.`,
    rbConfirmSet: (title) => `Play the melody ${title} to all your callers?`,
    rbConfirmStop: 'Switch melodies off for all your callers? They will hear ordinary ringing; the melodies you bought stay yours.',
    rbSet: (title) => `Done: your callers hear the melody ${title}.`,
    rbBought: (title, charged) => `Done: the melody ${title} is yours, ${charged} charged. Your callers hear it.`,
    rbStopped: 'Done: melodies are off, your callers hear ordinary ringing.',
  },
};

/**
 * Refusals come from the shared error table with money written as "1 234,56 ₽" / "RUB 1,234.56";
 * a speech engine needs the words.
 */
export function speakable(text: string, lang: Lang): string {
  return text
    .replace(/(-?)(\d[\d\u00a0\u202f ]*),(\d{2})\u00a0₽/g, (_m, sign: string, units: string, kop: string) => sayMoney((sign ? -1 : 1) * (Number(units.replace(/\D/g, '')) * 100 + Number(kop)), lang))
    .replace(/(-?)RUB ([\d,]+)\.(\d{2})/g, (_m, sign: string, units: string, kop: string) => sayMoney((sign ? -1 : 1) * (Number(units.replace(/,/g, '')) * 100 + Number(kop)), lang));
}

/**
 * A refusal as the voice menu says it: the error code's message (the registry's reason, the same
 * words as every channel), with its amounts in words.
 */
export function sayRefusal(r: { code: ErrorCode; params: Record<string, string | number> }, lang: Lang): string {
  const spoken = spokenVariants[r.code]?.[lang];
  return spoken ? spoken(r.params, (k) => sayMoney(Number(r.params[k]), lang)) : speakable(errorMessage(r.code, r.params, lang), lang);
}

/**
 * The spoken form of a refusal whose written message does not read aloud: "от 10,00 ₽ до …" needs
 * the genitive ("от десяти рублей"), which money in words does not have, so the bounds are said
 * in the nominative instead. Same code, same params, same reason.
 */
const spokenVariants: Partial<Record<ErrorCode, Partial<Record<Lang, (p: Record<string, string | number>, money: (k: string) => string) => string>>>> = {
  AMOUNT_NOT_ALLOWED: { ru: (_p, m) => `Такую сумму принять нельзя: наименьшая — ${m('min')}, наибольшая — ${m('max')}` },
};

/** The voice a prompt is spoken in: the offer of the other language is said in that language. */
export function voiceOf(text: string, lang: Lang): Lang {
  const other: Lang = lang === 'ru' ? 'en' : 'ru';
  return text === voiceTexts[lang].otherLanguage ? other : lang;
}

export const say = {
  money: sayMoney,
  days: (n: number, lang: Lang) => sayCount(n, 'day', lang),
};
