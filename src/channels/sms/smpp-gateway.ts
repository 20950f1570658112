import { createHash, randomUUID } from 'node:crypto';
import type { Core } from '../../domain/core.ts';
import { assembleMoPart } from '../../domain/notifications/assemble-mo-part.ts';
import { recordDeliveryReceipt } from '../../domain/notifications/record-delivery-receipt.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { answerMo, answerMoClaimed, handleMo, handleMoClaimed, SERVICE_NUMBER, type MoResult } from './handle-mo.ts';

export interface SmppInbound {
  source: string;
  destination: string;
  esmClass: number;
  text: string;
  ussdServiceOp: number | null;
  receiptedMessageId: string | null;
  part: { ref: number; total: number; seq: number } | null;
  userMessageReference: number | null;
}

/** A reply inserted claimed, for the link to submit now. */
export interface ClaimedReply {
  id: number;
  msisdn: string;
  sender: string;
  text: string;
}

/** What this gateway needs from an SMPP link (the ESME in src/adapters/smpp, or a test double). */
export interface SmsInboundSource {
  onInbound(h: (sm: SmppInbound) => Promise<boolean>): void;
}

/** A repeat of the same text without a handset reference is taken for a redelivery within this window. */
const REDELIVERY_WINDOW_SECONDS = 120;

/**
 * SMPP's deliver_sm carries no message id, and an SMSC that missed our deliver_sm_resp sends the
 * message again. The key that makes such a redelivery count once: the handset's message reference
 * (user_message_reference, when the SMSC passes it) with the text, for the day; without it, the
 * text within a two-minute window (a subscriber repeating a command that fast gets one answer).
 */
export function moDedupeKey(sm: Pick<SmppInbound, 'userMessageReference' | 'part'>, text: string, at: Date): string {
  const hash = createHash('sha256').update(text).digest('base64url').slice(0, 22);
  const ref = sm.part ? `${sm.part.ref}/${sm.part.total}` : '-';
  return sm.userMessageReference !== null
    ? `smpp:umr:${sm.userMessageReference}:${ref}:${hash}:${at.toISOString().slice(0, 10)}`
    : `smpp:txt:${ref}:${hash}:${Math.floor(at.getTime() / 1000 / REDELIVERY_WINDOW_SECONDS)}`;
}

/** esm_class message type bits (2–5): 0x04 is an SMSC delivery receipt. */
const isReceipt = (esmClass: number) => (esmClass & 0x3c) === 0x04;

function parseReceipt(text: string): { id: string; stat: string; err: string | null } | null {
  const id = /(?:^|\s)id:(\S+)/i.exec(text)?.[1];
  const stat = /(?:^|\s)stat:(\S+)/i.exec(text)?.[1];
  return id && stat ? { id, stat, err: /(?:^|\s)err:(\S+)/i.exec(text)?.[1] ?? null } : null;
}

/**
 * SMS over SMPP: delivery receipts (deliver_sm with esm_class 0x04) are stored on the message they
 * report; ordinary deliver_sm to the service number run as 8111 commands, their replies queued in
 * the outbox or, with `sendReply`, inserted claimed and submitted at once (the outbox job sends
 * what that could not).
 * USSD (ussd_service_op present) is left to the USSD gateway.
 */
export function smsSmppGateway(
  core: Core,
  link: SmsInboundSource,
  opts: {
    serviceNumber?: string;
    /**
     * Submits a reply inserted claimed at once (the outbox's `sendClaimed` over this link); without
     * it replies wait for the outbox job's next tick.
     */
    sendReply?: (reply: ClaimedReply) => Promise<unknown>;
  } = {},
): void {
  const service = opts.serviceNumber ?? SERVICE_NUMBER;
  const send = opts.sendReply;
  const replied = async (r: MoResult) => {
    if (!r.reply?.claimed || !send) return;
    try {
      await send(r.reply);
    } catch (err) {
      // Still claimed: the outbox job queues a stale claim again and sends it.
      core.log.warn({ err, outboxId: r.reply.id }, 'sms reply not submitted at once; the outbox will');
    }
  };
  link.onInbound(async (sm) => {
    if (sm.ussdServiceOp !== null) return false;
    if (isReceipt(sm.esmClass)) {
      const r = parseReceipt(sm.text);
      const ref = sm.receiptedMessageId ?? r?.id;
      if (!ref || !r) {
        core.log.warn({ text: sm.text.slice(0, 200) }, 'smpp receipt without id or stat');
        return true;
      }
      if (!(await recordDeliveryReceipt(core, { ref, stat: r.stat, err: r.err }))) core.log.warn({ ref }, 'smpp receipt for an unknown message');
      return true;
    }
    if (sm.destination.replace(/^\+/, '') !== service) return false;
    if (sm.part) {
      // A long message: each part waits in the store; the last one records the whole message in
      // the same transaction that removes the parts, and the whole runs as one command.
      // eslint-disable-next-line no-control-regex -- a handset may send NUL; the store cannot keep it
      const part = sm.text.replace(/\u0000/g, '');
      const msisdn = normalizeMsisdn(sm.source) ?? sm.source.slice(0, 32);
      const at = core.clock.now();
      const whole = await assembleMoPart(core, { msisdn, shortCode: service, ...sm.part, text: part, gateway: 'smpp', dedupeKey: (t) => moDedupeKey(sm, t, at) });
      if (whole.complete && whole.id !== null) {
        const m = { id: whole.id, msisdn, text: whole.text };
        if (send) await replied(await answerMoClaimed(core, m, randomUUID()));
        else await answerMo(core, m, randomUUID());
      }
      return true;
    }
    const mo = { from: sm.source, to: service, text: sm.text, smscId: moDedupeKey(sm, sm.text, core.clock.now()), gateway: 'smpp' };
    if (send) await replied(await handleMoClaimed(core, mo, randomUUID()));
    else await handleMo(core, mo, randomUUID());
    return true;
  });
}
