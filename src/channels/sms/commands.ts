import {
  acceptFamilyAction,
  alertSettingsAction,
  capsAction,
  changeTariffAction,
  dataLiftAction,
  connectProductAction,
  disableProductAction,
  inviteFamilyAction,
  perform,
  locateFriendAction,
  readBalanceAction,
  requireOffered,
  shareAllowanceAction,
  SMS_REPLY_WORDS,
  stopPaidContentAction,
  type Confirmation,
  type Refusal,
} from '../../domain/actions/registry.ts';
import { alertSettingsText } from '../../domain/alerts/settings-text.ts';
import { capsText } from '../../domain/caps/caps-text.ts';
import { refusalWords } from '../../domain/actions/refusal-words.ts';
import { listProducts, listTariffs } from '../../domain/catalog/read-catalog.ts';
import type { Core } from '../../domain/core.ts';
import { answerLocatorConsent } from '../../domain/locator/consent.ts';
import type { FriendLocation } from '../../domain/locator/locate.ts';
import { confirmOfferedLocate, offerLocateBySms } from '../../domain/locator/sms-offer.ts';
import { confirmOfferedConnection, offerConnection } from '../../domain/services/offer-connection.ts';
import { shareAmount } from '../../domain/shared/error-messages.ts';
import { formatMsisdn } from '../../domain/shared/msisdn.ts';
import { confirmOfferedShare, offerShareBySms } from '../../domain/sharing/offer-share-by-sms.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
import { DomainError, isDomainError } from '../../domain/shared/errors.ts';
import { formatMoney } from '../../domain/shared/money.ts';
import { formatCount } from '../../text/format.ts';
import { stateChargedToday, statePrice } from '../../text/price.ts';
import { sameWord } from './normalize.ts';
import { ringbackCommand } from './ringback-command.ts';
import { confirmOfferedMelody } from '../../domain/ringback/sms-offer.ts';
import { confirmOfferedDataLift, offerDataLiftBySms } from '../../domain/caps/sms-offer.ts';

interface Command {
  /** Russian word first, then English; any of them (or their look-alikes) calls the command. */
  words: readonly string[];
  run: (core: Core, ctx: Ctx, args: string[], lang: Lang) => Promise<string>;
}

const t = (lang: Lang, ru: string, en: string) => (lang === 'ru' ? ru : en);

/** 0 / PAID: what is connected, each with the registry's statement of what it costs. */
async function servicesText(core: Core, ctx: Ctx, lang: Lang, paidOnly: boolean): Promise<string> {
  const offers = await disableProductAction.offers(core, ctx, { msisdn: 'me' });
  const paid = offers.filter((o) => o.details.stops.price > 0);
  const free = offers.filter((o) => o.details.stops.price === 0);
  const line = (o: (typeof offers)[number]) =>
    `${o.details.name[lang]} — ${statePrice(o.details.stops, lang, 'text')}${o.details.smsKeyword ? ` (${t(lang, 'СТОП', 'STOP')} ${o.details.smsKeyword})` : ''}`;
  const lines = [...paid, ...(paidOnly ? [] : free)].map(line);
  if (lines.length === 0) return t(lang, 'Платных услуг нет.', 'No paid services.');
  const total = formatMoney(paid.reduce((s, o) => s + o.details.monthlyCost, 0), lang);
  const head = paidOnly ? t(lang, `Платные услуги (${total}/мес):`, `Paid services (${total}/mo):`) : t(lang, `Подключено (платные ${total}/мес):`, `Connected (paid ${total}/mo):`);
  return [head, ...lines].join('\n');
}

