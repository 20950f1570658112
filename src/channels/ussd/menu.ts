import { getPromisedPaymentOffer, takePromisedPayment } from '../../domain/billing/promised-payment.ts';
import { exchangePoints } from '../../domain/bonus/exchange-points.ts';
import { listRewards } from '../../domain/bonus/list-rewards.ts';
import { listTariffs } from '../../domain/catalog/read-catalog.ts';
import type { Localized, Product } from '../../domain/catalog/schema.ts';
import type { Core } from '../../domain/core.ts';
import { sendAppLink } from '../../domain/notifications/send-app-link.ts';
import { connectProduct } from '../../domain/services/connect-product.ts';
import { disableProduct } from '../../domain/services/disable-product.ts';
import { listAvailableProducts } from '../../domain/services/list-available-products.ts';
import { listConnectedProducts } from '../../domain/services/list-connected-products.ts';
import { paidServicesAudit } from '../../domain/services/paid-services-audit.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { changeTariff, quoteTariffChange } from '../../domain/subscribers/change-tariff.ts';
import { getBalance } from '../../domain/subscribers/get-balance.ts';
import type { getProfile } from '../../domain/subscribers/get-profile.ts';
import { getTariff } from '../../domain/subscribers/get-tariff.ts';
import { updatePreferences } from '../../domain/subscribers/update-preferences.ts';
import { shortMoney, texts, type Texts } from './texts.ts';

