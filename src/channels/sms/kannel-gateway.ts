import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { KANNEL_DLR_MASK, kannelDlrUrl } from '../../adapters/sms/kannel.ts';
import type { Core } from '../../domain/core.ts';
import { recordDeliveryReport } from '../../domain/notifications/record-delivery-report.ts';
import { isGsm7 } from '../../text/gsm7.ts';
import { handleMoAnsweringInline } from './handle-mo.ts';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const DLR_PATH = '/gateways/sms/kannel/dlr';

type Params = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Kannel's MO interface: its sms-service `get-url` calls
 * `/gateways/sms/kannel?from=%p&to=%P&text=%a&id=%I&secret=…` for every message to the service
 * number, and Kannel sends whatever the answer's body holds back to the sender — an empty body
 * too, as its `reply-emptymessage`. So the reply is the body (text/plain, UTF-8): exactly one
 * message with Kannel's default settings. It is recorded in the outbox as sent through get-url
 * (not queued for sendsms), and the answer asks for delivery reports on it with `X-Kannel-Coding`
 * (2, UCS-2, when the text is not GSM 7-bit), `X-Kannel-DLR-Mask` and `X-Kannel-DLR-Url`, which
 * Kannel honours with `accept-x-kannel-headers = true` (docs/sms.md). A repeated id answers the
 * reply recorded for it again (the first answer may never have reached Kannel). Messages that get
 * no reply (short codes, floods) answer an empty body, which `omit-empty = true` keeps silent.
 *
 * `dlrUrl` is where Kannel reaches `/gateways/sms/kannel/dlr`; by default the address Kannel
 * called for this request.
 */
export async function kannelGateway(app: FastifyInstance, opts: { core: Core; secret?: string | undefined; dlrUrl?: string | undefined }): Promise<void> {
  await app.register(formbody);
  const params = (req: FastifyRequest): Params => ({ ...(req.query as Params), ...((req.body as Params | undefined) ?? {}) });
  const allowed = (req: FastifyRequest, q: Params): boolean =>
    opts.secret ? sameSecret(str(q.secret), opts.secret) : LOOPBACK.has(req.socket.remoteAddress ?? '');
  const forbidden = (reply: FastifyReply) => reply.status(403).type('text/plain').send('forbidden');

  app.route({
    method: ['GET', 'POST'],
    url: '/gateways/sms/kannel',
    schema: { hide: true },
    config: { rawText: true },
    handler: async (req, reply) => {
      const q = params(req);
      if (!allowed(req, q)) return forbidden(reply);
      const from = str(q.from);
      if (!from) return reply.status(400).type('text/plain').send('from is required');
      const id = str(q.id).slice(0, 100);
      const res = await handleMoAnsweringInline(opts.core, { from, to: str(q.to) || '8111', text: str(q.text), smscId: id || null, gateway: 'kannel' }, String(req.id), 'kannel-get-url');
      reply.status(200).header('x-abonent-outcome', res.outcome).type('text/plain; charset=utf-8');
      if (!res.reply) return reply.send('');
      if (!isGsm7(res.reply.text)) reply.header('x-kannel-coding', '2');
      const dlrBase = opts.dlrUrl ?? `${req.protocol}://${req.host}${DLR_PATH}`;
      reply.header('x-kannel-dlr-mask', KANNEL_DLR_MASK).header('x-kannel-dlr-url', kannelDlrUrl(dlrBase, res.reply.id, opts.secret));
      return reply.send(res.reply.text);
    },
  });

  // Delivery reports for messages sent by sendsms or in a get-url answer: ?id=<outbox id>&type=%d&answer=%A.
  app.route({
    method: ['GET', 'POST'],
    url: DLR_PATH,
    schema: { hide: true },
    config: { rawText: true },
    handler: async (req, reply) => {
      const q = params(req);
      if (!allowed(req, q)) return forbidden(reply);
      const messageId = Number(str(q.id));
      const type = Number(str(q.type));
      if (!Number.isSafeInteger(messageId) || messageId <= 0 || !Number.isInteger(type)) return reply.status(400).type('text/plain').send('id and type are required');
      const known = await recordDeliveryReport(opts.core, { messageId, type, answer: str(q.answer) || null });
      return reply.status(known ? 200 : 404).type('text/plain').send(known ? 'ok' : 'unknown message or report type');
    },
  });
}