export function helpText(lang: Lang): string {
  return t(
    lang,
    'Команды на 8111: 0 — подключённые услуги; ПЛАТНЫЕ — только платные; СТОП <код> — отключить; СТОП ВСЕ — отключить платные подписки; БАЛАНС; ПОДАРИ 3 ГБ <номер> или ПОДАРИ 20 МИН <номер> — поделиться пакетом; ТАРИФ — тарифы и цены; ОПОВЕЩЕНИЯ — оповещения о расходах; ЛИМИТ — лимиты расходов; ЕЩЁ — интернет сверх пакета до конца месяца; <код услуги> — подключить; ГДЕ <номер> — где друг; СЕМЬЯ <номер> — пригласить в семейную группу; ГУДОК — мелодии вместо гудка; ПОМОЩЬ.',
    'Commands to 8111: 0 — connected services; PAID — paid only; STOP <code> — disable; STOP ALL — stop paid subscriptions; BALANCE; GIFT 3 GB <number> or GIFT 20 MIN <number> — share your package; TARIFF — tariffs and prices; ALERTS — spending alerts; CAP — spending caps; MORE — data beyond the packages until the month ends; <service code> — connect; WHERE <number> — locate a friend; FAMILY <number> — invite into your family group; RINGBACK — ringback melodies; HELP.',
  );
}

async function findProductByWord(core: Core, word: string) {
  const products = await listProducts(core.db);
  return products.find((p) => (p.smsKeyword && sameWord(word, p.smsKeyword)) || sameWord(word, p.code.toUpperCase()));
}

async function findTariffByWord(core: Core, word: string) {
  return (await listTariffs(core.db)).find((x) => sameWord(word, x.code.toUpperCase()));
}

/**
 * A refusal as every channel words it (the shared error messages), with catalog names in place of
 * codes: "Услуга «Погода» уже подключена".
 */
export function refusalText(core: Core, r: Refusal, lang: Lang): Promise<string> {
  return refusalWords(core.db, r, lang);
}

/** "ответьте ДА в течение 10 минут" / "reply YES within 10 minutes": the registry's reply words and window. */
function replyPrompt(c: Extract<Confirmation, { kind: 'reply' }>, lang: Lang): string {
  const minutes = Math.round(c.windowMs / 60_000);
  const word = c.words[lang === 'ru' ? 0 : c.words.length - 1]!;
  return lang === 'ru'
    ? `Чтобы подключить, ответьте ${word} в течение ${formatCount(minutes, 'ru', { one: 'минуты', few: 'минут', many: 'минут', other: 'минуты' })}.`
    : `Reply ${word} within ${formatCount(minutes, 'en', { one: 'minute', other: 'minutes' })} to connect.`;
}

/** A product's keyword: the registry's offer — connected at once when it asks no reply, else stated and kept for the reply. */
async function connectByKeyword(core: Core, ctx: Ctx, lang: Lang, productCode: string): Promise<string> {
  const offer = requireOffered(await connectProductAction.offer(core, ctx, { msisdn: 'me', productCode }));
  const name = offer.details.name[lang];
  const c = connectProductAction.confirmation(offer, ctx.channel);
  if (c.kind !== 'reply') {
    await perform(core, ctx, connectProductAction, 'me', { productCode });
    return t(lang, `Услуга «${name}» подключена: ${statePrice(offer.facts!, 'ru')}.`, `"${name}" is on: ${statePrice(offer.facts!, 'en')}.`);
  }
  await offerConnection(core, ctx, { msisdn: 'me', productCode, windowMs: c.windowMs });
  return `${t(lang, `«${name}»`, `"${name}"`)}: ${statePrice(offer.facts!, lang, 'text')}. ${stateChargedToday(offer.facts!, lang, 'text')}. ${replyPrompt(c, lang)}`;
}

/** TARIFF: the plans the number may move to, each with its statement; TARIFF <code>: that plan's offer. */
async function tariffText(core: Core, ctx: Ctx, lang: Lang, code: string | undefined): Promise<string> {
  if (!code) {
    const list = (await changeTariffAction.offers(core, ctx, { msisdn: 'me' })).filter((o) => o.shown && !o.refusal);
    if (list.length === 0) return t(lang, 'Других тарифов для вашего номера нет.', 'No other tariffs for your number.');
    const lines = list.map((o) => `${o.details.name[lang]} — ${statePrice(o.facts!, lang, 'text')} (${t(lang, 'ТАРИФ', 'TARIFF')} ${o.details.code.toUpperCase()})`);
    return [t(lang, 'Тарифы:', 'Tariffs:'), ...lines].join('\n');
  }
  const tariff = await findTariffByWord(core, code);
  if (!tariff) throw new DomainError('TARIFF_NOT_FOUND', { tariff: code.slice(0, 20) });
  const o = requireOffered(await changeTariffAction.offer(core, ctx, { msisdn: 'me', tariffCode: tariff.code }));
  return t(
    lang,
    `Тариф «${o.details.name.ru}»: ${statePrice(o.facts!, 'ru')}. ${stateChargedToday(o.facts!, 'ru')}. Сменить тариф: *111*4# или в приложении.`,
    `Tariff "${o.details.name.en}": ${statePrice(o.facts!, 'en')}. ${stateChargedToday(o.facts!, 'en')}. To change: *111*4# or the app.`,
  );
}

