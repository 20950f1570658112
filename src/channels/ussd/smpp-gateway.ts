import type { Core } from '../../domain/core.ts';
import { createUssdEngine } from './engine.ts';

/** ussd_service_op values (SMPP 3.4, 5.3.2.44). */
export const USSD_OP = { PSSD_INDICATION: 0, PSSR_INDICATION: 1, USSR_REQUEST: 2, USSN_REQUEST: 3, PSSD_RESPONSE: 16, PSSR_RESPONSE: 17, USSR_CONFIRM: 18, USSN_CONFIRM: 19 } as const;

/** What this gateway needs from an SMPP link (the ESME in src/adapters/smpp, or a test double). */
export interface UssdSmppLink {
  onInbound(h: (sm: { source: string; destination: string; esmClass: number; text: string; ussdServiceOp: number | null }) => Promise<boolean>): void;
  submitText(m: { from: string; to: string; text: string; registeredDelivery?: boolean; ussdServiceOp?: number }): Promise<string[]>;
}

/**
 * USSD over SMPP: deliver_sm carrying the ussd_service_op TLV. 1 (PSSR indication, the dial
 * string) opens a session; 18 (USSR confirm) carries the subscriber's answer. The page goes back
 * as submit_sm with 2 (USSR request: the handset waits for input) or 17 (PSSR response: the
 * session ends). Any other operation (an abort, a release) ends the session: nothing is sent.
 * One session per subscriber: the session id is the source address.
 */
export function ussdSmppGateway(core: Core, link: UssdSmppLink, opts: { appUrl: string }): void {
  const engine = createUssdEngine(core, { appUrl: opts.appUrl });
  link.onInbound(async (sm) => {
    if (sm.ussdServiceOp === null) return false;
    const op = sm.ussdServiceOp;
    const msisdn = sm.source.replace(/^\+/, '');
    if (op !== USSD_OP.PSSR_INDICATION && op !== USSD_OP.USSR_CONFIRM) {
      core.log.info({ op }, 'ussd session ended by the network');
      return true;
    }
    const isFirst = op === USSD_OP.PSSR_INDICATION;
    // eslint-disable-next-line no-control-regex -- control characters never come from a keypad
    const text = sm.text.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200);
    let reply: { text: string; end: boolean };
    try {
      reply = await engine.handleUssd({ sessionId: msisdn, msisdn, serviceCode: isFirst ? text || sm.destination : sm.destination, input: isFirst ? text : text.trim(), isFirst });
    } catch (err) {
      core.log.error({ err }, 'ussd hop failed');
      reply = { text: 'Сервис временно недоступен / Service unavailable', end: true };
    }
    await link.submitText({
      from: sm.destination,
      to: sm.source,
      text: reply.text,
      registeredDelivery: false,
      ussdServiceOp: reply.end ? USSD_OP.PSSR_RESPONSE : USSD_OP.USSR_REQUEST,
    });
    return true;
  });
}
