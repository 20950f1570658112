import type { Localized } from '../../domain/catalog/schema.ts';
import type { RingbackService } from '../../domain/ringback/settings.ts';
import type { ErrorCode } from '../../domain/shared/errors.ts';
import type { Lang } from '../../domain/shared/context.ts';
import type { PriceFacts } from '../../text/price-facts.ts';
import { stateChargedToday, statePrice } from '../../text/price.ts';
import { sayCount, sayData, sayMoney } from '../../text/spoken.ts';
import { sayDigits, sayRefusal, sayTime, voiceTexts } from './voice-texts.ts';

/**
 * The voice portal on 111 as one pure state machine: (state, input) → next state and the use case
 * to call. Both telephony front ends (VoiceXML and Asterisk FastAGI) drive it the same way, so a
 * journey gives the same result through either.
 *
 * It decides no availability, amounts, bounds or confirmation: what it offers, at what price, with
 * which bounds and whether to confirm come from the action registry's offers (voice-call.ts loads
 * them); prices are said with statePrice / stateChargedToday in speech, refusals with the error
 * code's message (sayRefusal). Keys: 1 balance → 2 payments → 1 top-up by card; 3 promised payment;
 * 4 tariff → 1 change it; 5 voicemail; 6 ringback tone → 1 choose a melody, 2 stop; 7 options to
 * connect → 8 connected ones to disable.
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
  | 'tariffs'
  | 'offers'
  | 'connected'
  | 'pick.confirm'
  | 'pick.result'
  | 'voicemail'
  | 'ringback'
  | 'rb.list'
  | 'rb.confirm'
  | 'rb.result'
  | 'bye';

/** What the registry refused, as it refused it: said with the error code's message. */
export interface Refusal {
  code: ErrorCode;
  params: Record<string, string | number>;
}

/**
 * One item of a catalog the caller may pick on the keypad (a product to connect, a tariff to move
 * to), as the action registry offered it: its price facts, whether the registry asks to confirm,
 * and its refusal when it is listed but not available now.
 */
export interface Choice {
  code: string;
  name: Localized;
  facts: PriceFacts | null;
  confirm: boolean;
  refusal: Refusal | null;
}

/** What the ringback menu (key 6) does with a melody: buy it and set it for everyone, set one bought, or stop every rule. */
export type RingbackOp = 'buy' | 'set' | 'stop';

/** A melody as the ringback menu says it: its code picks its preview, its title is said. */
export interface Tune {
  code: string;
  title: Localized;
}

/** The catalog actions the menu offers by key. */
export type PickAction = 'product.connect' | 'product.disable' | 'tariff.change';

