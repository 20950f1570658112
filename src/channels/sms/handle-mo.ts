import { takeToken, tokenRefusal } from '../../domain/auth/rate-limit.ts';
import type { Core } from '../../domain/core.ts';
import { queueReply, recordedReply, type ReplyMode } from '../../domain/notifications/enqueue-sms.ts';
import { claimUnhandledIncoming, markIncomingHandled, recordIncomingSmsForReply, type IncomingRecorded } from '../../domain/notifications/record-incoming-sms.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
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
  /** `claimed`: inserted `sending` for the caller to submit now (`sendClaimed`); otherwise queued for the outbox (or sent inline). */
  reply?: { id: number; msisdn: string; sender: string; text: string; claimed: boolean };
}

/**
 * One mobile-originated SMS to the service number: recorded, run as a command for the subscriber
 * who sent it, answered through the outbox in the subscriber's language. Short codes and named
 * senders are never answered (no loops with other services); a flood gets no more than a few
 * replies a minute. The message stays `received` until its reply is queued (in one statement
 * with marking it `handled`): if this instance dies in between, `recoverUnhandledMo` answers it.
 */
export async function handleMo(core: Core, m: MoMessage, requestId: string): Promise<MoOutcome> {
  return (await receiveMo(core, m, requestId, 'queue')).outcome;
}

/**
 * As `handleMo`, for a gateway that submits the reply at once: the reply is inserted already
 * claimed (`queueReply`'s `claim`) unless an older message to the number waits; the caller sends a
 * claimed one with `sendClaimed`, and leaves the others to the outbox.
 */
export async function handleMoClaimed(core: Core, m: MoMessage, requestId: string): Promise<MoResult> {
  return receiveMo(core, m, requestId, 'claim');
}

/**
 * As `handleMo`, for a gateway that sends the reply itself, in its answer to this request
 * (Kannel's get-url): the reply is recorded as sent through `via` instead of queued, and returned
 * for the gateway to put in its answer.
 */
export async function handleMoAnsweringInline(core: Core, m: MoMessage, requestId: string, via: string): Promise<MoResult> {
  return receiveMo(core, m, requestId, { sentVia: via });
}

const replyLimit = { limit: REPLIES_PER_MINUTE, windowSeconds: 60 };
const replyTokenKey = (msisdn: string) => `sms-reply:${msisdn}`;
const answerable = (msisdn: string) => isPersonalNumber(msisdn) && normalizeMsisdn(msisdn) !== null;

async function receiveMo(core: Core, m: MoMessage, requestId: string, mode: ReplyMode): Promise<MoResult> {
  // eslint-disable-next-line no-control-regex -- a handset may send NUL; the store cannot keep it
  const text = m.text.replace(/\u0000/g, '').slice(0, MAX_TEXT);
  const msisdn = normalizeMsisdn(m.from) ?? m.from.slice(0, 32);
  const to = m.to.slice(0, 20) || SERVICE_NUMBER;
  // The message, its reply token and its sender in one statement.
  const rec = await recordIncomingSmsForReply(
    core,
    { msisdn, to, text, smscId: m.smscId ?? null, gateway: m.gateway },
    answerable(msisdn) ? { key: replyTokenKey(msisdn), windowSeconds: replyLimit.windowSeconds } : null,
  );
  if (rec.id === null) {
    // Asked again with the same id by a gateway that sends the reply itself: its first answer may
    // have been lost on the way, so the same reply goes in this answer too (sent once more, never
    // run or recorded twice).
    const again = typeof mode === 'object' && m.smscId ? await recordedReply(core.db, { shortCode: to, msisdn, smscId: m.smscId }) : null;
    return again ? { outcome: 'duplicate', reply: { ...again, msisdn, sender: SERVICE_NUMBER, claimed: false } } : { outcome: 'duplicate' };
  }
  return answer(core, { id: rec.id, msisdn, text }, requestId, mode, rec);
}

/** Runs a recorded incoming message as a command and queues the reply; marks the message handled. */
export async function answerMo(core: Core, m: { id: number; msisdn: string; text: string }, requestId: string): Promise<MoOutcome> {
  return (await answer(core, m, requestId, 'queue')).outcome;
}

/** As `answerMo`, the reply claimed for the caller as `handleMoClaimed` does. */
export async function answerMoClaimed(core: Core, m: { id: number; msisdn: string; text: string }, requestId: string): Promise<MoResult> {
  return answer(core, m, requestId, 'claim');
}

async function answer(
  core: Core,
  m: { id: number; msisdn: string; text: string },
  requestId: string,
  mode: ReplyMode,
  /** The token and the sender, when `recordIncomingSmsForReply` read them already. */
  known?: Pick<IncomingRecorded, 'token' | 'subscriber'>,
): Promise<MoResult> {
  const done = async (outcome: MoOutcome, reply?: string): Promise<MoResult> => {
    if (reply === undefined) {
      await markIncomingHandled(core.db, m.id, outcome);
      return { outcome };
    }
    const q = await queueReply(core, { moId: m.id, outcome, msisdn: m.msisdn, text: reply, sender: SERVICE_NUMBER, kind: 'sms_reply', at: core.clock.now(), mode });
    return { outcome, reply: { id: q.id, msisdn: m.msisdn, sender: SERVICE_NUMBER, text: reply, claimed: q.claimed } };
  };
  if (!answerable(m.msisdn)) return done('no_reply_sender');
  let sub: { id: number; language: Lang } | undefined;
  if (known?.token) {
    if (tokenRefusal(known.token, core.clock.now(), replyLimit)) return done('rate_limited');
    sub = known.subscriber ?? undefined;
  } else {
    try {
      await takeToken(core.db, replyTokenKey(m.msisdn), core.clock.now(), replyLimit);
    } catch (e) {
      if (isDomainError(e) && e.code === 'RATE_LIMITED') return done('rate_limited');
      throw e;
    }
    sub = await findSubscriberByMsisdn(core.db, m.msisdn);
  }
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
