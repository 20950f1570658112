import { randomUUID } from 'node:crypto';
import {
  buyMelodyAction,
  changeTariffAction,
  connectProductAction,
  disableProductAction,
  perform,
  promisedPaymentAction,
  readBalanceAction,
  removeToneAction,
  requireOffered,
  setToneAction,
  topUpAction,
  voicemailDeleteAction,
  voicemailHeardAction,
  namedParams,
  type Action,
  type Offer,
  type Refusal,
} from '../../domain/actions/registry.ts';
import { recordAudit } from '../../domain/audit/record-audit.ts';
import { listProducts } from '../../domain/catalog/read-catalog.ts';
import type { Core } from '../../domain/core.ts';
import { listCards } from '../../domain/payments/list-payments.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
import { isDomainError } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { findSubscriberByMsisdn } from '../../domain/subscribers/access.ts';
import { getTariff } from '../../domain/subscribers/get-tariff.ts';
import { payNewCardByPhone, type PhoneCardFlow } from '../../domain/payments/pay-new-card-by-phone.ts';
import { listVoicemail } from '../../domain/voicemail/messages.ts';
import { RINGBACK_PRODUCT } from '../../domain/ringback/melodies.ts';
import { ringbackOverview } from '../../domain/ringback/overview.ts';
import { compact, MAX_VOICEMAIL, newCall, render, sayChoice, sayPickConfirmation, step, withFacts, type Choice, type Facts, type PickAction, type RingbackOp, type Tune, type Rendered, type VoiceCall, type VoiceInput, type VoiceState } from './voice-menu.ts';

/** Who calls: the subscriber behind the number a trusted gateway reports. */
export interface VoiceCaller {
  subscriberId: number;
  msisdn: string;
  language: Lang;
  timeZone: string;
}

export interface VoiceDeps {
  /** The provider's phone flow for a new card; without it only saved cards can pay. */
  phoneCardFlow: PhoneCardFlow | null;
  /**
   * The folder of the ringback melodies' 8 kHz previews made at build time (`<code>.wav`,
   * scripts/ringback-tones.mjs; web/dist/tones by default): what key 6 plays. Null: none is played.
   */
  tones?: string | null;
}

export async function findVoiceCaller(core: Core, callingNumber: string): Promise<VoiceCaller | null> {
  const msisdn = normalizeMsisdn(callingNumber);
  if (!msisdn) return null;
  const sub = await findSubscriberByMsisdn(core.db, msisdn);
  if (!sub) return null;
  return { subscriberId: sub.id, msisdn: sub.msisdn, language: sub.language, timeZone: sub.timeZone };
}

function voiceCtx(caller: VoiceCaller, s: VoiceState, paid: boolean): Ctx {
  return {
    actor: { kind: 'subscriber', subscriberId: caller.subscriberId },
    channel: 'voice',
    requestId: randomUUID(),
    lang: s.lang,
    // A repeated step (a gateway retrying a request) returns the first result instead of paying twice.
    ...(paid ? { idempotencyKey: `voice:${s.callId}:${s.seq}` } : {}),
  };
}

/** The kinds of product the "promotions and useful options" menu (key 7) reads out: its topic, not a rule of availability. */
const OPTION_KINDS: readonly string[] = ['option', 'package'];
/** How many catalog items one menu reads out (the keypad picks 1–7). */
const MAX_LISTED = 7;

/** Whether the registry asks the voice channel to confirm this offer before it runs. */
function confirms<D>(action: Pick<Action<object, object, unknown, D>, 'confirmation'>, offer: Offer<D>): boolean {
  return action.confirmation(offer, 'voice').kind !== 'none';
}

/**
 * A catalog offer as the menu keeps it. Disabling costs nothing (its facts are null): what it
 * states is what the product costs now, the registry's `details.stops`.
 */
/** A refusal with catalog names in place of codes, as every channel words it (refusalWords). */
async function named(core: Core, r: Refusal, lang: Lang): Promise<Refusal> {
  return { code: r.code, params: await namedParams(core.db, r.params, lang) };
}

async function namedChoice(core: Core, c: Choice, lang: Lang): Promise<Choice> {
  return c.refusal ? { ...c, refusal: await named(core, c.refusal, lang) } : c;
}

