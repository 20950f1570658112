import type { Lang } from '../../domain/shared/context.ts';
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
  askAmount: string;
  badAmount: string;
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
  promisedOption(money: string, fee: string, key: number): string;
  promisedActive(money: string): string;
  confirmPromised(money: string, fee: string, days: string): string;
  acceptKey: string;
  promisedTaken(money: string, fee: string, days: string): string;
  tariff(name: string, fee: string | null, monthly: boolean): string;
  offersTitle: string;
  offer(name: string, fee: string | null, perMonth: boolean): string;
  noOffers: string;
  offersHowTo: string;
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
    mainItems: ['Баланс и платежи — нажмите 1.', 'Обещанный платёж — 3.', 'Ваш тариф — 4.', 'Акции и полезные опции — 7.'],
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
    askAmount: 'Введите сумму пополнения в рублях, от десяти рублей до пятнадцати тысяч рублей, и нажмите решётку.',
    badAmount: 'Сумма должна быть от десяти рублей до пятнадцати тысяч рублей.',
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
    promisedOption: (money, fee, key) => `${money}, комиссия ${fee} — ${ruCardinal(key)}.`,
    promisedActive: (money) => `У вас уже есть обещанный платёж, осталось вернуть ${money}.`,
    confirmPromised: (money, fee, days) => `Обещанный платёж ${money}, комиссия ${fee}, срок ${days}.`,
    acceptKey: 'Принять — 1.',
    promisedTaken: (money, fee, days) => `Обещанный платёж ${money} зачислен, комиссия ${fee}. Срок возврата — ${days}.`,
    tariff: (name, fee, monthly) => `Ваш тариф «${name}». ${fee ? `Абонентская плата ${fee} ${monthly ? 'в месяц' : 'в день'}.` : 'Без абонентской платы.'}`,
    offersTitle: 'Акции и полезные опции.',
    offer: (name, fee, perMonth) => `«${name}»: ${fee ? `${fee} ${perMonth ? 'в месяц' : 'в день'}` : 'бесплатно'}.`,
    noOffers: 'Сейчас для вас нет новых предложений.',
    offersHowTo: 'Подключить их можно в личном кабинете или в меню звёздочка сто одиннадцать решётка.',
  },
  en: {
    welcome: 'Welcome to Abonent.',
    recorded: 'Your actions are recorded.',
    mainItems: ['For balance and payments, press 1.', 'Promised payment, 3.', 'Your tariff, 4.', 'Promotions and useful options, 7.'],
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
    askAmount: 'Enter the top-up amount in roubles, from ten roubles to fifteen thousand roubles, then press hash.',
    badAmount: 'The amount must be from ten roubles to fifteen thousand roubles.',
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
    promisedOption: (money, fee, key) => `${money}, fee ${fee}, ${enCardinal(key)}.`,
    promisedActive: (money) => `You already have a promised payment; ${money} is left to repay.`,
    confirmPromised: (money, fee, days) => `Promised payment of ${money}, fee ${fee}, for ${days}.`,
    acceptKey: 'To accept, press 1.',
    promisedTaken: (money, fee, days) => `The promised payment of ${money} is credited, fee ${fee}. Repay it within ${days}.`,
    tariff: (name, fee, monthly) => `Your tariff is ${name}. ${fee ? `The fee is ${fee} ${monthly ? 'a month' : 'a day'}.` : 'There is no subscription fee.'}`,
    offersTitle: 'Promotions and useful options.',
    offer: (name, fee, perMonth) => `${name}: ${fee ? `${fee} ${perMonth ? 'a month' : 'a day'}` : 'free'}.`,
    noOffers: 'There are no new offers for you now.',
    offersHowTo: 'You can connect them in your account or in the star one one one hash menu.',
  },
};

/**
 * Refusals come from the shared error table with money written as "1 234,56 ₽" / "RUB 1,234.56";
 * a speech engine needs the words.
 */
export function speakable(text: string, lang: Lang): string {
  return text
    .replace(/(-?)([\d\u00a0 ]+),(\d{2})\u00a0₽/g, (_m, sign: string, units: string, kop: string) => sayMoney((sign ? -1 : 1) * (Number(units.replace(/\D/g, '')) * 100 + Number(kop)), lang))
    .replace(/(-?)RUB ([\d,]+)\.(\d{2})/g, (_m, sign: string, units: string, kop: string) => sayMoney((sign ? -1 : 1) * (Number(units.replace(/,/g, '')) * 100 + Number(kop)), lang));
}

/** The voice a prompt is spoken in: the offer of the other language is said in that language. */
export function voiceOf(text: string, lang: Lang): Lang {
  const other: Lang = lang === 'ru' ? 'en' : 'ru';
  return text === voiceTexts[lang].otherLanguage ? other : lang;
}

export const say = {
  money: sayMoney,
  days: (n: number, lang: Lang) => sayCount(n, 'day', lang),
};
