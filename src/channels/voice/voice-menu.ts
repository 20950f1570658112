import type { Localized } from '../../domain/catalog/schema.ts';
import type { ErrorCode } from '../../domain/shared/errors.ts';
import type { Lang } from '../../domain/shared/context.ts';
import { sayCount, sayData, sayMoney } from '../../text/spoken.ts';
import { sayDigits, sayTime, speakable, voiceTexts } from './voice-texts.ts';
import { errorMessage } from '../../domain/shared/error-messages.ts';

/**
 * The voice portal on 111 as one pure state machine: (state, input) → next state and the use case
 * to call. Both telephony front ends (VoiceXML and Asterisk FastAGI) drive it the same way, so a
 * journey gives the same result through either.
 */
export type VoiceInput = { kind: 'start' } | { kind: 'digits'; digits: string } | { kind: 'noinput' } | { kind: 'nomatch' } | { kind: 'hangup' };

export type VoiceNode =
  | 'main'
  | 'balance'
  | 'payments'
  | 'pay.amount'
  | 'pay.card'
  | 'pay.number'
  | 'pay.expiry'
  | 'pay.confirm'
  | 'pay.result'
  | 'promised'
  | 'promised.confirm'
  | 'promised.result'
  | 'tariff'
  | 'offers'
  | 'bye';

/** What a node shows, as the use case returned it. */
export type Facts =
  | { kind: 'balance'; balance: number; asOf: string; tz: string; seconds: number | null; sms: number | null; bytes: number | null }
  | { kind: 'cards'; cards: { id: number; last4: string; brand: string }[] }
  | { kind: 'promised'; options: { amount: number; fee: number }[]; termDays: number; active: { left: number } | null }
  | { kind: 'tariff'; name: Localized; fee: number; monthly: boolean }
  | { kind: 'offers'; items: { name: Localized; fee: number; monthly: boolean }[] }
  | { kind: 'paid'; amount: number; balance: number }
  | { kind: 'promisedTaken'; amount: number; fee: number; termDays: number }
  | { kind: 'refusal'; code: ErrorCode; params: Record<string, string | number> };

/** The use case a step asks for. */
export type VoiceCall =
  | { kind: 'balance' }
  | { kind: 'cards' }
  | { kind: 'promisedOffer' }
  | { kind: 'tariff' }
  | { kind: 'offers' }
  | { kind: 'paySavedCard'; amount: number; cardId: number }
  | { kind: 'payNewCard'; amount: number; number: string; expiry: string }
  | { kind: 'takePromised'; amount: number };

export type Notice = 'noinput' | 'nomatch' | 'badAmount' | 'badCardNumber' | 'badExpiry';

export interface VoiceState {
  callId: string;
  msisdn: string;
  lang: Lang;
  node: VoiceNode;
  stack: VoiceNode[];
  /** Failed answers in a row: the third ends the call. */
  misses: number;
  /** Steps taken; with the call id it keys the idempotency of paid actions. */
  seq: number;
  notice: Notice | null;
  facts: Facts | null;
  pay: { amount?: number; cardId?: number; last4?: string; number?: string; expiry?: string };
  promised: { amount?: number; fee?: number; termDays?: number };
  ended: boolean;
  /** Why the call ended: the caller hung up, said goodbye, or stopped answering. */
  endReason?: 'hangup' | 'tooMany';
}

export type Expect = { kind: 'key'; keys: string } | { kind: 'digits'; min: number; max: number } | { kind: 'end' };

export interface Step {
  state: VoiceState;
  call: VoiceCall | null;
}

export const MAX_MISSES = 3;
export const NEW_CARD_KEY = '8';
const MAX_CHOICES = 7;
const mainKeys: Record<string, VoiceNode> = { '1': 'balance', '3': 'promised', '4': 'tariff', '7': 'offers' };

const loaders: Partial<Record<VoiceNode, VoiceCall>> = {
  balance: { kind: 'balance' },
  'pay.card': { kind: 'cards' },
  promised: { kind: 'promisedOffer' },
  tariff: { kind: 'tariff' },
  offers: { kind: 'offers' },
};

const fields: Partial<Record<VoiceNode, { min: number; max: number }>> = {
  'pay.amount': { min: 2, max: 5 },
  'pay.number': { min: 12, max: 19 },
  'pay.expiry': { min: 4, max: 4 },
};

export function newCall(callId: string, msisdn: string, lang: Lang): VoiceState {
  return { callId, msisdn, lang, node: 'main', stack: [], misses: 0, seq: 0, notice: null, facts: null, pay: {}, promised: {}, ended: false };
}

function go(s: VoiceState, node: VoiceNode): Step {
  const state: VoiceState = { ...s, node, stack: [...s.stack, s.node], facts: null, notice: null, misses: 0 };
  return { state, call: loaders[node] ?? null };
}

function back(s: VoiceState): Step {
  if (s.stack.length === 0) return { state: { ...s, notice: null, misses: 0 }, call: null };
  const node = s.stack[s.stack.length - 1]!;
  const state: VoiceState = { ...s, node, stack: s.stack.slice(0, -1), facts: null, notice: null, misses: 0 };
  if (node === 'main' || node === 'payments') state.pay = {};
  return { state, call: loaders[node] ?? null };
}

