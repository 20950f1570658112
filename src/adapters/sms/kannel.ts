import type { SmsTransport } from '../../domain/notifications/sms-transport.ts';

const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

/**
 * Kannel's HTTP `sendsms` interface. Text outside the GSM 7-bit alphabet (any Cyrillic) is sent as
 * UCS-2 (`coding=2`, `charset=UTF-8`); Kannel splits long messages with concatenation headers.
 */
export function kannelTransport(o: { url: string; username: string; password: string; timeoutMs?: number }): SmsTransport {
  return {
    name: 'kannel',
    async send(m) {
      const u = new URL(o.url);
      u.searchParams.set('username', o.username);
      u.searchParams.set('password', o.password);
      u.searchParams.set('from', m.sender);
      u.searchParams.set('to', m.msisdn);
      u.searchParams.set('text', m.text);
      u.searchParams.set('dlr-mask', '31');
      if (!GSM7.test(m.text)) {
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
