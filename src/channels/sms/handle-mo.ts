import { takeToken } from '../../domain/auth/rate-limit.ts';
import type { Core } from '../../domain/core.ts';
import { enqueueSms } from '../../domain/notifications/enqueue-sms.ts';
import { recordIncomingSms } from '../../domain/notifications/record-incoming-sms.ts';
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

/**
 * One mobile-originated SMS to the service number: recorded, run as a command for the subscriber
 * who sent it, answered through the outbox in the subscriber's language. Short codes and named
 * senders are never answered (no loops with other services); a flood gets no more than a few
 * replies a minute.
 */
export async function handleMo(core: Core, m: MoMessage, requestId: string): Promise<MoOutcome> {
  // eslint-disable-next-line no-control-regex -- a handset may send NUL; the store cannot keep it
  const text = m.text.replace(/\u0000/g, '').slice(0, MAX_TEXT);
  const msisdn = normalizeMsisdn(m.from) ?? m.from.slice(0, 32);
  const now = core.clock.now();
  const fresh = await recordIncomingSms(core, { msisdn, to: m.to.slice(0, 20) || SERVICE_NUMBER, text, smscId: m.smscId ?? null, gateway: m.gateway });
  if (!fresh) return 'duplicate';
  if (!isPersonalNumber(m.from) || !normalizeMsisdn(m.from)) return 'no_reply_sender';
  try {
    await takeToken(core.db, `sms-reply:${msisdn}`, now, { limit: REPLIES_PER_MINUTE, windowSeconds: 60 });
  } catch (e) {
    if (isDomainError(e) && e.code === 'RATE_LIMITED') return 'rate_limited';
    throw e;
  }
  const sub = await findSubscriberByMsisdn(core.db, msisdn);
  let reply: string;
  if (!sub) {
    reply = 'Сервис 8111 доступен абонентам сети. / 8111 serves subscribers of this network only.';
  } else {
    const ctx: Ctx = { actor: { kind: 'subscriber', subscriberId: sub.id }, channel: 'sms', requestId, lang: sub.language };
    const tokens = words(text);
    reply = tokens.length ? await runSmsCommand(core, ctx, sub.language, tokens) : helpText(sub.language);
  }
  await enqueueSms(core.db, { msisdn, text: reply, sender: SERVICE_NUMBER, kind: 'sms_reply', at: core.clock.now() });
  return 'replied';
}
