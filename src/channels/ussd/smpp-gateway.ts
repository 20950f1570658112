import type { Esme, InboundSm } from '../../adapters/smpp/esme.ts';
import type { Core } from '../../domain/core.ts';
import { createUssdEngine } from './engine.ts';
import { endUssdSession } from './ussd-session.ts';

/** ussd_service_op values (SMPP 3.4, 5.3.2.44). */
export const USSD_OP = { PSSD_INDICATION: 0, PSSR_INDICATION: 1, USSR_REQUEST: 2, USSN_REQUEST: 3, PSSD_RESPONSE: 16, PSSR_RESPONSE: 17, USSR_CONFIRM: 18, USSN_CONFIRM: 19 } as const;

/** What this gateway needs from an SMPP link (the ESME in src/adapters/smpp, or a test double). */
export interface UssdSmppLink {
  onInbound(h: (sm: Pick<InboundSm, 'source' | 'destination' | 'esmClass' | 'text' | 'ussdServiceOp' | 'itsSessionInfo' | 'userMessageReference'>) => Promise<boolean>): void;
  submitText(m: Omit<Parameters<Esme['submitText']>[0], 'resume' | 'onProgress'>): Promise<string[]>;
}

/**
 * How a dialogue is told from the next one of the same number when the SMSC sends no
 * its_session_info: by the number alone (each dial opens a new session anyway), or by the
 * user_message_reference TLV, for USSD gateways that keep it constant through a dialogue.
 */
export type UssdSessionKey = 'msisdn' | 'user_message_reference';

/**
 * USSD over SMPP: deliver_sm carrying the ussd_service_op TLV.
 * - 1 (PSSR indication, the dial string) always opens a new session, whatever was left open.
 * - 18 (USSR confirm) carries the subscriber's answer within the session.
 * - Anything else from the network — a USSN confirm, a release or abort (vendor operations), an
 *   its_session_info with its end-of-session flag — closes the session: nothing is sent, and a
 *   late answer for it starts over instead of resuming it.
 * The page goes back as submit_sm with 2 (USSR request: the handset waits for input) or 17 (PSSR
 * response: the session ends), echoing the dialogue's its_session_info (end flag set on the last
 * page) and, when dialogues are keyed by it, its user_message_reference.
 *
 * The session id: the number and its_session_info's session number when the SMSC sends it;
 * otherwise the number and the user_message_reference when configured so; otherwise the number.
 */
export function ussdSmppGateway(core: Core, link: UssdSmppLink, opts: { appUrl: string; sessionKey?: UssdSessionKey }): void {
  const engine = createUssdEngine(core, { appUrl: opts.appUrl });
  const byReference = opts.sessionKey === 'user_message_reference';
  link.onInbound(async (sm) => {
    if (sm.ussdServiceOp === null) return false;
    const op = sm.ussdServiceOp;
    const msisdn = sm.source.replace(/^\+/, '');
    const its = sm.itsSessionInfo;
    const reference = byReference ? sm.userMessageReference : null;
    const sessionId = its ? `${msisdn}/its:${its.session}` : reference !== null ? `${msisdn}/umr:${reference}` : msisdn;
    if ((op !== USSD_OP.PSSR_INDICATION && op !== USSD_OP.USSR_CONFIRM) || its?.end) {
      core.log.info({ op, sessionEnd: its?.end ?? false }, 'ussd session ended by the network');
      await endUssdSession(core, msisdn, sessionId);
      return true;
    }
    const isFirst = op === USSD_OP.PSSR_INDICATION;
    // eslint-disable-next-line no-control-regex -- control characters never come from a keypad
    const text = sm.text.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200);
    let reply: { text: string; end: boolean };
    try {
      reply = await engine.handleUssd({ sessionId, msisdn, serviceCode: isFirst ? text || sm.destination : sm.destination, input: isFirst ? text : text.trim(), isFirst });
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
      ...(its ? { itsSessionInfo: { session: its.session, sequence: (its.sequence + 1) & 0x7f, end: reply.end } } : {}),
      ...(reference !== null ? { userMessageReference: reference } : {}),
    });
    return true;
  });
}
