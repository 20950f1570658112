import { randomUUID } from 'node:crypto';
import { recordAudit } from '../../domain/audit/record-audit.ts';
import { getPromisedPaymentOffer, takePromisedPayment } from '../../domain/billing/promised-payment.ts';
import type { Core } from '../../domain/core.ts';
import { listCards } from '../../domain/payments/list-payments.ts';
import { payWithSavedCard } from '../../domain/payments/top-up.ts';
import { listAvailableProducts } from '../../domain/services/list-available-products.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
import { isDomainError } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { findSubscriberByMsisdn } from '../../domain/subscribers/access.ts';
import { getBalance } from '../../domain/subscribers/get-balance.ts';
import { getTariff } from '../../domain/subscribers/get-tariff.ts';
import { payNewCardByPhone, type PhoneCardFlow } from '../../domain/payments/pay-new-card-by-phone.ts';
import { newCall, render, step, withFacts, type Facts, type Rendered, type VoiceCall, type VoiceInput, type VoiceState } from './voice-menu.ts';

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

/** Runs the use case a step asked for; a refusal becomes what the node says. */
async function run(core: Core, deps: VoiceDeps, caller: VoiceCaller, s: VoiceState, call: VoiceCall): Promise<Facts> {
  const paid = call.kind === 'paySavedCard' || call.kind === 'payNewCard' || call.kind === 'takePromised';
  const ctx = voiceCtx(caller, s, paid);
  const msisdn = caller.msisdn;
  try {
    switch (call.kind) {
      case 'balance': {
        const b = await getBalance(core, ctx, { msisdn });
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
      case 'cards':
        return { kind: 'cards', cards: (await listCards(core, ctx, { msisdn })).map((c) => ({ id: c.id, last4: c.last4, brand: c.brand })) };
      case 'promisedOffer': {
        const o = await getPromisedPaymentOffer(core, ctx, { msisdn });
        if (!o.active && (!o.available || o.options.length === 0)) {
          return { kind: 'refusal', code: 'PROMISED_PAYMENT_UNAVAILABLE', params: o.reason === 'trust_limit' ? { reason: 'trust_limit' } : {} };
        }
        return { kind: 'promised', options: o.options, termDays: o.termDays, active: o.active ? { left: o.active.amount - o.active.repaid } : null };
      }
      case 'tariff': {
        const t = await getTariff(core, ctx, { msisdn });
        return { kind: 'tariff', name: t.tariff.name, fee: t.tariff.fee.amount, monthly: t.tariff.fee.model === 'monthly' };
      }
      case 'offers': {
        const list = await listAvailableProducts(core, ctx, { msisdn });
        const items = list.filter((p) => !p.content && !p.blockedBy && (p.kind === 'option' || p.kind === 'package')).slice(0, 5);
        return { kind: 'offers', items: items.map((p) => ({ name: p.name, fee: p.fee.amount, monthly: p.fee.model !== 'daily' })) };
      }
      case 'paySavedCard': {
        const r = await payWithSavedCard(core, ctx, { msisdn, amount: call.amount, cardId: call.cardId });
        // The saved-card use case audits refusals only; a charge taken by voice is recorded too.
        await recordAudit(core.db, core, ctx, { action: 'payment.card', subscriberId: caller.subscriberId, details: { paymentId: r.paymentId, amount: call.amount, cardId: call.cardId } });
        return { kind: 'paid', amount: call.amount, balance: (await getBalance(core, ctx, { msisdn })).balance };
      }
      case 'payNewCard': {
        if (!deps.phoneCardFlow) return { kind: 'refusal', code: 'PAYMENT_FAILED', params: {} };
        await payNewCardByPhone(core, ctx, deps.phoneCardFlow, { msisdn, amount: call.amount, number: call.number, expiry: call.expiry });
        return { kind: 'paid', amount: call.amount, balance: (await getBalance(core, ctx, { msisdn })).balance };
      }
      case 'takePromised': {
        const r = await takePromisedPayment(core, ctx, { msisdn, amount: call.amount });
        const days = Math.round((new Date(r.dueAt).getTime() - core.clock.now().getTime()) / 86_400_000);
        return { kind: 'promisedTaken', amount: r.amount, fee: r.fee, termDays: days };
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
  return { state, say: render(state) };
}

/** One turn: the input applied, the use case it asks for run, and what to say next. */
export async function advanceCall(core: Core, deps: VoiceDeps, caller: VoiceCaller, s: VoiceState, input: VoiceInput): Promise<Turn> {
  const next = step(s, input);
  let state = next.state;
  if (next.call) state = withFacts(state, await run(core, deps, caller, state, next.call));
  return { state, say: render(state) };
}