/** What a node shows, as the action registry offered it or the use case returned it. */
export type Facts =
  | { kind: 'balance'; balance: number; asOf: string; tz: string; seconds: number | null; sms: number | null; bytes: number | null }
  | { kind: 'topup'; bounds: { min: number; max: number }; confirm: boolean }
  | { kind: 'cards'; cards: { id: number; last4: string; brand: string }[]; amount: number; confirm: boolean }
  | { kind: 'promised'; options: { amount: number; facts: PriceFacts }[]; termDays: number; confirm: boolean; refusal: Refusal | null; active: { left: number } | null }
  | { kind: 'tariff'; name: Localized; fee: PriceFacts | null; canChange: boolean }
  | { kind: 'choices'; action: PickAction; items: Choice[] }
  /** A list once said: only what the keys pick (the call's state travels in every VoiceXML link, so it stays small). */
  | { kind: 'picks'; action: PickAction; items: { code: string; confirm: boolean }[] }
  | { kind: 'offer'; action: PickAction; choice: Choice }
  | { kind: 'paid'; amount: number; balance: number }
  /** The promised-payment amounts once said: only what the keys pick. */
  | { kind: 'amounts'; amounts: number[]; confirm: boolean }
  /** One promised-payment amount as the registry offers it, for its confirmation. */
  | { kind: 'promisedAmount'; amount: number; facts: PriceFacts; termDays: number }
  | { kind: 'promisedTaken'; amount: number; fee: number; termDays: number }
  | { kind: 'done'; action: PickAction; name: Localized }
  | { kind: 'refusal'; code: ErrorCode; params: Record<string, string | number> }
  /** A typed answer the registry refused: said, counted as a miss, and asked again with `facts`. */
  | { kind: 'retry'; refusal: Refusal; facts: Facts }
  /** The new voicemail messages when the caller came to key 5 (at most MAX_VOICEMAIL), the one being played, and whether the last was deleted. */
  | { kind: 'voicemail'; tz: string; count: number; items: { id: number; caller: string | null; at: string }[]; index: number; deleted: boolean }
  /**
   * The ringback service (key 6): off (with the connect offer's product when the registry offers
   * it), suspended, or on with the melody a caller no rule names hears now; whether melodies can be
   * chosen, and stopped (with whether the registry asks to confirm).
   */
  | { kind: 'ringback'; service: RingbackService; connect: { code: string; confirm: boolean } | null; playing: Tune | null; choose: boolean; stop: { confirm: boolean } | null }
  /** The melodies to pick: the library's first, then those on sale with their price, as the registry offers them. */
  | { kind: 'rbList'; items: (Tune & { owned: boolean; facts: PriceFacts | null; confirm: boolean })[] }
  /** The melody list once said: only what the keys pick. */
  | { kind: 'rbPicks'; items: { code: string; owned: boolean; confirm: boolean }[] }
  /** One ringback change as the registry offers it, for its confirmation. */
  | { kind: 'rbOffer'; op: RingbackOp; tune: Tune | null; facts: PriceFacts | null }
  | { kind: 'rbDone'; op: RingbackOp; tune: Tune | null; charged: number };

/** The use case a step asks for. */
export type VoiceCall =
  | { kind: 'balance' }
  | { kind: 'topupOffer' }
  | { kind: 'checkAmount'; amount: number }
  | { kind: 'promisedOffer'; amount?: number }
  | { kind: 'tariff' }
  | { kind: 'choices'; action: PickAction }
  | { kind: 'paySavedCard'; amount: number; cardId: number }
  | { kind: 'payNewCard'; amount: number; number: string; expiry: string }
  | { kind: 'takePromised'; amount: number }
  | { kind: 'pickOffer'; action: PickAction; code: string }
  | { kind: 'pick'; action: PickAction; code: string }
  | { kind: 'voicemail' }
  /** The message played is heard (key 1, the next one) or deleted (key 7). */
  | { kind: 'vmHeard'; id: number }
  | { kind: 'vmDelete'; id: number }
  | { kind: 'ringback' }
  | { kind: 'rbList' }
  /** The offer of a ringback change, for its confirmation; then the change itself. */
  | { kind: 'rbOffer'; op: RingbackOp; code?: string }
  | { kind: 'rbDo'; op: RingbackOp; code?: string };

export type Notice = 'noinput' | 'nomatch' | 'badCardNumber' | 'badExpiry' | { refusal: Refusal };

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
  pay: { amount?: number; confirm?: boolean; cardId?: number; last4?: string; number?: string; expiry?: string };
  promised: { amount?: number };
  /** The catalog item picked for confirmation. */
  pick?: { action: PickAction; code: string };
  /** The ringback change picked for confirmation. */
  rb?: { op: RingbackOp; code?: string };
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
const mainKeys: Record<string, VoiceNode> = { '1': 'balance', '3': 'promised', '4': 'tariff', '5': 'voicemail', '6': 'ringback', '7': 'offers' };
/** The new messages one visit to key 5 plays. */
export const MAX_VOICEMAIL = 10;
const AUDIO_PROMPT = 'voicemail-message:';

/** A prompt that is a voicemail message's own audio, not a sentence to synthesise: each front end plays the recording. */
export function voicemailAudioPrompt(id: number): string {
  return `${AUDIO_PROMPT}${id}`;
}

/** The message a prompt plays, or null for a sentence. */
export function voicemailAudioId(prompt: string): number | null {
  return prompt.startsWith(AUDIO_PROMPT) ? Number(prompt.slice(AUDIO_PROMPT.length)) : null;
}

const TONE_PROMPT = 'ringback-tone:';