function miss(s: VoiceState, notice: Notice): Step {
  const misses = s.misses + 1;
  if (misses >= MAX_MISSES) return { state: { ...s, misses, node: 'bye', ended: true, endReason: 'tooMany', notice: null, pay: {} }, call: null };
  return { state: { ...s, misses, notice }, call: null };
}

/** A result screen: "*" from it goes to the main menu, not back into the finished flow. */
function result(s: VoiceState, node: VoiceNode, call: VoiceCall): Step {
  return { state: { ...s, node, stack: ['main'], facts: null, notice: null, misses: 0, pay: {} }, call };
}

function menuKey(s: VoiceState, key: string): Step | null {
  const f = s.facts;
  switch (s.node) {
    case 'main':
    {
      const to = mainKeys[key];
      return to ? go(s, to) : null;
    }
    case 'balance':
      return key === '2' && f?.kind === 'balance' ? go(s, 'payments') : null;
    case 'payments':
      return key === '1' ? go(s, 'pay.amount') : null;
    case 'pay.card': {
      if (key === NEW_CARD_KEY) return go(s, 'pay.number');
      const card = f?.kind === 'cards' ? f.cards.slice(0, MAX_CHOICES)[Number(key) - 1] : undefined;
      if (!card) return null;
      return go({ ...s, pay: { ...s.pay, cardId: card.id, last4: card.last4 } }, 'pay.confirm');
    }
    case 'pay.confirm': {
      if (key !== '1' || s.pay.amount === undefined) return null;
      const call: VoiceCall =
        s.pay.cardId !== undefined
          ? { kind: 'paySavedCard', amount: s.pay.amount, cardId: s.pay.cardId }
          : { kind: 'payNewCard', amount: s.pay.amount, number: s.pay.number ?? '', expiry: s.pay.expiry ?? '' };
      return result(s, 'pay.result', call);
    }
    case 'promised': {
      const opt = f?.kind === 'promised' && !f.active ? f.options.slice(0, MAX_CHOICES)[Number(key) - 1] : undefined;
      if (!opt || f?.kind !== 'promised') return null;
      return go({ ...s, promised: { amount: opt.amount, fee: opt.fee, termDays: f.termDays } }, 'promised.confirm');
    }
    case 'promised.confirm':
      return key === '1' && s.promised.amount !== undefined ? result(s, 'promised.result', { kind: 'takePromised', amount: s.promised.amount }) : null;
    default:
      return null;
  }
}

function fieldInput(s: VoiceState, digits: string): Step {
  switch (s.node) {
    case 'pay.amount': {
      const rub = /^\d{1,5}$/.test(digits) ? Number(digits) : NaN;
      if (!(rub >= 10 && rub <= 15_000)) return miss(s, 'badAmount');
      return go({ ...s, pay: { amount: rub * 100 } }, 'pay.card');
    }
    case 'pay.number':
      if (!/^\d{12,19}$/.test(digits)) return miss(s, 'badCardNumber');
      return go({ ...s, pay: { ...s.pay, number: digits, last4: digits.slice(-4), cardId: undefined } }, 'pay.expiry');
    case 'pay.expiry': {
      const m = /^(\d{2})(\d{2})$/.exec(digits);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 12) return miss(s, 'badExpiry');
      return go({ ...s, pay: { ...s.pay, expiry: `${m[1]}/${m[2]}` } }, 'pay.confirm');
    }
    default:
      return miss(s, 'nomatch');
  }
}

