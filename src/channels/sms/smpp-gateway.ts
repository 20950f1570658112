import { randomUUID } from 'node:crypto';
import type { Core } from '../../domain/core.ts';
import { recordDeliveryReceipt } from '../../domain/notifications/record-delivery-receipt.ts';
import { handleMo, SERVICE_NUMBER } from './handle-mo.ts';

/** What this gateway needs from an SMPP link (the ESME in src/adapters/smpp, or a test double). */
export interface SmsInboundSource {
  onInbound(h: (sm: { source: string; destination: string; esmClass: number; text: string; ussdServiceOp: number | null; receiptedMessageId: string | null }) => Promise<boolean>): void;
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
 * report; ordinary deliver_sm to the service number run as 8111 commands (replies leave through
 * the outbox). USSD (ussd_service_op present) is left to the USSD gateway.
 */
export function smsSmppGateway(core: Core, link: SmsInboundSource, opts: { serviceNumber?: string } = {}): void {
  const service = opts.serviceNumber ?? SERVICE_NUMBER;
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
    await handleMo(core, { from: sm.source, to: service, text: sm.text, smscId: null, gateway: 'smpp' }, randomUUID());
    return true;
  });
}