/** The refusals a result carries, named for the caller's language. */
async function namedFacts(core: Core, f: Facts, lang: Lang): Promise<Facts> {
  if (f.kind === 'refusal') return { ...f, ...(await named(core, f, lang)) };
  if (f.kind === 'retry') return { ...f, refusal: await named(core, f.refusal, lang) };
  if (f.kind === 'promised' && f.refusal) return { ...f, refusal: await named(core, f.refusal, lang) };
  if (f.kind === 'choices') return { ...f, items: await Promise.all(f.items.map((c) => namedChoice(core, c, lang))) };
  if (f.kind === 'offer') return { ...f, choice: await namedChoice(core, f.choice, lang) };
  return f;
}

function choiceOf<D extends { code: string; name: Choice['name']; stops?: Choice['facts'] }>(action: Pick<Action<object, object, unknown, D>, 'confirmation'>, o: Offer<D>): Choice {
  return { code: o.details.code, name: o.details.name, facts: o.facts ?? o.details.stops ?? null, confirm: confirms(action, o), refusal: o.refusal };
}

/**
 * The catalog items the voice menu reads out for `action`, as the action registry offers them to
 * the number: products to connect (key 7: the shown options and packages, an unavailable one with
 * the registry's refusal), tariffs to move to (key 4, then 1: the shown offers without a refusal).
 */
export async function voiceChoices(core: Core, ctx: Ctx, action: PickAction, msisdn: string): Promise<Choice[]> {
  if (action === 'product.connect') {
    const offers = (await connectProductAction.offers(core, ctx, { msisdn })).filter((o) => o.shown && OPTION_KINDS.includes(o.details.kind));
    // Seven keys: the options and packages for home come first, the roaming packages (bought for a
    // trip, and listed in the roaming welcome SMS and the app) after them.
    const roaming = new Set((await listProducts(core.db)).filter((p) => p.roaming).map((p) => p.code));
    const ordered = [...offers.filter((o) => !roaming.has(o.details.code)), ...offers.filter((o) => roaming.has(o.details.code))];
    return ordered.slice(0, MAX_LISTED).map((o) => choiceOf(connectProductAction, o));
  }
  if (action === 'product.disable') {
    const offers = await disableProductAction.offers(core, ctx, { msisdn });
    return offers.filter((o) => o.shown).slice(0, MAX_LISTED).map((o) => choiceOf(disableProductAction, o));
  }
  const offers = await changeTariffAction.offers(core, ctx, { msisdn });
  return offers.filter((o) => o.shown && !o.refusal).slice(0, MAX_LISTED).map((o) => choiceOf(changeTariffAction, o));
}

/** One catalog item as the registry offers it now (picked from a list: judged again). */
async function voiceChoice(core: Core, ctx: Ctx, action: PickAction, msisdn: string, code: string): Promise<Choice> {
  if (action === 'product.connect') return namedChoice(core, choiceOf(connectProductAction, await connectProductAction.offer(core, ctx, { msisdn, productCode: code })), ctx.lang);
  if (action === 'product.disable') return namedChoice(core, choiceOf(disableProductAction, await disableProductAction.offer(core, ctx, { msisdn, productCode: code })), ctx.lang);
  return namedChoice(core, choiceOf(changeTariffAction, await changeTariffAction.offer(core, ctx, { msisdn, tariffCode: code })), ctx.lang);
}

/**
 * What the voice channel says for one product or tariff offer, in the text before speech (for
 * cross-channel tests): `line`, how the menu lists it (its name, `statePrice(facts, lang, 'speech')`
 * and key 1, or the registry's refusal), and `confirmation`, the confirmation step's words
 * (statePrice and stateChargedToday in speech) — null when the number cannot take it.
 */
export async function voiceOfferText(core: Core, ctx: Ctx, msisdn: string, target: { productCode: string } | { tariffCode: string }, lang: Lang): Promise<{ line: string; confirmation: string | null }> {
  const [action, code]: [PickAction, string] = 'productCode' in target ? ['product.connect', target.productCode] : ['tariff.change', target.tariffCode];
  const choice = await voiceChoice(core, { ...ctx, lang }, action, msisdn, code);
  return {
    line: sayChoice(choice, lang, choice.refusal ? null : 1),
    confirmation: choice.refusal ? null : sayPickConfirmation({ action, name: choice.name, facts: choice.facts }, lang),
  };
}