/** One step of the call: pure, so both front ends and the tests can replay it. */
export function step(s: VoiceState, input: VoiceInput): Step {
  const st: VoiceState = { ...s, seq: s.seq + 1 };
  if (s.ended) return { state: st, call: null };
  if (input.kind === 'hangup') return { state: { ...st, ended: true, endReason: 'hangup', pay: {} }, call: null };
  if (input.kind === 'start') return { state: { ...st, node: 'main', stack: [], notice: null }, call: null };
  if (input.kind === 'noinput') return miss(st, 'noinput');
  // A key the front end's grammar already refused (VoiceXML menus): the same as a wrong key here.
  if (input.kind === 'nomatch') return miss(st, 'nomatch');
  const digits = input.digits.replace(/#$/, '');
  if (fields[s.node]) {
    if (digits.startsWith('*')) return back(st);
    if (digits === '') return miss(st, 'noinput');
    return fieldInput(st, digits);
  }
  if (digits.length !== 1) return miss(st, digits === '' ? 'noinput' : 'nomatch');
  if (digits === '0') return { state: { ...st, notice: null, misses: 0 }, call: null };
  if (digits === '9') return { state: { ...st, lang: st.lang === 'ru' ? 'en' : 'ru', notice: null, misses: 0 }, call: null };
  if (digits === '*') return back(st);
  return menuKey(st, digits) ?? miss(st, 'nomatch');
}

/** The state with what its use case returned (or the refusal it gave). */
export function withFacts(s: VoiceState, facts: Facts): VoiceState {
  return { ...s, facts };
}

export interface Rendered {
  prompts: string[];
  expect: Expect;
}

const noticeText = (n: Notice, lang: Lang) => voiceTexts[lang][n];

/** What the caller hears now, sentence by sentence (each one cached as audio on its own), and what it may answer. */
export function render(s: VoiceState): Rendered {
  const t = voiceTexts[s.lang];
  const lang = s.lang;
  const money = (m: number) => sayMoney(m, lang);
  if (s.ended) {
    if (s.endReason === 'hangup') return { prompts: [], expect: { kind: 'end' } };
    return { prompts: [s.endReason === 'tooMany' ? t.tooMany : t.bye], expect: { kind: 'end' } };
  }
  const out: string[] = s.notice ? [noticeText(s.notice, lang)] : [];
  const f = s.facts;
  const nav = (keys: string, ...extra: string[]): Rendered => ({
    prompts: [...out, ...extra, ...(s.stack.length ? [t.back] : []), t.repeat, t.otherLanguage],
    expect: { kind: 'key', keys: `${keys}09${s.stack.length ? '*' : ''}` },
  });
  if (f?.kind === 'refusal') {
    out.push(speakable(errorMessage(f.code, f.params, lang), lang));
    return nav('');
  }
  switch (s.node) {
    case 'main':
      if (s.seq <= 1 && !s.notice) out.push(t.welcome, t.recorded);
      return nav('1347', ...t.mainItems);
    case 'balance': {
      if (f?.kind !== 'balance') return nav('');
      out.push(t.balance(money(f.balance), sayTime(new Date(f.asOf), f.tz, lang)));
      const left = [
        ...(f.seconds !== null ? [sayCount(Math.floor(f.seconds / 60), 'minute', lang)] : []),
        ...(f.sms !== null ? [sayCount(f.sms, 'message', lang)] : []),
        ...(f.bytes !== null ? [sayData(f.bytes, lang)] : []),
      ];
      if (left.length) out.push(t.remaining(left));
      return nav('2', t.paymentsKey);
    }
    case 'payments':
      return nav('1', t.payByCardKey);
    case 'pay.amount':
    case 'pay.number':
    case 'pay.expiry': {
      const ask = s.node === 'pay.amount' ? t.askAmount : s.node === 'pay.number' ? t.askCardNumber : t.askExpiry;
      return { prompts: [...out, ask, t.back], expect: { kind: 'digits', ...fields[s.node]! } };
    }
    case 'pay.card': {
      if (f?.kind !== 'cards') return nav('');
      const cards = f.cards.slice(0, MAX_CHOICES);
      const lines = cards.length ? cards.map((c, i) => t.card(c.brand, sayDigits(c.last4, lang), i + 1)) : [t.noCards];
      return nav(`${cards.map((_c, i) => String(i + 1)).join('')}${NEW_CARD_KEY}`, ...lines, t.newCardKey);
    }
    case 'pay.confirm':
      out.push(t.confirmPay(money(s.pay.amount ?? 0), sayDigits(s.pay.last4 ?? '', lang)));
      return { prompts: [...out, t.confirmKey, t.cancelKey], expect: { kind: 'key', keys: '1*' } };
    case 'pay.result':
      if (f?.kind === 'paid') out.push(t.paid(money(f.amount), money(f.balance)));
      return { prompts: [...out, t.toMain, t.repeat, t.otherLanguage], expect: { kind: 'key', keys: '09*' } };
    case 'promised': {
      if (f?.kind !== 'promised') return nav('');
      if (f.active) {
        out.push(t.promisedActive(money(f.active.left)));
        return nav('');
      }
      const opts = f.options.slice(0, MAX_CHOICES);
      out.push(t.promisedTitle(sayCount(f.termDays, 'day', lang)), ...opts.map((o, i) => t.promisedOption(money(o.amount), money(o.fee), i + 1)));
      return nav(opts.map((_o, i) => String(i + 1)).join(''));
    }
    case 'promised.confirm':
      out.push(t.confirmPromised(money(s.promised.amount ?? 0), money(s.promised.fee ?? 0), sayCount(s.promised.termDays ?? 0, 'day', lang)));
      return nav('1', t.acceptKey);
    case 'promised.result':
      if (f?.kind === 'promisedTaken') out.push(t.promisedTaken(money(f.amount), money(f.fee), sayCount(f.termDays, 'day', lang)));
      return { prompts: [...out, t.toMain, t.repeat, t.otherLanguage], expect: { kind: 'key', keys: '09*' } };
    case 'tariff':
      if (f?.kind === 'tariff') out.push(t.tariff(f.name[lang], f.fee ? money(f.fee) : null, f.monthly));
      return nav('');
    case 'offers':
      if (f?.kind === 'offers') out.push(...(f.items.length ? [t.offersTitle, ...f.items.map((i) => t.offer(i.name[lang], i.fee ? money(i.fee) : null, i.monthly)), t.offersHowTo] : [t.noOffers]));
      return nav('');
    case 'bye':
      return { prompts: [t.bye], expect: { kind: 'end' } };
  }
}