const GB_WORDS = ['ГБ', 'GB'];
const MIN_WORDS = ['МИН', 'MIN', 'МИНУТ', 'МИНУТЫ', 'МИНУТА', 'MINUTES'];

/** GIFT 3 GB 79001234567 / ПОДАРИ 20 МИН 89001234567 (also "3ГБ"): the kind, amount and number, or null. */
function parseGift(args: string[]): { kind: 'data' | 'minutes'; amount: number; to: string } | null {
  const joined = /^(\d{1,6})(\D+)$/.exec(args[0] ?? '');
  const [n, unit, ...rest] = joined ? [joined[1]!, joined[2]!, ...args.slice(1)] : args;
  if (!n || !/^\d{1,6}$/.test(n) || !unit || rest.length === 0) return null;
  const kind = GB_WORDS.some((w) => sameWord(unit, w)) ? 'data' : MIN_WORDS.some((w) => sameWord(unit, w)) ? 'minutes' : null;
  return kind ? { kind, amount: Number(n), to: rest.join('') } : null;
}

/** The registry's share offer: made at once when it asks no reply, else stated and kept for the reply. */
async function giftText(core: Core, ctx: Ctx, lang: Lang, args: string[]): Promise<string> {
  const gift = parseGift(args);
  if (!gift) return t(lang, 'Напишите: ПОДАРИ 3 ГБ 79XXXXXXXXX или ПОДАРИ 20 МИН 79XXXXXXXXX.', 'Write: GIFT 3 GB 79XXXXXXXXX or GIFT 20 MIN 79XXXXXXXXX.');
  const input = { kind: gift.kind, amount: gift.amount, to: gift.to };
  const offer = requireOffered(await shareAllowanceAction.offer(core, ctx, { msisdn: 'me', ...input }));
  const what = shareAmount(gift.kind, gift.amount, lang);
  const c = shareAllowanceAction.confirmation(offer, ctx.channel);
  if (c.kind !== 'reply') {
    const r = await perform(core, ctx, shareAllowanceAction, 'me', input);
    return t(lang, `Подарено ${what} на ${formatMsisdn(r.to)}.`, `${what} given to ${formatMsisdn(r.to)}.`);
  }
  await offerShareBySms(core, ctx, { msisdn: 'me', ...input, windowMs: c.windowMs });
  const minutes = Math.round(c.windowMs / 60_000);
  const to = formatMsisdn(gift.to.replace(/\D/g, '').replace(/^8/, '7'));
  return t(
    lang,
    `Подарить ${what} на ${to}: ${statePrice(offer.facts!, 'ru', 'text')}. Подарок действует ${formatCount(offer.details.validDays, 'ru', { one: 'день', few: 'дня', many: 'дней', other: 'дня' })}. Чтобы подарить, ответьте ${c.words[0]} в течение ${formatCount(minutes, 'ru', { one: 'минуты', few: 'минут', many: 'минут', other: 'минуты' })}.`,
    `Give ${what} to ${to}: ${statePrice(offer.facts!, 'en', 'text')}. The gift lasts ${formatCount(offer.details.validDays, 'en', { one: 'day', other: 'days' })}. Reply ${c.words[c.words.length - 1]} within ${formatCount(minutes, 'en', { one: 'minute', other: 'minutes' })} to give it.`,
  );
}

/**
 * ОПОВЕЩЕНИЯ / ALERTS: the number's spending alerts. ВКЛ/ON: package alerts at 80% and 100%;
 * ВЫКЛ/OFF: every alert off; a whole number of roubles: the low-balance threshold (0: off);
 * НОЧЬЮ/NIGHT and СВОДКА/DIGEST switch the night and the daily digest. Each answer states them all.
 */