const tuneOf = (m: { code: string; title: Tune['title'] }): Tune => ({ code: m.code, title: m.title });

/**
 * The ringback menu's screens as the registry offers them: the service and what plays now (key 6),
 * the melodies to pick (the library's, then those on sale with the buy offer's price), one change's offer.
 */
async function ringbackFacts(core: Core, ctx: Ctx, msisdn: string, call: { kind: 'ringback' } | { kind: 'rbList' } | { kind: 'rbOffer'; op: RingbackOp; code?: string }): Promise<Facts> {
  const o = await ringbackOverview(core, ctx, { msisdn });
  if (call.kind === 'ringback') {
    let connect: { code: string; confirm: boolean } | null = null;
    if (o.service === 'off') {
      const offer = await connectProductAction.offer(core, ctx, { msisdn, productCode: RINGBACK_PRODUCT });
      connect = offer.refusal ? null : { code: RINGBACK_PRODUCT, confirm: confirms(connectProductAction, offer) };
    }
    const playing = o.nowForEveryone ? o.catalog.find((m) => m.code === o.nowForEveryone) ?? o.library.find((l) => l.melody.code === o.nowForEveryone)?.melody : undefined;
    const stop = await removeToneAction.offer(core, ctx, { msisdn });
    return {
      kind: 'ringback',
      service: o.service,
      connect,
      playing: playing ? tuneOf(playing) : null,
      choose: o.service === 'active',
      stop: o.service === 'active' && o.rules.length > 0 && !stop.refusal ? { confirm: confirms(removeToneAction, stop) } : null,
    };
  }
  if (call.kind === 'rbList') {
    const owned = o.library.filter((l) => l.status === 'active').map((l) => l.melody);
    const onSale = o.catalog.filter((m) => !owned.some((b) => b.code === m.code));
    const items = [];
    for (const m of owned) {
      const offer = await setToneAction.offer(core, ctx, { msisdn, melody: m.code });
      if (!offer.refusal) items.push({ ...tuneOf(m), owned: true, facts: null, confirm: confirms(setToneAction, offer) });
    }
    for (const m of onSale) {
      const offer = await buyMelodyAction.offer(core, ctx, { msisdn, melody: m.code });
      if (!offer.refusal && offer.facts) items.push({ ...tuneOf(m), owned: false, facts: offer.facts, confirm: confirms(buyMelodyAction, offer) });
    }
    return { kind: 'rbList', items: items.slice(0, MAX_LISTED) };
  }
  // One change picked: judged again by the registry now (the money, the library may have changed).
  if (call.op === 'stop') {
    const offer = await removeToneAction.offer(core, ctx, { msisdn });
    return offer.refusal ? { kind: 'refusal', ...offer.refusal } : { kind: 'rbOffer', op: 'stop', tune: null, facts: null };
  }
  const action = call.op === 'buy' ? buyMelodyAction : setToneAction;
  const offer = await action.offer(core, ctx, { msisdn, melody: call.code });
  if (offer.refusal) return { kind: 'refusal', ...offer.refusal };
  const melody = offer.details.melody;
  if (!melody) return { kind: 'refusal', code: 'MELODY_NOT_FOUND', params: { melody: call.code ?? '' } };
  return { kind: 'rbOffer', op: call.op, tune: tuneOf(melody), facts: offer.facts };
}

/**
 * Runs what a step asked for through the action registry: offers are read from it, actions are
 * taken with `perform`; a refusal becomes what the node says (the error code's message).
 */
