import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

export interface PhoneRelayOptions {
  /** Sent as X-Gateway-Secret to the USSD gateway when it is configured. */
  ussdSecret?: string | undefined;
  /** Sent as `secret` to the Kannel MO gateway when it is configured. */
  smsSecret?: string | undefined;
  /** Numbers offered in the simulator's picker. */
  demoNumbers: string[];
}

const msisdn = z.string().regex(/^\d{10,15}$/, 'digits only, 10 to 15');

/**
 * Demo-only relay for the phone simulator (/phone): the browser cannot speak to the gateways
 * directly (they trust only the operator's network), so each request is forwarded unchanged to
 * the server's own USSD HTTP gateway and Kannel MO gateway with `inject`, as the aggregator would
 * send it. Nothing here knows what the menus or commands mean: the answers are the gateways' own.
 * Mounted by the composition root only when DEMO_MODE is on.
 */
export async function phoneRelay(app: FastifyInstance, opts: PhoneRelayOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tag = { tags: ['demo'] };

  r.get('/phone/api/capabilities', { schema: { ...tag, summary: 'What the phone simulator can reach on this server' } }, async () => ({
    numbers: opts.demoNumbers,
    ussd: app.hasRoute({ method: 'POST', url: '/gateways/ussd/http' }),
    sms: app.hasRoute({ method: 'GET', url: '/gateways/sms/kannel' }),
    voice: app.hasRoute({ method: 'POST', url: '/gateways/voice/vxml' }) || app.hasRoute({ method: 'GET', url: '/gateways/voice/vxml' }),
  }));

  r.post(
    '/phone/api/ussd',
    {
      schema: {
        ...tag,
        summary: 'Relay one USSD hop to the USSD HTTP gateway',
        body: z.object({ msisdn, sessionId: z.string().regex(/^[\w-]{8,64}$/).optional(), serviceCode: z.string().max(64), text: z.string().max(200) }),
      },
    },
    async (req, reply) => {
      const sessionId = req.body.sessionId ?? randomUUID();
      const res = await app.inject({
        method: 'POST',
        url: '/gateways/ussd/http',
        headers: { 'content-type': 'application/json', ...(opts.ussdSecret ? { 'x-gateway-secret': opts.ussdSecret } : {}) },
        payload: JSON.stringify({ sessionId, serviceCode: req.body.serviceCode, phoneNumber: req.body.msisdn, text: req.body.text }),
      });
      const body = res.body;
      const end = !body.startsWith('CON ');
      const text = body.replace(/^(CON|END) /, '');
      return reply.header('cache-control', 'no-store').send({ sessionId, status: res.statusCode, end, text });
    },
  );

  r.post(
    '/phone/api/sms',
    {
      schema: {
        ...tag,
        summary: 'Relay a message from the handset to a short number through the Kannel MO gateway',
        body: z.object({ msisdn, to: z.string().regex(/^\d{1,15}$/), text: z.string().min(1).max(640) }),
      },
    },
    async (req, reply) => {
      const query = new URLSearchParams({ from: req.body.msisdn, to: req.body.to, text: req.body.text, id: `phone-${randomUUID()}` });
      if (opts.smsSecret) query.set('secret', opts.smsSecret);
      const res = await app.inject({ method: 'GET', url: `/gateways/sms/kannel?${query.toString()}` });
      const outcome = res.headers['x-abonent-outcome'];
      return reply.header('cache-control', 'no-store').status(res.statusCode === 202 ? 202 : 502).send({ status: res.statusCode, outcome: typeof outcome === 'string' ? outcome : null });
    },
  );
}