/** A prompt that is a ringback melody's preview (the 8 kHz tone file made at build time), not a sentence: each front end plays the file. */
export function toneAudioPrompt(code: string): string {
  return `${TONE_PROMPT}${code}`;
}

/** The melody a prompt plays, or null for a sentence. */
export function toneAudioCode(prompt: string): string | null {
  return prompt.startsWith(TONE_PROMPT) ? prompt.slice(TONE_PROMPT.length) : null;
}

const loaders: Partial<Record<VoiceNode, VoiceCall>> = {
  balance: { kind: 'balance' },
  'pay.amount': { kind: 'topupOffer' },
  promised: { kind: 'promisedOffer' },
  tariff: { kind: 'tariff' },
  tariffs: { kind: 'choices', action: 'tariff.change' },
  offers: { kind: 'choices', action: 'product.connect' },
  connected: { kind: 'choices', action: 'product.disable' },
  voicemail: { kind: 'voicemail' },
  ringback: { kind: 'ringback' },
  'rb.list': { kind: 'rbList' },
};
/** From the options menu (key 7): the connected products, to disable one. */
export const CONNECTED_KEY = '8';

/** What a node loads when the caller comes to it; the cards are loaded with the amount judged again. */
function loaderOf(s: VoiceState): VoiceCall | null {
  if (s.node === 'promised.confirm') return s.promised.amount !== undefined ? { kind: 'promisedOffer', amount: s.promised.amount } : null;
  if (s.node === 'pick.confirm') return s.pick ? { kind: 'pickOffer', ...s.pick } : null;
  if (s.node === 'rb.confirm') return s.rb ? { kind: 'rbOffer', ...s.rb } : null;
  if (s.node === 'pay.card') return s.pay.amount !== undefined ? { kind: 'checkAmount', amount: s.pay.amount } : null;
  return loaders[s.node] ?? null;
}

/**
 * The nodes that take a number typed on the keypad, with how many digits it may have. The amount is
 * typed in whole roubles, as many digits as the top-up offer's upper bound has; the registry's offer
 * judges it (AMOUNT_NOT_ALLOWED), not this menu.
 */
function fieldOf(s: VoiceState): { min: number; max: number } | null {
  if (s.facts?.kind === 'refusal') return null;
  switch (s.node) {
    case 'pay.amount':
      return s.facts?.kind === 'topup' ? { min: 1, max: String(Math.floor(s.facts.bounds.max / 100)).length } : null;
    case 'pay.number':
      return { min: 12, max: 19 };
    case 'pay.expiry':
      return { min: 4, max: 4 };
    default:
      return null;
  }
}

export function newCall(callId: string, msisdn: string, lang: Lang): VoiceState {
  return { callId, msisdn, lang, node: 'main', stack: [], misses: 0, seq: 0, notice: null, facts: null, pay: {}, promised: {}, ended: false };
}

function go(s: VoiceState, node: VoiceNode): Step {
  const state: VoiceState = { ...s, node, stack: [...s.stack, s.node], facts: null, notice: null, misses: 0 };
  return { state, call: loaderOf(state) };
}