async function alertsCommand(core: Core, ctx: Ctx, args: string[], lang: Lang): Promise<string> {
  const [what] = args;
  let change: Record<string, unknown> | null = null;
  if (what !== undefined) {
    const now = (await alertSettingsAction.offer(core, ctx, { msisdn: 'me' })).details;
    if (sameWord(what, 'ВКЛ') || sameWord(what, 'ON')) change = { package80: true, package100: true };
    else if (sameWord(what, 'ВЫКЛ') || sameWord(what, 'OFF')) change = { package80: false, package100: false, dailyDigest: false, lowBalance: null };
    else if (sameWord(what, 'НОЧЬЮ') || sameWord(what, 'NIGHT')) change = { allowNight: !now.allowNight };
    else if (sameWord(what, 'СВОДКА') || sameWord(what, 'DIGEST')) change = { dailyDigest: !now.dailyDigest };
    else if (/^\d{1,6}$/.test(what)) change = { lowBalance: Number(what) === 0 ? null : Number(what) * 100 };
    else
      return t(
        lang,
        'Не понял. ОПОВЕЩЕНИЯ ВКЛ — о пакетах на 80% и 100%; ОПОВЕЩЕНИЯ 100 — порог баланса 100 ₽ (0 — выкл.); НОЧЬЮ, СВОДКА — переключить; ВЫКЛ — выключить все.',
        'Not understood. ALERTS ON: packages at 80% and 100%; ALERTS 100: low balance at RUB 100 (0: off); NIGHT, DIGEST switch; OFF turns all off.',
      );
  }
  const s = change ? await perform(core, ctx, alertSettingsAction, 'me', change) : (await alertSettingsAction.offer(core, ctx, { msisdn: 'me' })).details;
  return alertSettingsText(s, lang);
}

/**
 * ЛИМИТ / CAP: the number's spending caps. A whole number of roubles: the monthly cap (0: none);
 * РОУМИНГ/ROAMING and roubles: the roaming cap; ИНТЕРНЕТ/DATA: switch the data hard cap.
 */
async function capsCommand(core: Core, ctx: Ctx, args: string[], lang: Lang): Promise<string> {
  const [what, amount] = args;
  let change: Record<string, unknown> | null = null;
  const roubles = (s: string | undefined) => (s !== undefined && /^\d{1,6}$/.test(s) ? Number(s) * 100 : null);
  if (what !== undefined) {
    if ((sameWord(what, 'РОУМИНГ') || sameWord(what, 'ROAMING')) && roubles(amount) !== null) change = { roaming: roubles(amount) };
    else if (sameWord(what, 'ИНТЕРНЕТ') || sameWord(what, 'DATA')) change = { dataHard: !(await capsAction.offer(core, ctx, { msisdn: 'me' })).details.dataHard };
    else if (roubles(what) !== null) change = { monthly: roubles(what) === 0 ? null : roubles(what) };
    else
      return t(
        lang,
        'Не понял. ЛИМИТ 1000 — не больше 1000 ₽ в месяц (0 — без лимита); ЛИМИТ РОУМИНГ 3000 — лимит в роуминге; ЛИМИТ ИНТЕРНЕТ — запрет интернета сверх пакета вкл/выкл.',
        'Not understood. CAP 1000: at most RUB 1000 a month (0: none); CAP ROAMING 3000: the roaming cap; CAP DATA: data beyond packages on/off.',
      );
  }
  const c = change ? await perform(core, ctx, capsAction, 'me', change) : (await capsAction.offer(core, ctx, { msisdn: 'me' })).details;
  return capsText(c, lang);
}

/**
 * ЕЩЁ / MORE: "continue for N ₽" — the registry's offer to lift the data hard cap until the month
 * ends, stated with its price and kept for the reply word (a paid action); already lifted, it says until when.
 */
