import { takeToken } from '../../domain/auth/rate-limit.ts';
import type { Core } from '../../domain/core.ts';
import { enqueueSms } from '../../domain/notifications/enqueue-sms.ts';
import { claimUnhandledIncoming, markIncomingHandled, recordIncomingSms } from '../../domain/notifications/record-incoming-sms.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { isDomainError } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { findSubscriberByMsisdn } from '../../domain/subscribers/access.ts';
import { helpText, runSmsCommand } from './commands.ts';
import { isPersonalNumber, words } from './normalize.ts';

export const SERVICE_NUMBER = '8111';
const MAX_TEXT = 1600;
const REPLIES_PER_MINUTE = 6;

export interface MoMessage {
  from: string;
  to: string;
  text: string;
  /** The SMSC's id of the message: the same id arriving twice is handled once. */
  smscId?: string | null;
  gateway: string;
}

export type MoOutcome = 'replied' | 'duplicate' | 'no_reply_sender' | 'rate_limited';

/** What became of a message, and the reply (its outbox row and text) when one is due. */
export interface MoResult {
  outcome: MoOutcome;
  reply?: { id: number; text: string };
}

/**
 * One mobile-originated SMS to the service number: recorded, run as a command for the subscriber
 * who sent it, answered through the outbox in the subscriber's language. Short codes and named
 * senders are never answered (no loops with other services); a flood gets no more than a few
 * replies a minute. The message stays `received` until its reply is queued (in one transaction
 * with marking it `handled`): if this instance dies in between, `recoverUnhandledMo` answers it.
 */
export async function handleMo(core: Core, m: MoMessage, requestId: string): Promise<MoOutcome> {
  return (await receiveMo(core, m, requestId)).outcome;
}

/** As `handleMo`, with the queued reply's outbox row, for a gateway that submits it at once (`sendQueuedNow`). */
export async function handleMoQueued(core: Core, m: MoMessage, requestId: string): Promise<MoResult> {
  return receiveMo(core, m, requestId);
}

/**
 * As `handleMo`, for a gateway that sends the reply itself, in its answer to this request
 * (Kannel's get-url): the reply is recorded as sent through `via` instead of queued, and returned
 * for the gateway to put in its answer.
 */
export async function handleMoAnsweringInline(core: Core, m: MoMessage, requestId: string, via: string): Promise<MoResult> {
  return receiveMo(core, m, requestId, via);
}

async function receiveMo(core: Core, m: MoMessage, requestId: string, via?: string): Promise<MoResult> {
  // eslint-disable-next-line no-control-regex -- a handset may send NUL; the store cannot keep it
  const text = m.text.replace(/\u0000/g, '').slice(0, MAX_TEXT);
  const msisdn = normalizeMsisdn(m.from) ?? m.from.slice(0, 32);
  const id = await recordIncomingSms(core, { msisdn, to: m.to.slice(0, 20) || SERVICE_NUMBER, text, smscId: m.smscId ?? null, gateway: m.gateway });
  if (id === null) return { outcome: 'duplicate' };
  return answer(core, { id, msisdn, text }, requestId, via);
}

/** Runs a recorded incoming message as a command and queues the reply; marks the message handled. */
export async function answerMo(core: Core, m: { id: number; msisdn: string; text: string }, requestId: string): Promise<MoOutcome> {
  return (await answer(core, m, requestId)).outcome;
}

/** As `answerMo`, with the queued reply's outbox row. */
export async function answerMoQueued(core: Core, m: { id: number; msisdn: string; text: string }, requestId: string): Promise<MoResult> {
  return answer(core, m, requestId);
}

async function answer(core: Core, m: { id: number; msisdn: string; text: string }, requestId: string, via?: string): Promise<MoResult> {
  const done = async (outcome: MoOutcome, reply?: string): Promise<MoResult> =>
    core.db.tx(async (tx) => {
      const id =
        reply === undefined
          ? undefined
          : await enqueueSms(tx, { msisdn: m.msisdn, text: reply, sender: SERVICE_NUMBER, kind: 'sms_reply', at: core.clock.now(), ...(via ? { sentVia: via } : {}) });
      await markIncomingHandled(tx, m.id, outcome);
      return id === undefined || reply === undefined ? { outcome } : { outcome, reply: { id, text: reply } };
    });
  if (!isPersonalNumber(m.msisdn) || !normalizeMsisdn(m.msisdn)) return done('no_reply_sender');
  try {
    await takeToken(core.db, `sms-reply:${m.msisdn}`, core.clock.now(), { limit: REPLIES_PER_MINUTE, windowSeconds: 60 });
  } catch (e) {
    if (isDomainError(e) && e.code === 'RATE_LIMITED') return done('rate_limited');
    throw e;
  }
  const sub = await findSubscriberByMsisdn(core.db, m.msisdn);
  if (!sub) return done('replied', 'Сервис 8111 доступен абонентам сети. / 8111 serves subscribers of this network only.');
  const ctx: Ctx = { actor: { kind: 'subscriber', subscriberId: sub.id }, channel: 'sms', requestId, lang: sub.language };
  const tokens = words(m.text.slice(0, MAX_TEXT));
  return done('replied', tokens.length ? await runSmsCommand(core, ctx, sub.language, tokens) : helpText(sub.language));
}

/**
 * Answers incoming messages recorded more than `olderThanMs` ago and never answered (their
 * instance died between recording and replying, or the command failed), a few attempts each.
 * Commands are safe to run again: a repeated connect or promised payment is refused as already
 * done, and its reply says so. Returns how many were taken up.
 */
export async function recoverUnhandledMo(core: Core, opts: { olderThanMs?: number; limit?: number } = {}): Promise<number> {
  const claimed = await claimUnhandledIncoming(core, { olderThanMs: opts.olderThanMs ?? 120_000, limit: opts.limit ?? 50 });
  for (const m of claimed) {
    try {
      const outcome = await answerMo(core, m, `sms-recover-${m.id}`);
      core.log.info({ sms: m.id, outcome }, 'unanswered incoming sms taken up again');
    } catch (e) {
      // Left `recovering`: released after five minutes for another attempt.
      core.log.error({ err: e, sms: m.id }, 'unanswered incoming sms failed again');
    }
  }
  return claimed.length;
}