function back(s: VoiceState): Step {
  if (s.stack.length === 0) return { state: { ...s, notice: null, misses: 0 }, call: null };
  const node = s.stack[s.stack.length - 1]!;
  const state: VoiceState = { ...s, node, stack: s.stack.slice(0, -1), facts: null, notice: null, misses: 0 };
  if (node === 'main' || node === 'payments') state.pay = {};
  return { state, call: loaderOf(state) };
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

/** The items of a list the caller may pick by key: those the registry offers now, in its order. */
function pickable(f: Facts | null): Choice[] {
  return f?.kind === 'choices' ? f.items.filter((i) => !i.refusal).slice(0, MAX_CHOICES) : [];
}

/**
 * The state as it is kept between steps: a list already said keeps only what its keys pick. Repeat
 * (0) and the other language (9) load a node again, so nothing needs the words later.
 */
export function compact(s: VoiceState): VoiceState {
  const f = s.facts;
  if (f?.kind === 'promised') {
    return { ...s, facts: f.refusal ? { ...f, options: [] } : { kind: 'amounts', amounts: f.options.slice(0, MAX_CHOICES).map((o) => o.amount), confirm: f.confirm } };
  }
  if (f?.kind === 'rbList') return { ...s, facts: { kind: 'rbPicks', items: f.items.slice(0, MAX_CHOICES).map((i) => ({ code: i.code, owned: i.owned, confirm: i.confirm })) } };
  if (f?.kind !== 'choices') return s;
  return { ...s, facts: { kind: 'picks', action: f.action, items: pickable(f).map((i) => ({ code: i.code, confirm: i.confirm })) } };
}

function menuKey(s: VoiceState, key: string): Step | null {
  const f = s.facts;
  switch (s.node) {
    case 'main': {
      const to = mainKeys[key];
      return to ? go(s, to) : null;
    }
    case 'balance':
      return key === '2' && f?.kind === 'balance' ? go(s, 'payments') : null;
    case 'payments':
      return key === '1' ? go(s, 'pay.amount') : null;
    case 'pay.card': {
      if (f?.kind !== 'cards') return null;
      if (key === NEW_CARD_KEY) return go(s, 'pay.number');
      const card = f.cards.slice(0, MAX_CHOICES)[Number(key) - 1];
      if (!card || s.pay.amount === undefined) return null;
      const next = { ...s, pay: { ...s.pay, cardId: card.id, last4: card.last4 } };
      return s.pay.confirm === false ? result(next, 'pay.result', { kind: 'paySavedCard', amount: s.pay.amount, cardId: card.id }) : go(next, 'pay.confirm');
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
      const amount = f?.kind === 'amounts' ? f.amounts[Number(key) - 1] : undefined;
      if (amount === undefined || f?.kind !== 'amounts') return null;
      const next = { ...s, promised: { amount } };
      return f.confirm ? go(next, 'promised.confirm') : result(next, 'promised.result', { kind: 'takePromised', amount });
    }
    case 'promised.confirm':
      return key === '1' && f?.kind === 'promisedAmount' ? result(s, 'promised.result', { kind: 'takePromised', amount: f.amount }) : null;
    case 'tariff':
      return key === '1' && f?.kind === 'tariff' && f.canChange ? go(s, 'tariffs') : null;
    case 'tariffs':
    case 'offers':
    case 'connected': {
      if (s.node === 'offers' && key === CONNECTED_KEY) return go(s, 'connected');
      const item = f?.kind === 'picks' ? f.items[Number(key) - 1] : undefined;
      if (!item || f?.kind !== 'picks') return null;
      const pick = { action: f.action, code: item.code };
      return item.confirm ? go({ ...s, pick }, 'pick.confirm') : result({ ...s, pick }, 'pick.result', { kind: 'pick', ...pick });
    }
    case 'pick.confirm':
      return key === '1' && s.pick && f?.kind === 'offer' ? result(s, 'pick.result', { kind: 'pick', ...s.pick }) : null;
    case 'ringback': {
      if (f?.kind !== 'ringback') return null;
      if (key === '1' && f.connect) {
        const pick = { action: 'product.connect' as const, code: f.connect.code };
        return f.connect.confirm ? go({ ...s, pick }, 'pick.confirm') : result({ ...s, pick }, 'pick.result', { kind: 'pick', ...pick });
      }
      if (key === '1' && f.choose) return go(s, 'rb.list');
      if (key === '2' && f.stop) {
        const rb = { op: 'stop' as const };
        return f.stop.confirm ? go({ ...s, rb }, 'rb.confirm') : result({ ...s, rb }, 'rb.result', { kind: 'rbDo', ...rb });
      }
      return null;
    }
    case 'rb.list': {
      const item = f?.kind === 'rbPicks' ? f.items[Number(key) - 1] : undefined;
      if (!item) return null;
      const rb = { op: item.owned ? ('set' as const) : ('buy' as const), code: item.code };
      return item.confirm ? go({ ...s, rb }, 'rb.confirm') : result({ ...s, rb }, 'rb.result', { kind: 'rbDo', ...rb });
    }
    case 'rb.confirm':
      return key === '1' && s.rb && f?.kind === 'rbOffer' ? result(s, 'rb.result', { kind: 'rbDo', ...s.rb }) : null;
    case 'voicemail': {
      const current = f?.kind === 'voicemail' ? f.items[f.index] : undefined;
      if (!current || (key !== '1' && key !== '7')) return null;
      return { state: { ...s, notice: null, misses: 0 }, call: key === '1' ? { kind: 'vmHeard', id: current.id } : { kind: 'vmDelete', id: current.id } };
    }
    default:
      return null;
  }
}

function fieldInput(s: VoiceState, digits: string): Step {
  switch (s.node) {
    case 'pay.amount':
      // Whole roubles; whether the amount may be paid is the top-up offer's to say.
      if (!/^\d{1,7}$/.test(digits)) return miss(s, 'nomatch');
      return { state: { ...s, notice: null }, call: { kind: 'checkAmount', amount: Number(digits) * 100 } };
    case 'pay.number':
      if (!/^\d{12,19}$/.test(digits)) return miss(s, 'badCardNumber');
      return go({ ...s, pay: { ...s.pay, number: digits, last4: digits.slice(-4), cardId: undefined } }, 'pay.expiry');
    case 'pay.expiry': {
      const m = /^(\d{2})(\d{2})$/.exec(digits);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 12) return miss(s, 'badExpiry');
      const next = { ...s, pay: { ...s.pay, expiry: `${m[1]}/${m[2]}` } };
      if (s.pay.confirm === false && s.pay.amount !== undefined) {
        return result(next, 'pay.result', { kind: 'payNewCard', amount: s.pay.amount, number: s.pay.number ?? '', expiry: next.pay.expiry });
      }
      return go(next, 'pay.confirm');
    }
    default:
      return miss(s, 'nomatch');
  }
}