async function moreDataCommand(core: Core, ctx: Ctx, lang: Lang): Promise<string> {
  const offer = requireOffered(await dataLiftAction.offer(core, ctx, { msisdn: 'me' }));
  if (offer.details.liftedUntil) return t(lang, 'Интернет сверх пакета уже разрешён до конца месяца.', 'Data beyond the packages is already on until the month ends.');
  const c = dataLiftAction.confirmation(offer, ctx.channel);
  if (c.kind !== 'reply') return liftedText(await perform(core, ctx, dataLiftAction, 'me', {}), lang);
  await offerDataLiftBySms(core, ctx, { msisdn: 'me', windowMs: c.windowMs });
  const minutes = Math.round(c.windowMs / 60_000);
  return t(
    lang,
    `Интернет сверх пакета до конца месяца: ${statePrice(offer.facts!, 'ru', 'text')}. ${stateChargedToday(offer.facts!, 'ru', 'text')}. Чтобы продолжить, ответьте ${c.words[0]} в течение ${formatCount(minutes, 'ru', { one: 'минуты', few: 'минут', many: 'минут', other: 'минуты' })}.`,
    `Data beyond the packages until the month ends: ${statePrice(offer.facts!, 'en', 'text')}. ${stateChargedToday(offer.facts!, 'en', 'text')}. Reply ${c.words[c.words.length - 1]} within ${formatCount(minutes, 'en', { one: 'minute', other: 'minutes' })} to continue.`,
  );
}

function liftedText(r: { charged: number }, lang: Lang): string {
  return t(lang, `Интернет сверх пакета разрешён до конца месяца. Списано ${formatMoney(r.charged, lang)}.`, `Data beyond the packages is on until the month ends. Charged ${formatMoney(r.charged, lang)}.`);
}

/** СЕМЬЯ / FAMILY <number>: the head invites a number into the family group (free, at once); without a number, the group as this number sees it. */
async function familyCommand(core: Core, ctx: Ctx, args: string[], lang: Lang): Promise<string> {
  if (args.length === 0) {
    const v = (await inviteFamilyAction.offer(core, ctx, { msisdn: 'me' })).details;
    if (v.role === 'member') return t(lang, `Вы в семейной группе номера ${formatMsisdn(v.head ?? '')}.`, `You are in the family group of ${formatMsisdn(v.head ?? '')}.`);
    const active = v.members.filter((m) => m.status === 'active').length;
    return t(
      lang,
      `В вашей семейной группе ${formatCount(active, 'ru', { one: 'участник', few: 'участника', many: 'участников', other: 'участника' })} из ${v.maxMembers}. Пригласить: СЕМЬЯ 79XXXXXXXXX.`,
      `Your family group has ${formatCount(active, 'en', { one: 'member', other: 'members' })} of ${v.maxMembers}. To invite: FAMILY 79XXXXXXXXX.`,
    );
  }
  const r = await perform(core, ctx, inviteFamilyAction, 'me', { to: args.join('') });
  return t(
    lang,
    `Приглашение отправлено на ${formatMsisdn(r.invited)}: чтобы вступить, нужно ответить ДА в течение 24 часов.`,
    `Invitation sent to ${formatMsisdn(r.invited)}: they join by replying YES within 24 hours.`,
  );
}

/** ГДЕ <number>: located at once when it costs nothing; a paid request is stated and kept for the reply. */
async function locateText(core: Core, ctx: Ctx, lang: Lang, target: string): Promise<string> {
  const offer = requireOffered(await locateFriendAction.offer(core, ctx, { msisdn: 'me', target }));
  const c = locateFriendAction.confirmation(offer, ctx.channel);
  if (c.kind !== 'reply') return located(await perform(core, ctx, locateFriendAction, 'me', { target }), lang);
  await offerLocateBySms(core, ctx, { msisdn: 'me', target, windowMs: c.windowMs });
  const minutes = Math.round(c.windowMs / 60_000);
  const n = formatMsisdn(offer.details.target!);
  return t(
    lang,
    `Определить, где ${n}: ${statePrice(offer.facts!, 'ru', 'text')}. Чтобы узнать, ответьте ${c.words[0]} в течение ${formatCount(minutes, 'ru', { one: 'минуты', few: 'минут', many: 'минут', other: 'минуты' })}.`,
    `Locating ${n}: ${statePrice(offer.facts!, 'en', 'text')}. Reply ${c.words[c.words.length - 1]} within ${formatCount(minutes, 'en', { one: 'minute', other: 'minutes' })} to see where it is.`,
  );
}

