import {
  alertSettingsAction,
  capsAction,
  dataLiftAction,
  changeTariffAction,
  connectProductAction,
  disableProductAction,
  exchangePointsAction,
  inviteFamilyAction,
  locateFriendAction,
  buyMelodyAction,
  removeToneAction,
  setToneAction,
  perform,
  promisedPaymentAction,
  readBalanceAction,
  requireOffered,
  sendAppLinkAction,
  shareAllowanceAction,
  type Action,
  type Offer,
} from '../../domain/actions/registry.ts';
import type { AlertSettings } from '../../domain/alerts/alert-settings.ts';
import { getRoaming } from '../../domain/roaming/get-roaming.ts';
import { melodyFacts } from '../../domain/ringback/melodies.ts';
import { ringbackOverview } from '../../domain/ringback/overview.ts';
import { thenCtx } from '../../domain/shared/then-ctx.ts';
import type { Localized, Product } from '../../domain/catalog/schema.ts';
import type { Core } from '../../domain/core.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
import type { getProfile } from '../../domain/subscribers/get-profile.ts';
import { getTariff } from '../../domain/subscribers/get-tariff.ts';
import { updatePreferences } from '../../domain/subscribers/update-preferences.ts';
import { shareAmount } from '../../domain/shared/error-messages.ts';
import { formatMsisdn, normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { formatCount } from '../../text/format.ts';
import type { PriceFacts } from '../../text/price-facts.ts';
import { stateChargedToday, statePrice } from '../../text/price.ts';
import { shortMoney, texts, type Texts } from './texts.ts';

/** What a menu node sees: the caller's use-case context and the words of their language. */
export interface MenuCtx {
  core: Core;
  ctx: Ctx;
  msisdn: string;
  lang: Lang;
  /** How prices are stated: 'translit' when the session reads Latin, else 'text'. */
  style: 'text' | 'translit';
  t: Texts;
  appUrl: string;
  profile(): Promise<Awaited<ReturnType<typeof getProfile>>>;
}

export interface Target {
  n: string;
  a?: string;
}

export type View =
  /** Options; `confirm` makes it a paid-action confirmation ("1 Confirm / 0 Cancel"). */
  | { kind: 'menu'; head?: string; items: { label: string; to: Target }[]; confirm?: boolean }
  /** Text; `end` finishes the session on its last page, otherwise "0 Back" returns. */
  | { kind: 'text'; text: string; end: boolean }
  /**
   * A prompt for a number: what is typed (other than the 0/00 navigation) opens `to` with it as the
   * argument, after `arg` and a '*' when the prompt carries one (a second prompt keeps the first answer).
   */
  | { kind: 'input'; head: string; to: string; arg?: string };

/** What an action answers: a final text, possibly in a language or script it has just switched to. */
export interface Outcome {
  text: string;
  lang?: Lang;
  script?: 'cyrillic' | 'latin';
}

/**
 * One menu node: a screen rendered from the action registry's offers, or an action that performs
 * one and ends the session. Actions are reached only through a screen's option, and every one the
 * registry asks to confirm only through a confirmation screen that states its price.
 */
export type MenuNode = { render: (m: MenuCtx, arg: string) => Promise<View> } | { act: (m: MenuCtx, arg: string) => Promise<Outcome> };

const name = (m: MenuCtx, l: Localized) => l[m.lang];
/** An amount that is not a price (a balance, what was charged, a promised amount). */
const money = (m: MenuCtx, k: number) => shortMoney(k, m.lang);
/** The one statement of price of the registry's facts, in the session's language and script. */
export const price = (m: Pick<MenuCtx, 'lang' | 'style'>, f: PriceFacts) => statePrice(f, m.lang, m.style);
const today = (m: Pick<MenuCtx, 'lang' | 'style'>, f: PriceFacts) => stateChargedToday(f, m.lang, m.style);
const isSubscription = (kind: Product['kind']) => kind === 'subscription';

function menu(items: [string, Target][], head?: string): View {
  return { kind: 'menu', ...(head ? { head } : {}), items: items.map(([label, to]) => ({ label, to })) };
}

/**
 * The step before `to` performs `action`: the offer's confirmation on USSD decides it. An explicit
 * one is a "1 Confirm / 0 Cancel" screen under `head` (which states the price); none is a plain
 * option under the same words.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function confirm<D>(m: MenuCtx, action: Action<any, any, any, D>, offer: Offer<D>, head: string, to: Target): View {
  const kind = action.confirmation(offer, m.ctx.channel).kind;
  return { kind: 'menu', head, items: [{ label: m.t.confirm, to }], ...(kind === 'none' ? {} : { confirm: true }) };
}

async function localDate(m: MenuCtx, iso: string): Promise<string> {
  const tz = (await m.profile()).timeZone;
  const parts = new Intl.DateTimeFormat('ru-RU', { timeZone: tz, day: '2-digit', month: '2-digit' }).format(new Date(iso));
  return parts;
}

function dataLabel(bytes: number, lang: Lang): string {
  const mb = Math.floor(bytes / (1024 * 1024));
  if (mb >= 1024) return `${(mb / 1024).toFixed(1).replace(/\.0$/, '')} ${lang === 'ru' ? 'ГБ' : 'GB'}`.replace('.', lang === 'ru' ? ',' : '.');
  return `${mb} ${lang === 'ru' ? 'МБ' : 'MB'}`;
}

/** The catalog offered to connect (the registry's shown offers), products or subscriptions. */
async function connectList(m: MenuCtx, subscriptions: boolean): Promise<View> {
  const items = (await connectProductAction.offers(m.core, m.ctx, { msisdn: m.msisdn })).filter((o) => o.shown && isSubscription(o.details.kind) === subscriptions);
  if (items.length === 0) return { kind: 'text', text: m.t.nothingAvailable, end: false };
  return menu(items.map((o) => [`${name(m, o.details.name)} ${price(m, o.facts!)}`, { n: 'prod', a: o.details.code }]), m.t.chooseToConnect);
}

/** What is connected (paid first), each with the price it costs, as offers to disable. */
async function connectedOffers(m: MenuCtx) {
  const all = await disableProductAction.offers(m.core, m.ctx, { msisdn: m.msisdn });
  return [...all.filter((o) => o.details.stops.price > 0), ...all.filter((o) => o.details.stops.price === 0)];
}

async function disableList(m: MenuCtx, filter: (kind: Product['kind']) => boolean, head: string, empty: string, end: boolean): Promise<View> {
  const items = (await connectedOffers(m)).filter((o) => filter(o.details.kind));
  if (items.length === 0) return { kind: 'text', text: empty, end };
  return menu(items.map((o) => [`${name(m, o.details.name)} ${price(m, o.details.stops)}`, { n: 'off', a: o.details.code }]), head);
}

/** A typed whole number of roubles as kopecks; anything else passes through for the registry to refuse. */
const alertsState = (m: MenuCtx, s: AlertSettings) => m.t.alertsState(s.package80 || s.package100, s.lowBalance === null ? null : money(m, s.lowBalance), s.dailyDigest, s.allowNight);

async function capsSet(m: MenuCtx, change: { monthly?: number | null; roaming?: number }): Promise<View> {
  const r = await perform(m.core, m.ctx, capsAction, m.msisdn, change);
  return { kind: 'text', text: m.t.capsState(r.monthly === null ? null : money(m, r.monthly), money(m, r.roaming), r.dataHard), end: true };
}

function roublesTyped(a: string): number {
  return /^\d{1,9}$/.test(a) ? Number(a) * 100 : Number.NaN;
}

const days = (lang: Lang, n: number) => formatCount(n, lang, lang === 'ru' ? { one: 'день', few: 'дня', many: 'дней', other: 'дня' } : { one: 'day', other: 'days' });

/** "data*3*79001234567" → its parts; what is not a kind or a number is left for the registry to refuse. */
function shareArgs(a: string): ['data' | 'minutes', number, string] {
  const [kind, amount, to] = a.split('*');
  return [kind === 'minutes' ? 'minutes' : 'data', /^\d{1,9}$/.test(amount ?? '') ? Number(amount) : Number.NaN, to ?? ''];
}

export const nodes: Record<string, MenuNode> = {
  root: {
    render: async (m) =>
      menu(
        (['app', 'svc', 'subs', 'tariff', 'bal', 'set', 'pp', 'bonus'] as const).map((n, i) => [m.t.root[i]!, { n }]),
      ),
  },
  app: {
    act: async (m) => {
      await perform(m.core, m.ctx, sendAppLinkAction, m.msisdn, { url: m.appUrl });
      return { text: m.t.appLinkSent };
    },
  },
  svc: { render: async (m) => menu([[m.t.services[0]!, { n: 'svc.list' }], [m.t.services[1]!, { n: 'svc.add' }], [m.t.services[2]!, { n: 'svc.off' }]]) },
  'svc.list': {
    render: async (m) => {
      const lines = (await connectedOffers(m)).filter((o) => !isSubscription(o.details.kind)).map((o) => `${name(m, o.details.name)} ${price(m, o.details.stops)}`);
      return { kind: 'text', text: lines.length ? [m.t.connectedTitle, ...lines].join('\n') : m.t.nothingConnected, end: false };
    },
  },
  'svc.add': { render: (m) => connectList(m, false) },
  'svc.off': { render: (m) => disableList(m, (k) => !isSubscription(k), m.t.chooseToDisable, m.t.nothingConnected, false) },
  subs: { render: async (m) => menu([[m.t.subscriptions[0]!, { n: 'subs.list' }], [m.t.subscriptions[1]!, { n: 'subs.add' }]]) },
  'subs.list': { render: (m) => disableList(m, isSubscription, m.t.chooseToDisable, m.t.nothingConnected, false) },
  'subs.add': { render: (m) => connectList(m, true) },
  /** A product's offer: its price and what connecting charges now, or the registry's reason it is not offered. */
  prod: {
    render: async (m, code) => {
      const o = requireOffered(await connectProductAction.offer(m.core, m.ctx, { msisdn: m.msisdn, productCode: code }));
      const head = m.t.confirmConnect(name(m, o.details.name), price(m, o.facts!), today(m, o.facts!));
      return confirm(m, connectProductAction, o, head, { n: 'prod.do', a: code });
    },
  },
  'prod.do': {
    act: async (m, code) => {
      const r = await perform(m.core, m.ctx, connectProductAction, m.msisdn, { productCode: code });
      const o = await disableProductAction.offer(m.core, m.ctx, { msisdn: m.msisdn, productCode: code });
      return { text: m.t.connected(name(m, o.details.name), money(m, r.charged)) };
    },
  },
  off: {
    render: async (m, code) => {
      const o = requireOffered(await disableProductAction.offer(m.core, m.ctx, { msisdn: m.msisdn, productCode: code }));
      return confirm(m, disableProductAction, o, m.t.confirmDisable(name(m, o.details.name), price(m, o.details.stops)), { n: 'off.do', a: code });
    },
  },
  'off.do': {
    act: async (m, code) => {
      const o = await disableProductAction.offer(m.core, m.ctx, { msisdn: m.msisdn, productCode: code });
      await perform(m.core, m.ctx, disableProductAction, m.msisdn, { productCode: code });
      return { text: m.t.disabled(name(m, o.details.name)) };
    },
  },
  tariff: { render: async (m) => menu([[m.t.tariff[0]!, { n: 'tariff.cur' }], [m.t.tariff[1]!, { n: 'tariff.list' }]]) },
  'tariff.cur': {
    render: async (m) => {
      const v = await getTariff(m.core, m.ctx, { msisdn: m.msisdn });
      const o = await changeTariffAction.offer(m.core, m.ctx, { msisdn: m.msisdn, tariffCode: v.tariff.code });
      // The plan one is on costs its fee per period; its switch fee is no longer anything to pay.
      const fee = price(m, { ...o.facts!, connectionFee: 0, chargedToday: 0 });
      return { kind: 'text', text: m.t.currentTariff(name(m, v.tariff.name), fee, v.nextFeeAt ? await localDate(m, v.nextFeeAt) : null), end: false };
    },
  },
  'tariff.list': {
    render: async (m) => {
      const list = (await changeTariffAction.offers(m.core, m.ctx, { msisdn: m.msisdn })).filter((o) => o.shown && !o.refusal);
      if (list.length === 0) return { kind: 'text', text: m.t.nothingAvailable, end: false };
      return menu(list.map((o) => [`${name(m, o.details.name)} ${price(m, o.facts!)}`, { n: 'tariff.q', a: o.details.code }]), m.t.chooseTariff);
    },
  },
  /** A tariff's offer: its fee and switch fee, what changing charges now, what it disables. */
  'tariff.q': {
    render: async (m, code) => {
      const o = requireOffered(await changeTariffAction.offer(m.core, m.ctx, { msisdn: m.msisdn, tariffCode: code }));
      const connected = await disableProductAction.offers(m.core, m.ctx, { msisdn: m.msisdn });
      const dropped = o.details.productsDisabled.map((pc) => {
        const p = connected.find((x) => x.details.code === pc);
        return p ? name(m, p.details.name) : pc;
      });
      return confirm(m, changeTariffAction, o, m.t.confirmTariff(name(m, o.details.name), price(m, o.facts!), today(m, o.facts!), dropped), { n: 'tariff.do', a: code });
    },
  },
  'tariff.do': {
    act: async (m, code) => {
      const r = await perform(m.core, m.ctx, changeTariffAction, m.msisdn, { tariffCode: code });
      const o = await changeTariffAction.offer(m.core, m.ctx, { msisdn: m.msisdn, tariffCode: code });
      return { text: m.t.tariffChanged(name(m, o.details.name), money(m, r.total)) };
    },
  },
  bal: {
    render: async (m) => {
      const b = await perform(m.core, m.ctx, readBalanceAction, m.msisdn, {});
      const r = b.remaining;
      const text = m.t.balance(money(m, b.balance), Math.floor(r.seconds.remaining / 60), r.sms.remaining, dataLabel(r.bytes.remaining, m.lang));
      // Abroad (the balance read says where the number is), the roaming spending against the cap follows.
      const roaming = b.roamingCountry ? await getRoaming(m.core, m.ctx, { msisdn: m.msisdn }) : null;
      const line = roaming?.countryName ? `\n${m.t.roamingLine(roaming.countryName[m.lang], money(m, roaming.spent), money(m, roaming.cap))}` : '';
      return { kind: 'text', text: text + line, end: true };
    },
  },
  set: {
    render: async (m) =>
      menu([[m.t.settings[0]!, { n: 'script.cyr' }], [m.t.settings[1]!, { n: 'script.lat' }], [m.t.settings[2]!, { n: 'lang' }], [m.t.settings[3]!, { n: 'alerts' }], [m.t.settings[4]!, { n: 'caps' }]]),
  },
  /** Spending alerts: the registry's offer states them; each option changes one through `perform`. */
  alerts: {
    render: async (m) => {
      const s = (await alertSettingsAction.offer(m.core, m.ctx, { msisdn: m.msisdn })).details;
      const labels = m.t.alerts(s.package80 || s.package100, s.lowBalance === null ? null : money(m, s.lowBalance), s.dailyDigest, s.allowNight);
      const to: Target[] = [{ n: 'alerts.set', a: 'packages' }, { n: 'alerts.low' }, { n: 'alerts.set', a: 'digest' }, { n: 'alerts.set', a: 'night' }];
      return menu(labels.map((l, i) => [l, to[i]!]));
    },
  },
  'alerts.low': { render: async (m) => ({ kind: 'input', head: m.t.alertsLowEnter, to: 'alerts.set.low' }) },
  /** Spending caps: the registry's offer states them; typed roubles set the monthly or roaming cap. */
  caps: {
    render: async (m) => {
      const c = (await capsAction.offer(m.core, m.ctx, { msisdn: m.msisdn })).details;
      const labels = m.t.caps(c.monthly === null ? null : money(m, c.monthly), money(m, c.roaming), c.dataHard);
      const to: Target[] = [{ n: 'caps.in', a: 'monthly' }, { n: 'caps.in', a: 'roaming' }, { n: 'caps.data' }];
      const items: [string, Target][] = labels.map((l, i) => [l, to[i]!]);
      const lift = await dataLiftAction.offer(m.core, m.ctx, { msisdn: m.msisdn });
      if (lift.shown && lift.facts) items.push([m.t.capsLift(money(m, lift.facts.price)), { n: 'caps.lift' }]);
      return menu(items);
    },
  },
  /** "Continue for N ₽": the registry's offer, confirmed with its price. */
  'caps.lift': {
    render: async (m) => {
      const o = requireOffered(await dataLiftAction.offer(m.core, m.ctx, { msisdn: m.msisdn }));
      return confirm(m, dataLiftAction, o, m.t.confirmLift(price(m, o.facts!), today(m, o.facts!)), { n: 'caps.lift.do' });
    },
  },
  'caps.lift.do': {
    act: async (m) => {
      await perform(m.core, m.ctx, dataLiftAction, m.msisdn, {});
      return { text: m.t.lifted };
    },
  },
  'caps.in': { render: async (m, which) => ({ kind: 'input', head: m.t.capsEnter, to: which === 'roaming' ? 'caps.set.roaming' : 'caps.set.monthly' }) },
  'caps.set.monthly': { render: async (m, a) => capsSet(m, { monthly: roublesTyped(a) === 0 ? null : roublesTyped(a) }) },
  'caps.set.roaming': { render: async (m, a) => capsSet(m, { roaming: roublesTyped(a) }) },
  'caps.data': {
    act: async (m) => {
      const c = (await capsAction.offer(m.core, m.ctx, { msisdn: m.msisdn })).details;
      const r = await perform(m.core, m.ctx, capsAction, m.msisdn, { dataHard: !c.dataHard });
      return { text: m.t.capsState(r.monthly === null ? null : money(m, r.monthly), money(m, r.roaming), r.dataHard) };
    },
  },
  /** A typed threshold opens a screen (as the engine does with every typed number) that sets it. */
  'alerts.set.low': {
    render: async (m, a) => {
      const amount = roublesTyped(a);
      const r = await perform(m.core, m.ctx, alertSettingsAction, m.msisdn, { lowBalance: amount === 0 ? null : amount });
      return { kind: 'text', text: alertsState(m, r), end: true };
    },
  },
  'alerts.set': {
    act: async (m, what) => {
      const s = (await alertSettingsAction.offer(m.core, m.ctx, { msisdn: m.msisdn })).details;
      const change =
        what === 'packages' ? { package80: !(s.package80 || s.package100), package100: !(s.package80 || s.package100) } : what === 'digest' ? { dailyDigest: !s.dailyDigest } : { allowNight: !s.allowNight };
      const r = await perform(m.core, m.ctx, alertSettingsAction, m.msisdn, change);
      return { text: alertsState(m, r) };
    },
  },
  'script.cyr': {
    act: async (m) => {
      await updatePreferences(m.core, m.ctx, { msisdn: m.msisdn, script: 'cyrillic' });
      return { text: m.t.scriptCyrillic, script: 'cyrillic' };
    },
  },
  'script.lat': {
    act: async (m) => {
      await updatePreferences(m.core, m.ctx, { msisdn: m.msisdn, script: 'latin' });
      return { text: m.t.scriptLatin, script: 'latin' };
    },
  },
  lang: { render: async (m) => menu([[m.t.languages[0]!, { n: 'lang.set', a: 'ru' }], [m.t.languages[1]!, { n: 'lang.set', a: 'en' }]]) },
  'lang.set': {
    act: async (m, lang) => {
      const language = lang === 'en' ? 'en' : 'ru';
      await updatePreferences(m.core, m.ctx, { msisdn: m.msisdn, language });
      return { text: texts[language].languageSet, lang: language };
    },
  },
  /** The promised payment's offer: its options, each with its commission, and any other amount within the registry's bounds. */
  pp: {
    render: async (m) => {
      const o = await promisedPaymentAction.offer(m.core, m.ctx, { msisdn: m.msisdn });
      const active = o.details.active;
      if (active) return { kind: 'text', text: m.t.promisedActive(money(m, active.amount - active.repaid), await localDate(m, active.dueAt)), end: true };
      requireOffered(o);
      const { min, max } = o.details.bounds;
      return menu(
        [
          ...o.details.options.map((x): [string, Target] => [m.t.promisedOption(money(m, x.amount), price(m, x.facts)), { n: 'pp.q', a: String(x.amount / 100) }]),
          [m.t.promisedOther(money(m, min), money(m, max)), { n: 'pp.in' }],
        ],
        m.t.promisedTitle(o.details.termDays),
      );
    },
  },
  'pp.in': {
    render: async (m) => {
      const { min, max } = requireOffered(await promisedPaymentAction.offer(m.core, m.ctx, { msisdn: m.msisdn })).details.bounds;
      return { kind: 'input', head: m.t.promisedEnter(money(m, min), money(m, max)), to: 'pp.q' };
    },
  },
  /** `a`: whole roubles, chosen or typed; the registry judges the amount and states its commission. */
  'pp.q': {
    render: async (m, a) => {
      const amount = roublesTyped(a);
      const o = requireOffered(await promisedPaymentAction.offer(m.core, m.ctx, { msisdn: m.msisdn, amount }));
      return confirm(m, promisedPaymentAction, o, m.t.confirmPromised(money(m, amount), o.details.termDays, price(m, o.facts!), today(m, o.facts!)), { n: 'pp.do', a });
    },
  },
  'pp.do': {
    act: async (m, a) => {
      const r = await perform(m.core, m.ctx, promisedPaymentAction, m.msisdn, { amount: roublesTyped(a) });
      return { text: m.t.promisedTaken(money(m, r.amount), money(m, r.fee), await localDate(m, r.dueAt)) };
    },
  },
  bonus: {
    render: async (m) => {
      const offers = await exchangePointsAction.offers(m.core, m.ctx, { msisdn: m.msisdn });
      const points = offers[0]?.details.points ?? 0;
      return menu(offers.filter((o) => o.shown).map((o) => [m.t.rewardOption(name(m, o.details.name), o.details.cost), { n: 'bonus.q', a: o.details.code }]), m.t.bonusTitle(points));
    },
  },
  'bonus.q': {
    render: async (m, code) => {
      const o = requireOffered(await exchangePointsAction.offer(m.core, m.ctx, { msisdn: m.msisdn, rewardCode: code }));
      return confirm(m, exchangePointsAction, o, m.t.confirmReward(name(m, o.details.name), o.details.cost), { n: 'bonus.do', a: code });
    },
  },
  'bonus.do': {
    act: async (m, code) => {
      const o = await exchangePointsAction.offer(m.core, m.ctx, { msisdn: m.msisdn, rewardCode: code });
      const r = await perform(m.core, m.ctx, exchangePointsAction, m.msisdn, { rewardCode: code });
      return { text: m.t.rewardTaken(name(m, o.details.name), r.pointsLeft) };
    },
  },
  /** *111*974# (data) / *111*975# (minutes): how much to give, within the registry's bounds. */
  share: {
    render: async (m, kind) => {
      const o = requireOffered(await shareAllowanceAction.offer(m.core, m.ctx, { msisdn: m.msisdn }));
      const k = o.details.kinds.find((x) => x.kind === kind);
      if (!k) return { kind: 'text', text: m.t.nothingAvailable, end: true };
      const amount = (n: number) => shareAmount(kind, n, m.lang);
      return { kind: 'input', head: m.t.shareHow(amount(k.min), amount(k.max), amount(k.available)), to: 'share.to', arg: kind };
    },
  },
  /** `a`: kind*amount; the amount is judged by the registry before the number is asked. */
  'share.to': {
    render: async (m, a) => {
      const [kind, amount] = shareArgs(a);
      requireOffered(await shareAllowanceAction.offer(m.core, m.ctx, { msisdn: m.msisdn, kind, amount }));
      return { kind: 'input', head: m.t.shareTo, to: 'share.q', arg: a };
    },
  },
  /** `a`: kind*amount*recipient: the registry's offer for it, its fee and the gift's days. */
  'share.q': {
    render: async (m, a) => {
      const [kind, amount, to] = shareArgs(a);
      const o = requireOffered(await shareAllowanceAction.offer(m.core, m.ctx, { msisdn: m.msisdn, kind, amount, to }));
      const head = m.t.confirmShare(shareAmount(kind, amount, m.lang), formatMsisdn(to), price(m, o.facts!), today(m, o.facts!), days(m.lang, o.details.validDays));
      return confirm(m, shareAllowanceAction, o, head, { n: 'share.do', a });
    },
  },
  'share.do': {
    act: async (m, a) => {
      const [kind, amount, to] = shareArgs(a);
      const r = await perform(m.core, m.ctx, shareAllowanceAction, m.msisdn, { kind, amount, to });
      return { text: m.t.shared(shareAmount(kind, amount, m.lang), formatMsisdn(r.to), await localDate(m, r.validUntil)) };
    },
  },
  /**
   * *111*976#: the family group. A member sees whose group it is; anyone else (the head, or a number
   * with no group yet) types a number to invite — the registry's family.invite judges it.
   */
  fam: {
    render: async (m) => {
      const v = (await inviteFamilyAction.offer(m.core, m.ctx, { msisdn: m.msisdn })).details;
      if (v.role === 'member') return { kind: 'text', text: m.t.familyMember(formatMsisdn(v.head ?? '')), end: true };
      const active = v.members.filter((x) => x.status === 'active').length;
      const members = formatCount(active, m.lang, m.lang === 'ru' ? { one: 'участник', few: 'участника', many: 'участников', other: 'участника' } : { one: 'member', other: 'members' });
      return { kind: 'input', head: m.t.familyEnter(members, v.maxMembers), to: 'fam.q' };
    },
  },
  /** `a`: the number typed. */
  'fam.q': {
    render: async (m, a) => {
      const o = requireOffered(await inviteFamilyAction.offer(m.core, m.ctx, { msisdn: m.msisdn, to: a }));
      const to = normalizeMsisdn(a)!; // the offer refuses what is not a number
      return confirm(m, inviteFamilyAction, o, m.t.familyConfirm(formatMsisdn(to)), { n: 'fam.do', a: to });
    },
  },
  'fam.do': {
    act: async (m, to) => {
      const r = await perform(m.core, m.ctx, inviteFamilyAction, m.msisdn, { to });
      return { text: m.t.familyInvited(formatMsisdn(r.invited)) };
    },
  },
  /** *788#: the friend locator, answered in words (the registry's locator.locate). */
  loc: { render: async (m) => ({ kind: 'input', head: m.t.locatorEnter, to: 'loc.q' }) },
  /** `a`: the number typed; the registry's offer refuses it without the friend's consent. */
  'loc.q': {
    render: async (m, a) => {
      const o = requireOffered(await locateFriendAction.offer(m.core, m.ctx, { msisdn: m.msisdn, target: a }));
      const included = o.details.includedIn ? name(m, o.details.includedIn.name) : null;
      return confirm(m, locateFriendAction, o, m.t.locatorConfirm(o.details.target ?? a, o.facts ? price(m, o.facts) : null, included), { n: 'loc.do', a });
    },
  },
  'loc.do': {
    act: async (m, target) => {
      const loc = await perform(m.core, m.ctx, locateFriendAction, m.msisdn, { target });
      // What was charged first: a long answer runs over to a second page.
      return { text: loc.charged ? `${m.t.charged(money(m, loc.charged))} ${loc.words[m.lang]}` : loc.words[m.lang] };
    },
  },
  /**
   * *770#: ringback tones. With the service off, its own offer (as its product code shows it); held
   * by the company's spending limit, who can release it; else the melodies with their prices (the playing one marked) and "turn melodies off".
   */
  rb: {
    render: async (m) => {
      const o = await ringbackOverview(m.core, m.ctx, { msisdn: m.msisdn });
      if (o.service === 'off') return (nodes.prod as Extract<MenuNode, { render: unknown }>).render(m, 'ringback');
      // Held by the company: no melody can be bought or set, and a top-up would not help.
      if (o.service === 'held') return { kind: 'text', text: m.t.rbHeld, end: true };
      const items: [string, Target][] = o.catalog.map((x) => [`${name(m, x.title)} ${price(m, melodyFacts(x))}${x.code === o.nowForEveryone ? ` (${m.t.rbPlaying})` : ''}`, { n: 'rb.q', a: x.code }]);
      return menu([...items, [m.t.rbStop, { n: 'rb.stop' }]], m.t.rbTitle);
    },
  },
  /** `a`: a melody: set it for everyone (free) if it is in the library, else its price and "buy and set". */
  'rb.q': {
    render: async (m, a) => {
      const set = await setToneAction.offer(m.core, m.ctx, { msisdn: m.msisdn, melody: a });
      const title = set.details.settings.library.find((l) => l.melody.code === a)?.melody.title;
      if (!set.refusal && title) return confirm(m, setToneAction, set, m.t.rbConfirmSet(name(m, title)), { n: 'rb.set', a });
      const o = requireOffered(await buyMelodyAction.offer(m.core, m.ctx, { msisdn: m.msisdn, melody: a }));
      return confirm(m, buyMelodyAction, o, m.t.rbConfirmBuy(name(m, o.details.melody!.title), price(m, o.facts!), today(m, o.facts!)), { n: 'rb.buy', a });
    },
  },
  'rb.set': {
    act: async (m, a) => {
      await perform(m.core, m.ctx, setToneAction, m.msisdn, { melody: a });
      const o = await setToneAction.offer(m.core, m.ctx, { msisdn: m.msisdn, melody: a });
      return { text: m.t.rbSet(name(m, o.details.melody?.title ?? { ru: a, en: a })) };
    },
  },
  'rb.buy': {
    act: async (m, a) => {
      await perform(m.core, m.ctx, buyMelodyAction, m.msisdn, { melody: a });
      // The second action of the hop under a key of its own, derived from the hop's (a repeat repeats both).
      await perform(m.core, thenCtx(m.ctx, 'set'), setToneAction, m.msisdn, { melody: a });
      const o = await setToneAction.offer(m.core, m.ctx, { msisdn: m.msisdn, melody: a });
      return { text: m.t.rbSet(name(m, o.details.melody?.title ?? { ru: a, en: a })) };
    },
  },
  'rb.stop': {
    act: async (m) => {
      await perform(m.core, m.ctx, removeToneAction, m.msisdn, { all: true });
      return { text: m.t.rbStopped };
    },
  },
  /** *152#: everything connected, each with its price; choosing one offers to disable it. */
  '152': { render: (m) => disableList(m, () => true, m.t.connectedTitle, m.t.nothingConnected, true) },
  /** *152*2#: only the paid ones, with the monthly total. */
  '152.paid': {
    render: async (m) => {
      const items = (await connectedOffers(m)).filter((o) => o.details.stops.price > 0);
      if (items.length === 0) return { kind: 'text', text: m.t.nothingPaid, end: true };
      return menu(
        items.map((o) => [`${name(m, o.details.name)} ${price(m, o.details.stops)}`, { n: 'off', a: o.details.code }]),
        m.t.paidTitle(money(m, items.reduce((sum, o) => sum + o.details.monthlyCost, 0))),
      );
    },
  },
};

/** Service codes and the screens they open; deeper digits walk the menu from there. */
export const serviceRoots: Record<string, Target[]> = {
  '111': [{ n: 'root' }],
  '152': [{ n: '152' }],
  '152*2': [{ n: '152' }, { n: '152.paid' }],
  // Sharing: *111*974*N*79XXXXXXXXX# gives N GB, *111*975*N*79XXXXXXXXX# N minutes (asked for what is missing).
  '111*974': [{ n: 'root' }, { n: 'share', a: 'data' }],
  '111*975': [{ n: 'root' }, { n: 'share', a: 'minutes' }],
  // The family group: *111*976*79XXXXXXXXX# invites the number at once (after the confirmation).
  '111*976': [{ n: 'root' }, { n: 'fam' }],
  '788': [{ n: 'loc' }],
  '770': [{ n: 'rb' }],
};