function reload(s: VoiceState): Step {
  const call = s.facts?.kind === 'refusal' ? null : loaderOf(s);
  return { state: call ? { ...s, facts: null } : s, call };
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
  if (fieldOf(s)) {
    if (digits.startsWith('*')) return back(st);
    if (digits === '') return miss(st, 'noinput');
    return fieldInput(st, digits);
  }
  if (digits.length !== 1) return miss(st, digits === '' ? 'noinput' : 'nomatch');
  // Repeat and the other language say the node again, its facts loaded afresh.
  if (digits === '0') return reload({ ...st, notice: null, misses: 0 });
  if (digits === '9') return reload({ ...st, lang: st.lang === 'ru' ? 'en' : 'ru', notice: null, misses: 0 });
  if (digits === '*') return back(st);
  return menuKey(st, digits) ?? miss(st, 'nomatch');
}

/**
 * The state with what its use case returned (or the refusal it gave). A typed amount the top-up
 * offer accepts moves on to the cards; one it refuses is said with the registry's reason and
 * counts as a miss, like any wrong answer.
 */
export function withFacts(s: VoiceState, facts: Facts): VoiceState {
  if (facts.kind === 'retry') {
    if (s.node !== 'pay.amount') return { ...s, facts: { kind: 'refusal', ...facts.refusal } };
    const misses = s.misses + 1;
    if (misses >= MAX_MISSES) return { ...s, misses, node: 'bye', ended: true, endReason: 'tooMany', notice: null, facts: null, pay: {} };
    return { ...s, misses, notice: { refusal: facts.refusal }, facts: facts.facts };
  }
  if (s.node === 'pay.amount' && facts.kind === 'cards') {
    return { ...s, node: 'pay.card', stack: [...s.stack, s.node], facts, notice: null, misses: 0, pay: { amount: facts.amount, confirm: facts.confirm } };
  }
  return { ...s, facts };
}

export interface Rendered {
  prompts: string[];
  expect: Expect;
}

const noticeText = (n: Notice, lang: Lang) => (typeof n === 'object' ? sayRefusal(n.refusal, lang) : voiceTexts[lang][n]);

/**
 * What the voice menu says for a catalog item offered by the action registry — a product to
 * connect or a tariff to move to — in the text before speech: its name, the statement of its price
 * (`statePrice(facts, lang, 'speech')`, verbatim) and, for one the number cannot take now, the
 * registry's refusal. `key` is the keypad key that picks it (null for an unavailable item).
 */