/** A location in words, with what it cost when it cost anything. */
function located(loc: FriendLocation, lang: Lang): string {
  return loc.charged ? `${loc.words[lang]} ${t(lang, `Списано ${formatMoney(loc.charged, 'ru')}.`, `Charged ${formatMoney(loc.charged, 'en')}.`)}` : loc.words[lang];
}

export const COMMANDS: Command[] = [
  { words: ['СЕМЬЯ', 'FAMILY'], run: familyCommand },
  { words: ['ЛИМИТ', 'CAP'], run: capsCommand },
  { words: ['ЕЩЁ', 'ЕЩЕ', 'MORE'], run: (core, ctx, _a, lang) => moreDataCommand(core, ctx, lang) },
  { words: ['ГУДОК', 'RINGBACK'], run: (core, ctx, args, lang) => ringbackCommand(core, ctx, args, lang, () => connectByKeyword(core, ctx, lang, 'ringback')) },
  { words: ['ОПОВЕЩЕНИЯ', 'ALERTS'], run: alertsCommand },
  {
    words: ['ГДЕ', 'WHERE'],
    run: async (core, ctx, args, lang) => {
      if (!args[0]) return t(lang, 'Укажите номер: ГДЕ 79XXXXXXXXX.', 'Name the number: WHERE 79XXXXXXXXX.');
      return locateText(core, ctx, lang, args[0]);
    },
  },
  {
    words: ['НЕТ', 'NO'],
    run: async (core, ctx, _a, lang) => {
      const consent = await answerLocatorConsent(core, ctx, { msisdn: 'me', answer: 'no' });
      if (!consent) return t(lang, 'Нет запроса, ожидающего ответа.', 'Nothing is waiting for your answer.');
      return t(lang, `Вы отказали абоненту ${consent.requester}: он не увидит, где ваш телефон.`, `You refused ${consent.requester}: they will not see where your phone is.`);
    },
  },
  { words: ['0'], run: (core, ctx, _a, lang) => servicesText(core, ctx, lang, false) },
  { words: ['ПЛАТНЫЕ', 'PAID'], run: (core, ctx, _a, lang) => servicesText(core, ctx, lang, true) },
  {
    words: ['БАЛАНС', 'BALANCE'],
    run: async (core, ctx, _a, lang) => {
      const b = await perform(core, ctx, readBalanceAction, 'me', {});
      const min = Math.floor(b.remaining.seconds.remaining / 60);
      const gb = (b.remaining.bytes.remaining / 1024 ** 3).toFixed(1).replace('.', lang === 'ru' ? ',' : '.');
      return t(lang, `Баланс ${formatMoney(b.balance, lang)}. Осталось: ${min} мин, ${b.remaining.sms.remaining} SMS, ${gb} ГБ.`, `Balance ${formatMoney(b.balance, lang)}. Left: ${min} min, ${b.remaining.sms.remaining} SMS, ${gb} GB.`);
    },
  },
  { words: ['ТАРИФ', 'TARIFF'], run: (core, ctx, args, lang) => tariffText(core, ctx, lang, args[0]) },
  { words: ['ПОДАРИ', 'GIFT'], run: (core, ctx, args, lang) => giftText(core, ctx, lang, args) },
  { words: ['ПОМОЩЬ', 'HELP', '?'], run: async (_c, _x, _a, lang) => helpText(lang) },
  {
    words: ['СТОП', 'STOP'],
    run: async (core, ctx, args, lang) => {
      const what = args[0];
      if (!what) return t(lang, 'Укажите код услуги: СТОП <код>. Коды — в ответе на 0.', 'Name the service: STOP <code>. Codes are in the reply to 0.');
      if (sameWord(what, 'ВСЕ') || sameWord(what, 'ALL')) {
        const res = await perform(core, ctx, stopPaidContentAction, 'me', {});
        return res.stopped.length
          ? t(lang, `Отключены платные подписки: ${res.stopped.length}.`, `Paid subscriptions stopped: ${res.stopped.length}.`)
          : t(lang, 'Платных подписок нет.', 'No paid subscriptions.');
      }
      const product = await findProductByWord(core, what);
      if (!product) throw new DomainError('PRODUCT_NOT_FOUND', { product: what.slice(0, 20) });
      await perform(core, ctx, disableProductAction, 'me', { productCode: product.code });
      return t(lang, `Услуга «${product.name.ru}» отключена.`, `"${product.name.en}" is off.`);
    },
  },
  {
    words: SMS_REPLY_WORDS,
    run: async (core, ctx, _a, lang) => {
      const res = await confirmOfferedConnection(core, ctx, { msisdn: 'me' });
      if (!res) {
        const gift = await confirmOfferedShare(core, ctx, { msisdn: 'me' });
        if (!gift) {
          // A paid location offered by ГДЕ <number>.
          const loc = await confirmOfferedLocate(core, ctx, { msisdn: 'me' });
          if (loc) return located(loc, lang);
          // A melody offered by ГУДОК <n>.
          const melody = await confirmOfferedMelody(core, ctx, { msisdn: 'me' });
          if (melody) return t(lang, `Мелодия куплена и звучит для всех звонящих. Списано ${formatMoney(melody.charged, lang)}, баланс ${formatMoney(melody.balance, lang)}.`, `The melody is yours and plays for every caller. Charged ${formatMoney(melody.charged, lang)}, balance ${formatMoney(melody.balance, lang)}.`);
          // «Continue for N ₽» offered by ЕЩЁ.
          const lift = await confirmOfferedDataLift(core, ctx, { msisdn: 'me' });
          if (lift) return liftedText(lift, lang);
          // A family group invitation is answered with the same word.
          const invitation = await acceptFamilyAction.offer(core, ctx, { msisdn: 'me' });
          if (!invitation.refusal) {
            const joined = await perform(core, ctx, acceptFamilyAction, 'me', {});
            return t(lang, `Вы вступили в семейную группу номера ${formatMsisdn(joined.head)}.`, `You have joined the family group of ${formatMsisdn(joined.head)}.`);
          }
          // Perhaps a locator consent request waits for this answer.
          const consent = await answerLocatorConsent(core, ctx, { msisdn: 'me', answer: 'yes' });
          if (consent) return t(lang, `Абонент ${formatMsisdn(consent.requester)} теперь может видеть, где ваш телефон. Отозвать: в приложении, раздел «Где друзья».`, `${formatMsisdn(consent.requester)} can now see where your phone is. To revoke: the app, "Locator".`);
          return t(lang, 'Нет запроса, ожидающего подтверждения.', 'Nothing is waiting for your confirmation.');
        }
        const what = shareAmount(gift.kind, gift.amount, lang);
        return t(
          lang,
          `Подарено ${what} на ${formatMsisdn(gift.to)}. Списано ${formatMoney(gift.fee, lang)}, баланс ${formatMoney(gift.balance, lang)}.`,
          `${what} given to ${formatMsisdn(gift.to)}. Charged ${formatMoney(gift.fee, lang)}, balance ${formatMoney(gift.balance, lang)}.`,
        );
      }
      return t(lang, `Подключено. Списано ${formatMoney(res.charged, lang)}, баланс ${formatMoney(res.balance, lang)}.`, `Connected. Charged ${formatMoney(res.charged, lang)}, balance ${formatMoney(res.balance, lang)}.`);
    },
  },
];

/**
 * Runs one MO text for the subscriber in `ctx` and returns the reply. A product's keyword offers
 * to connect it (as the registry's confirmation says: a paid one waits for the reply word); a
 * refusal is the shared message of its error code; anything unknown gets the help text, never silence.
 */
export async function runSmsCommand(core: Core, ctx: Ctx, lang: Lang, tokens: string[]): Promise<string> {
  const [head, ...args] = tokens;
  if (!head) return helpText(lang);
  try {
    const cmd = COMMANDS.find((c) => c.words.some((w) => sameWord(head, w)));
    if (cmd) return await cmd.run(core, ctx, args, lang);
    const product = await findProductByWord(core, head);
    if (!product) return `${t(lang, 'Команда не распознана.', 'Unknown command.')} ${helpText(lang)}`;
    return await connectByKeyword(core, ctx, lang, product.code);
  } catch (e) {
    if (isDomainError(e)) return refusalText(core, { code: e.code, params: e.params }, lang);
    throw e;
  }
}