/** What a menu node sees: the caller's use-case context and the words of their language. */
export interface MenuCtx {
  core: Core;
  ctx: Ctx;
  msisdn: string;
  lang: Lang;
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
  | { kind: 'text'; text: string; end: boolean };

/** What an action answers: a final text, possibly in a language or script it has just switched to. */
export interface Outcome {
  text: string;
  lang?: Lang;
  script?: 'cyrillic' | 'latin';
}

/**
 * One menu node: a screen rendered from use cases, or an action that calls one and ends the
 * session. Actions are reached only through a screen's option, and every paid one only through a
 * confirmation screen that shows its price.
 */
export type MenuNode = { render: (m: MenuCtx, arg: string) => Promise<View> } | { act: (m: MenuCtx, arg: string) => Promise<Outcome> };

const name = (m: MenuCtx, l: Localized) => l[m.lang];
const money = (m: MenuCtx, k: number) => shortMoney(k, m.lang);
const isSubscription = (kind: Product['kind']) => kind === 'subscription';

function menu(items: [string, Target][], head?: string): View {
  return { kind: 'menu', ...(head ? { head } : {}), items: items.map(([label, to]) => ({ label, to })) };
}

function confirm(m: MenuCtx, head: string, to: Target): View {
  return { kind: 'menu', head, items: [{ label: m.t.confirm, to }], confirm: true };
}

/** "2,50 ₽/день", "100 ₽ разово", "бесплатно" (+ a connection fee when there is one). */
export function priceLabel(m: MenuCtx, fee: Product['fee'], connectionFee = 0): string {
  const base =
    fee.model === 'none'
      ? m.t.free
      : money(m, fee.amount) + (fee.model === 'monthly' ? m.t.perMonth : fee.model === 'daily' ? m.t.perDay : m.t.once);
  return connectionFee > 0 ? base + m.t.connectFee(money(m, connectionFee)) : base;
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

async function connectList(m: MenuCtx, subscriptions: boolean): Promise<View> {
  const items = (await listAvailableProducts(m.core, m.ctx, { msisdn: m.msisdn })).filter((p) => isSubscription(p.kind) === subscriptions);
  if (items.length === 0) return { kind: 'text', text: m.t.nothingAvailable, end: false };
  return menu(items.map((p) => [`${name(m, p.name)} ${priceLabel(m, p.fee, p.connectionFee)}`, { n: 'prod', a: p.code }]), m.t.chooseToConnect);
}

async function disableList(m: MenuCtx, filter: (p: { kind: Product['kind']; paid: boolean }) => boolean, head: string, empty: string, end: boolean): Promise<View> {
  const c = await listConnectedProducts(m.core, m.ctx, { msisdn: m.msisdn });
  const items = [...c.paid, ...c.free].filter(filter);
  if (items.length === 0) return { kind: 'text', text: empty, end };
  return menu(items.map((p) => [`${name(m, p.name)} ${priceLabel(m, p.fee)}`, { n: 'off', a: p.code }]), head);
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
      await sendAppLink(m.core, m.ctx, { msisdn: m.msisdn, url: m.appUrl });
      return { text: m.t.appLinkSent };
    },
  },
  svc: { render: async (m) => menu([[m.t.services[0]!, { n: 'svc.list' }], [m.t.services[1]!, { n: 'svc.add' }], [m.t.services[2]!, { n: 'svc.off' }]]) },
  'svc.list': {
    render: async (m) => {
      const c = await listConnectedProducts(m.core, m.ctx, { msisdn: m.msisdn });
      const lines = [...c.paid, ...c.free].filter((p) => !isSubscription(p.kind)).map((p) => `${name(m, p.name)} ${priceLabel(m, p.fee)}`);
      return { kind: 'text', text: lines.length ? [m.t.connectedTitle, ...lines].join('\n') : m.t.nothingConnected, end: false };
    },
  },
  'svc.add': { render: (m) => connectList(m, false) },
  'svc.off': { render: (m) => disableList(m, (p) => !isSubscription(p.kind), m.t.chooseToDisable, m.t.nothingConnected, false) },
  subs: { render: async (m) => menu([[m.t.subscriptions[0]!, { n: 'subs.list' }], [m.t.subscriptions[1]!, { n: 'subs.add' }]]) },
  'subs.list': { render: (m) => disableList(m, (p) => isSubscription(p.kind), m.t.chooseToDisable, m.t.nothingConnected, false) },
  'subs.add': { render: (m) => connectList(m, true) },
  prod: {
    render: async (m, code) => {
      const p = (await listAvailableProducts(m.core, m.ctx, { msisdn: m.msisdn })).find((x) => x.code === code);
      if (!p) {
        const c = await listConnectedProducts(m.core, m.ctx, { msisdn: m.msisdn });
        throw new DomainError([...c.paid, ...c.free].some((x) => x.code === code) ? 'ALREADY_CONNECTED' : 'PRODUCT_NOT_AVAILABLE', { product: code });
      }
      if (p.blockedBy) throw new DomainError(p.blockedBy.code, p.blockedBy.params);
      const head = `${m.t.confirmConnect(name(m, p.name), priceLabel(m, p.fee, p.connectionFee))}. ${m.t.chargeNow(money(m, p.chargeNow))}`;
      return confirm(m, head, { n: 'prod.do', a: code });
    },
  },
  'prod.do': {
    act: async (m, code) => {
      const r = await connectProduct(m.core, m.ctx, { msisdn: m.msisdn, productCode: code });
      const c = await listConnectedProducts(m.core, m.ctx, { msisdn: m.msisdn });
      const p = [...c.paid, ...c.free].find((x) => x.code === code);
      return { text: m.t.connected(p ? name(m, p.name) : code, money(m, r.charged)) };
    },
  },
  off: {
    render: async (m, code) => {
      const c = await listConnectedProducts(m.core, m.ctx, { msisdn: m.msisdn });
      const p = [...c.paid, ...c.free].find((x) => x.code === code);
      if (!p) throw new DomainError('PRODUCT_NOT_CONNECTED', { product: code });
      if (!p.disableable) return { kind: 'text', text: m.t.notDisableable(name(m, p.name)), end: false };
      return confirm(m, `${m.t.confirmDisable(name(m, p.name))} ${priceLabel(m, p.fee)}`, { n: 'off.do', a: code });
    },
  },
  'off.do': {
    act: async (m, code) => {
      const c = await listConnectedProducts(m.core, m.ctx, { msisdn: m.msisdn });
      const p = [...c.paid, ...c.free].find((x) => x.code === code);
      await disableProduct(m.core, m.ctx, { msisdn: m.msisdn, productCode: code });
      return { text: m.t.disabled(p ? name(m, p.name) : code) };
    },
  },
  tariff: { render: async (m) => menu([[m.t.tariff[0]!, { n: 'tariff.cur' }], [m.t.tariff[1]!, { n: 'tariff.list' }]]) },
  'tariff.cur': {
    render: async (m) => {
      const v = await getTariff(m.core, m.ctx, { msisdn: m.msisdn });
      const fee = `${money(m, v.tariff.fee.amount)}${v.tariff.fee.model === 'monthly' ? m.t.perMonth : m.t.perDay}`;
      return { kind: 'text', text: m.t.currentTariff(name(m, v.tariff.name), fee, v.nextFeeAt ? await localDate(m, v.nextFeeAt) : null), end: false };
    },
  },
  'tariff.list': {
    render: async (m) => {
      const profile = await m.profile();
      const list = (await listTariffs(m.core.db)).filter((t) => t.connectable && t.code !== profile.tariff.code && (t.segment === 'any' || t.segment === profile.customerKind));
      if (list.length === 0) return { kind: 'text', text: m.t.nothingAvailable, end: false };
      return menu(
        list.map((t) => [`${name(m, t.name)} ${money(m, t.fee.amount)}${t.fee.model === 'monthly' ? m.t.perMonth : m.t.perDay}`, { n: 'tariff.q', a: t.code }]),
        m.t.chooseTariff,
      );
    },
  },
  'tariff.q': {
    render: async (m, code) => {
      const q = await quoteTariffChange(m.core, m.ctx, { msisdn: m.msisdn, tariffCode: code });
      const all = await listTariffs(m.core.db);
      const t = all.find((x) => x.code === code);
      const c = await listConnectedProducts(m.core, m.ctx, { msisdn: m.msisdn });
      const dropped = q.productsDisabled.map((pc) => [...c.paid, ...c.free].find((x) => x.code === pc)).map((p, i) => (p ? name(m, p.name) : q.productsDisabled[i]!));
      return confirm(m, m.t.confirmTariff(t ? name(m, t.name) : code, money(m, q.total), money(m, q.switchFee), dropped), { n: 'tariff.do', a: code });
    },
  },
  'tariff.do': {
    act: async (m, code) => {
      const r = await changeTariff(m.core, m.ctx, { msisdn: m.msisdn, tariffCode: code });
      const t = (await listTariffs(m.core.db)).find((x) => x.code === code);
      return { text: m.t.tariffChanged(t ? name(m, t.name) : code, money(m, r.total)) };
    },
  },
  bal: {
    render: async (m) => {
      const b = await getBalance(m.core, m.ctx, { msisdn: m.msisdn });
      const r = b.remaining;
      return { kind: 'text', text: m.t.balance(money(m, b.balance), Math.floor(r.seconds.remaining / 60), r.sms.remaining, dataLabel(r.bytes.remaining, m.lang)), end: true };
    },
  },
  set: { render: async (m) => menu([[m.t.settings[0]!, { n: 'script.cyr' }], [m.t.settings[1]!, { n: 'script.lat' }], [m.t.settings[2]!, { n: 'lang' }]]) },
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
  pp: {
    render: async (m) => {
      const o = await getPromisedPaymentOffer(m.core, m.ctx, { msisdn: m.msisdn });
      if (o.active) return { kind: 'text', text: m.t.promisedActive(money(m, o.active.amount - o.active.repaid), await localDate(m, o.active.dueAt)), end: true };
      if (o.reason === 'trust_limit') throw new DomainError('PROMISED_PAYMENT_UNAVAILABLE', { reason: 'trust_limit' });
      if (!o.available || o.options.length === 0) throw new DomainError('PROMISED_PAYMENT_UNAVAILABLE');
      return menu(o.options.map((x) => [m.t.promisedOption(money(m, x.amount), money(m, x.fee)), { n: 'pp.q', a: String(x.amount) }]), m.t.promisedTitle(o.termDays));
    },
  },
  'pp.q': {
    render: async (m, a) => {
      const o = await getPromisedPaymentOffer(m.core, m.ctx, { msisdn: m.msisdn });
      if (o.active) throw new DomainError('PROMISED_PAYMENT_ACTIVE');
      const x = o.options.find((opt) => String(opt.amount) === a);
      if (!x) throw new DomainError('AMOUNT_NOT_ALLOWED', { min: 100, max: o.maxAmount });
      return confirm(m, m.t.confirmPromised(money(m, x.amount), money(m, x.fee), o.termDays), { n: 'pp.do', a });
    },
  },
  'pp.do': {
    act: async (m, a) => {
      const r = await takePromisedPayment(m.core, m.ctx, { msisdn: m.msisdn, amount: Number(a) });
      return { text: m.t.promisedTaken(money(m, r.amount), money(m, r.fee), await localDate(m, r.dueAt)) };
    },
  },
  bonus: {
    render: async (m) => {
      const r = await listRewards(m.core, m.ctx, { msisdn: m.msisdn });
      return menu(r.items.map((x) => [m.t.rewardOption(name(m, x.name), x.cost), { n: 'bonus.q', a: x.code }]), m.t.bonusTitle(r.points));
    },
  },
  'bonus.q': {
    render: async (m, code) => {
      const r = await listRewards(m.core, m.ctx, { msisdn: m.msisdn });
      const x = r.items.find((i) => i.code === code);
      if (!x) throw new DomainError('REWARD_NOT_FOUND', { reward: code });
      if (!x.affordable) throw new DomainError('INSUFFICIENT_POINTS', { required: x.cost, available: r.points });
      return confirm(m, m.t.confirmReward(name(m, x.name), x.cost), { n: 'bonus.do', a: code });
    },
  },
  'bonus.do': {
    act: async (m, code) => {
      const r = await exchangePoints(m.core, m.ctx, { msisdn: m.msisdn, rewardCode: code });
      const x = (await listRewards(m.core, m.ctx, { msisdn: m.msisdn })).items.find((i) => i.code === code);
      return { text: m.t.rewardTaken(x ? name(m, x.name) : code, r.pointsLeft) };
    },
  },
  /** *152#: everything connected, each with its price; choosing one offers to disable it. */
  '152': { render: (m) => disableList(m, () => true, m.t.connectedTitle, m.t.nothingConnected, true) },
  /** *152*2#: only the paid ones, with the monthly total. */
  '152.paid': {
    render: async (m) => {
      const a = await paidServicesAudit(m.core, m.ctx, { msisdn: m.msisdn });
      const items = a.items.filter((i) => i.type === 'product');
      if (items.length === 0) return { kind: 'text', text: m.t.nothingPaid, end: true };
      return menu(
        items.map((i) => [`${name(m, i.name)} ${priceLabel(m, { model: i.feeModel as Product['fee']['model'], amount: i.feeAmount })}`, { n: 'off', a: i.code }]),
        m.t.paidTitle(money(m, items.reduce((sum, i) => sum + i.monthlyCost, 0))),
      );
    },
  },
};

/** Service codes and the screens they open; deeper digits walk the menu from there. */
export const serviceRoots: Record<string, Target[]> = {
  '111': [{ n: 'root' }],
  '152': [{ n: '152' }],
  '152*2': [{ n: '152' }, { n: '152.paid' }],
};
