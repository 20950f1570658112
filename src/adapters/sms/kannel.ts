import type { SmsTransport } from '../../domain/notifications/sms-transport.ts';
import { isGsm7 } from '../../text/gsm7.ts';

/** Every report Kannel has: delivered, not delivered, queued at the SMSC, accepted, refused. */
export const KANNEL_DLR_MASK = '31';

/**
 * The dlr-url Kannel calls for message `id`: the base (Abonent's /gateways/sms/kannel/dlr as Kannel
 * reaches it) with the message id and the gateway secret, then Kannel's escapes for the report
 * type and the SMSC's answer, which must reach Kannel unencoded.
 */
export function kannelDlrUrl(base: string, id: number, secret?: string): string {
  const u = new URL(base);
  u.searchParams.set('id', String(id));
  if (secret) u.searchParams.set('secret', secret);
  return `${u.toString()}&type=%d&answer=%A`;
}

/**
 * Kannel's HTTP `sendsms` interface. Text outside the GSM 7-bit alphabet (any Cyrillic) is sent as
 * UCS-2 (`coding=2`, `charset=UTF-8`); Kannel splits long messages with concatenation headers.
 * With `dlrUrl` every message asks for delivery reports, which name it by its outbox id.
 */
export function kannelTransport(o: { url: string; username: string; password: string; timeoutMs?: number; dlrUrl?: string; secret?: string }): SmsTransport {
  return {
    name: 'kannel',
    async send(m) {
      const u = new URL(o.url);
      u.searchParams.set('username', o.username);
      u.searchParams.set('password', o.password);
      u.searchParams.set('from', m.sender);
      u.searchParams.set('to', m.msisdn);
      u.searchParams.set('text', m.text);
      if (o.dlrUrl) {
        u.searchParams.set('dlr-mask', KANNEL_DLR_MASK);
        u.searchParams.set('dlr-url', kannelDlrUrl(o.dlrUrl, m.id, o.secret));
      }
      if (!isGsm7(m.text)) {
        u.searchParams.set('coding', '2');
        u.searchParams.set('charset', 'UTF-8');
      }
      try {
        const res = await fetch(u, { signal: AbortSignal.timeout(o.timeoutMs ?? 5000) });
        const body = (await res.text()).slice(0, 200);
        // Kannel answers 202 "0: Accepted for delivery" (or 3: Queued for later delivery).
        // 4xx is Kannel refusing this message (final); 5xx and network errors are worth another try.
        if (res.ok) return { status: 'sent', ref: body };
        return { status: res.status >= 500 ? 'retry' : 'failed', error: `${res.status} ${body}` };
      } catch (e) {
        return { status: 'retry', error: (e as Error).message };
      }
    },
  };
}