async function run(core: Core, deps: VoiceDeps, caller: VoiceCaller, s: VoiceState, call: VoiceCall): Promise<Facts> {
  const paid = call.kind === 'paySavedCard' || call.kind === 'payNewCard' || call.kind === 'takePromised' || call.kind === 'pick' || call.kind === 'rbDo';
  const ctx = voiceCtx(caller, s, paid);
  const msisdn = caller.msisdn;
  try {
    switch (call.kind) {
      case 'balance': {
        const b = await perform(core, ctx, readBalanceAction, msisdn, {});
        const r = b.remaining;
        return {
          kind: 'balance',
          balance: b.balance,
          asOf: b.asOf,
          tz: caller.timeZone,
          seconds: r.seconds.included > 0 ? r.seconds.remaining : null,
          sms: r.sms.included > 0 ? r.sms.remaining : null,
          bytes: r.bytes.included > 0 ? r.bytes.remaining : null,
        };
      }
      case 'topupOffer': {
        const o = await topUpAction.offer(core, ctx, { msisdn });
        if (o.refusal) return { kind: 'refusal', ...o.refusal };
        return { kind: 'topup', bounds: o.details.bounds, confirm: confirms(topUpAction, o) };
      }
      case 'checkAmount': {
        // The typed amount is the top-up offer's to judge: a refusal is said and asked again.
        const o = await topUpAction.offer(core, ctx, { msisdn, amount: call.amount });
        const confirm = confirms(topUpAction, o);
        if (o.refusal) return { kind: 'retry', refusal: o.refusal, facts: { kind: 'topup', bounds: o.details.bounds, confirm } };
        const cards = (await listCards(core, ctx, { msisdn })).map((c) => ({ id: c.id, last4: c.last4, brand: c.brand }));
        return { kind: 'cards', cards, amount: call.amount, confirm };
      }
      case 'promisedOffer': {
        if (call.amount !== undefined) {
          // One amount picked: the registry states its commission (and refuses it if it may not be taken now).
          const o = await promisedPaymentAction.offer(core, ctx, { msisdn, amount: call.amount });
          if (o.refusal) return { kind: 'refusal', ...o.refusal };
          if (!o.facts) throw new Error(`the promised-payment offer states no price for ${call.amount}`);
          return { kind: 'promisedAmount', amount: call.amount, facts: o.facts, termDays: o.details.termDays };
        }
        const o = await promisedPaymentAction.offer(core, ctx, { msisdn });
        const d = o.details;
        return {
          kind: 'promised',
          refusal: o.refusal,
          active: d.active ? { left: d.active.amount - d.active.repaid } : null,
          options: d.options.map((x) => ({ amount: x.amount, facts: x.facts })),
          termDays: d.termDays,
          confirm: confirms(promisedPaymentAction, o),
        };
      }
      case 'tariff': {
        const offers = await changeTariffAction.offers(core, ctx, { msisdn });
        const current = offers.find((o) => o.details.current) ?? (await changeTariffAction.offer(core, ctx, { msisdn, tariffCode: (await getTariff(core, ctx, { msisdn })).tariff.code }));
        // What being on the plan costs: its price per period, without the fee of switching to it.
        const fee = current.facts ? { ...current.facts, connectionFee: 0, commission: 0, chargedToday: 0 } : null;
        return { kind: 'tariff', name: current.details.name, fee, canChange: offers.some((o) => o.shown && !o.refusal) };
      }
      case 'choices':
        return { kind: 'choices', action: call.action, items: await voiceChoices(core, ctx, call.action, msisdn) };
      case 'paySavedCard': {
        const r = await perform(core, ctx, topUpAction, msisdn, { amount: call.amount, cardId: call.cardId });
        // The saved-card use case audits refusals only; a charge taken by voice is recorded too.
        await recordAudit(core.db, core, ctx, { action: 'payment.card', subscriberId: caller.subscriberId, details: { paymentId: r.paymentId, amount: call.amount, cardId: call.cardId } });
        return { kind: 'paid', amount: call.amount, balance: (await perform(core, ctx, readBalanceAction, msisdn, {})).balance };
      }
      case 'payNewCard': {
        requireOffered(await topUpAction.offer(core, ctx, { msisdn, amount: call.amount }));
        if (!deps.phoneCardFlow) return { kind: 'refusal', code: 'PAYMENT_FAILED', params: {} };
        await payNewCardByPhone(core, ctx, deps.phoneCardFlow, { msisdn, amount: call.amount, number: call.number, expiry: call.expiry });
        return { kind: 'paid', amount: call.amount, balance: (await perform(core, ctx, readBalanceAction, msisdn, {})).balance };
      }
      case 'takePromised': {
        const r = await perform(core, ctx, promisedPaymentAction, msisdn, { amount: call.amount });
        const days = Math.round((new Date(r.dueAt).getTime() - core.clock.now().getTime()) / 86_400_000);
        return { kind: 'promisedTaken', amount: r.amount, fee: r.fee, termDays: days };
      }
      case 'pickOffer': {
        const choice = await voiceChoice(core, ctx, call.action, msisdn, call.code);
        return choice.refusal ? { kind: 'refusal', ...choice.refusal } : { kind: 'offer', action: call.action, choice };
      }
      case 'voicemail': {
        const { messages } = await listVoicemail(core, ctx, { msisdn });
        const fresh = messages.filter((m) => !m.heard).reverse();
        return { kind: 'voicemail', tz: caller.timeZone, count: fresh.length, items: fresh.slice(0, MAX_VOICEMAIL).map((m) => ({ id: m.id, caller: m.caller, at: m.receivedAt })), index: 0, deleted: false };
      }
      case 'vmHeard':
      case 'vmDelete': {
        const f = s.facts?.kind === 'voicemail' ? s.facts : null;
        if (!f) return { kind: 'refusal', code: 'NOT_FOUND', params: {} };
        if (call.kind === 'vmHeard') {
          await perform(core, ctx, voicemailHeardAction, msisdn, { id: call.id });
          return { ...f, index: f.index + 1, deleted: false };
        }
        await perform(core, ctx, voicemailDeleteAction, msisdn, { id: call.id });
        return { ...f, items: f.items.filter((m) => m.id !== call.id), count: f.count - 1, deleted: true };
      }
      case 'ringback':
      case 'rbList':
      case 'rbOffer':
        return await ringbackFacts(core, ctx, msisdn, call);
      case 'rbDo': {
        if (call.op === 'stop') {
          await perform(core, ctx, removeToneAction, msisdn, { all: true });
          return { kind: 'rbDone', op: 'stop', tune: null, charged: 0 };
        }
        const melody = call.code ?? '';
        const offered = call.op === 'buy' ? await buyMelodyAction.offer(core, ctx, { msisdn, melody }) : await setToneAction.offer(core, ctx, { msisdn, melody });
        const tune = offered.details.melody ? tuneOf(offered.details.melody) : null;
        const charged = call.op === 'buy' ? (await perform(core, ctx, buyMelodyAction, msisdn, { melody })).charged : 0;
        // Bought, then set for every caller: its own idempotency key, so a retried step does neither twice.
        const setCtx = call.op === 'buy' && ctx.idempotencyKey ? { ...ctx, idempotencyKey: `${ctx.idempotencyKey}:set` } : ctx;
        await perform(core, setCtx, setToneAction, msisdn, { melody });
        return { kind: 'rbDone', op: call.op, tune, charged };
      }
      case 'pick': {
        const { name } = await voiceChoice(core, ctx, call.action, msisdn, call.code);
        if (call.action === 'product.connect') await perform(core, ctx, connectProductAction, msisdn, { productCode: call.code });
        else if (call.action === 'product.disable') await perform(core, ctx, disableProductAction, msisdn, { productCode: call.code });
        else await perform(core, ctx, changeTariffAction, msisdn, { tariffCode: call.code });
        return { kind: 'done', action: call.action, name };
      }
    }
  } catch (e) {
    if (!isDomainError(e)) throw e;
    // The provider's reason is for the log and the payment record, not for the caller's ear.
    return { kind: 'refusal', code: e.code, params: e.code === 'PAYMENT_FAILED' ? {} : e.params };
  }
}

export interface Turn {
  state: VoiceState;
  say: Rendered;
}

/** Starts a call for an identified caller: the main menu in the subscriber's language. */
export function startCall(caller: VoiceCaller, callId: string): Turn {
  const state = step(newCall(callId, caller.msisdn, caller.language), { kind: 'start' }).state;
  return { state: compact(state), say: render(state) };
}

/** One turn: the input applied, the use case it asks for run, and what to say next. */
export async function advanceCall(core: Core, deps: VoiceDeps, caller: VoiceCaller, s: VoiceState, input: VoiceInput): Promise<Turn> {
  const next = step(s, input);
  let state = next.state;
  if (next.call) state = withFacts(state, await namedFacts(core, await run(core, deps, caller, state, next.call), state.lang));
  return { state: compact(state), say: render(state) };
}