export function sayChoice(item: Choice, lang: Lang, key: number | null): string {
  const t = voiceTexts[lang];
  const price = item.facts ? statePrice(item.facts, lang, 'speech') : t.free;
  return item.refusal || key === null ? t.unavailableItem(item.name[lang], price, sayRefusal(item.refusal ?? { code: 'PRODUCT_NOT_AVAILABLE', params: {} }, lang)) : t.item(item.name[lang], price, key);
}

/**
 * What the confirmation step says for a picked product or tariff: the statement of its price and
 * what is charged now (`statePrice` / `stateChargedToday` in speech, verbatim).
 */
export function sayPickConfirmation(pick: { action: PickAction; name: Localized; facts: PriceFacts | null }, lang: Lang): string {
  const t = voiceTexts[lang];
  const price = pick.facts ? statePrice(pick.facts, lang, 'speech') : t.free;
  const charged = pick.facts ? stateChargedToday(pick.facts, lang, 'speech') : null;
  if (pick.action === 'product.disable') return t.confirmDisable(pick.name[lang], price);
  return pick.action === 'product.connect' ? t.confirmConnect(pick.name[lang], price, charged) : t.confirmTariff(pick.name[lang], price, charged);
}

/** What the caller hears now, sentence by sentence (each one cached as audio on its own), and what it may answer. */
export function render(s: VoiceState): Rendered {
  const t = voiceTexts[s.lang];
  const lang = s.lang;
  const money = (m: number) => sayMoney(m, lang);
  const price = (f: PriceFacts) => statePrice(f, lang, 'speech');
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
  const done = (): Rendered => ({ prompts: [...out, t.toMain, t.repeat, t.otherLanguage], expect: { kind: 'key', keys: '09*' } });
  if (f?.kind === 'refusal') {
    out.push(sayRefusal(f, lang));
    return nav('');
  }
  switch (s.node) {
    case 'main':
      if (s.seq <= 1 && !s.notice) out.push(t.welcome, t.recorded);
      return nav('134567', ...t.mainItems);
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
      const field = fieldOf(s);
      if (!field) return nav('');
      const ask = f?.kind === 'topup' ? t.askAmount(money(f.bounds.min), money(f.bounds.max)) : s.node === 'pay.number' ? t.askCardNumber : t.askExpiry;
      return { prompts: [...out, ask, t.back], expect: { kind: 'digits', ...field } };
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
      return done();
    case 'promised': {
      if (f?.kind !== 'promised') return nav('');
      if (f.refusal) {
        out.push(sayRefusal(f.refusal, lang));
        if (f.active) out.push(t.promisedLeft(money(f.active.left)));
        return nav('');
      }
      const opts = f.options.slice(0, MAX_CHOICES);
      out.push(t.promisedTitle(sayCount(f.termDays, 'day', lang)), ...opts.map((o, i) => t.promisedOption(money(o.amount), price(o.facts), i + 1)));
      return nav(opts.map((_o, i) => String(i + 1)).join(''));
    }
    case 'promised.confirm': {
      if (f?.kind !== 'promisedAmount') return nav('');
      out.push(t.confirmPromised(money(f.amount), price(f.facts), sayCount(f.termDays, 'day', lang), stateChargedToday(f.facts, lang, 'speech')));
      return nav('1', t.acceptKey);
    }
    case 'promised.result':
      if (f?.kind === 'promisedTaken') out.push(t.promisedTaken(money(f.amount), money(f.fee), sayCount(f.termDays, 'day', lang)));
      return done();
    case 'tariff':
      if (f?.kind !== 'tariff') return nav('');
      out.push(t.tariff(f.name[lang], f.fee && f.fee.price > 0 ? price(f.fee) : null));
      return f.canChange ? nav('1', t.changeTariffKey) : nav('');
    case 'tariffs':
    case 'offers':
    case 'connected': {
      if (f?.kind !== 'choices') return nav('');
      const words = { 'tariff.change': [t.tariffsTitle, t.noTariffs], 'product.connect': [t.offersTitle, t.noOffers], 'product.disable': [t.connectedTitle, t.noConnected] }[f.action];
      const more = s.node === 'offers' ? { keys: CONNECTED_KEY, say: [t.connectedKey] } : { keys: '', say: [] };
      if (f.items.length === 0) {
        out.push(words[1]!);
        return nav(more.keys, ...more.say);
      }
      let key = 0;
      const lines = f.items.map((i) => sayChoice(i, lang, i.refusal ? null : ++key));
      out.push(words[0]!, ...lines);
      return nav(pickable(f).map((_i, n) => String(n + 1)).join('') + more.keys, ...more.say);
    }
    case 'pick.confirm':
      if (f?.kind !== 'offer') return nav('');
      out.push(sayPickConfirmation({ action: f.action, name: f.choice.name, facts: f.choice.facts }, lang));
      return nav('1', t.confirmKey);
    case 'pick.result':
      if (f?.kind === 'done') out.push(f.action === 'product.connect' ? t.connected(f.name[lang]) : f.action === 'product.disable' ? t.disabled(f.name[lang]) : t.tariffChanged(f.name[lang]));
      return done();
    case 'voicemail': {
      if (f?.kind !== 'voicemail') return nav('');
      if (f.deleted) out.push(t.vmDeleted);
      if (f.items.length === 0) {
        out.push(t.vmNone);
        return nav('');
      }
      if (f.index === 0 && !f.deleted) out.push(t.vmCount(sayCount(f.count, 'message', lang)));
      const m = f.items[f.index];
      if (!m) {
        out.push(t.vmEnd);
        return nav('');
      }
      out.push(t.vmMessage(f.index + 1, m.caller ? sayDigits(m.caller, lang) : null, sayTime(new Date(m.at), f.tz, lang)), voicemailAudioPrompt(m.id));
      return nav('17', t.vmKeys);
    }
    case 'ringback': {
      if (f?.kind !== 'ringback') return nav('');
      if (f.service === 'off') {
        out.push(t.rbOff);
        return f.connect ? nav('1', t.rbConnectKey) : nav('');
      }
      if (f.service === 'suspended' || f.service === 'held') {
        out.push(f.service === 'held' ? t.rbHeld : t.rbSuspended);
        return nav('');
      }
      if (f.playing) out.push(t.rbPlaying(f.playing.title[lang]), toneAudioPrompt(f.playing.code));
      else out.push(t.rbNone);
      return nav(`${f.choose ? '1' : ''}${f.stop ? '2' : ''}`, ...(f.choose ? [t.rbChooseKey] : []), ...(f.stop ? [t.rbStopKey] : []));
    }
    case 'rb.list': {
      if (f?.kind !== 'rbList') return nav('');
      const items = f.items.slice(0, MAX_CHOICES);
      out.push(t.rbListTitle, ...items.map((i, n) => (i.owned || !i.facts ? t.rbOwned(i.title[lang], n + 1) : t.rbOnSale(i.title[lang], price(i.facts), n + 1))));
      return nav(items.map((_i, n) => String(n + 1)).join(''));
    }
    case 'rb.confirm': {
      if (f?.kind !== 'rbOffer') return nav('');
      if (f.op === 'stop' || !f.tune) {
        out.push(t.rbConfirmStop);
        return nav('1', t.confirmKey);
      }
      // The melody itself before the question: what the subscriber's callers would hear.
      out.push(t.rbListen(f.tune.title[lang]), toneAudioPrompt(f.tune.code));
      out.push(f.op === 'buy' && f.facts ? t.rbConfirmBuy(f.tune.title[lang], price(f.facts), stateChargedToday(f.facts, lang, 'speech')) : t.rbConfirmSet(f.tune.title[lang]));
      return nav('1', t.confirmKey);
    }
    case 'rb.result':
      if (f?.kind === 'rbDone') out.push(f.op === 'stop' || !f.tune ? t.rbStopped : f.op === 'buy' ? t.rbBought(f.tune.title[lang], money(f.charged)) : t.rbSet(f.tune.title[lang]));
      return done();
    case 'bye':
      return { prompts: [t.bye], expect: { kind: 'end' } };
  }
}
