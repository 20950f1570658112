import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Core } from '../../domain/core.ts';
import { handleMo } from './handle-mo.ts';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Kannel's MO interface: its `get-url` calls
 * `/gateways/sms/kannel?from=%p&to=%P&text=%a&id=%I&secret=…` for every message to the service
 * number. Replies do not go back in the HTTP answer but through the outbox (sendsms), where they
 * are rate-limited and recorded like every other SMS.
 */
export async function kannelGateway(app: FastifyInstance, opts: { core: Core; secret?: string | undefined }): Promise<void> {
  await app.register(formbody);
  app.route({
    method: ['GET', 'POST'],
    url: '/gateways/sms/kannel',
    schema: { hide: true },
    config: { rawText: true },
    handler: async (req, reply) => {
      const q = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown> | undefined) ?? {}) };
      const secret = typeof q.secret === 'string' ? q.secret : '';
      const allowed = opts.secret ? sameSecret(secret, opts.secret) : LOOPBACK.has(req.socket.remoteAddress ?? '');
      if (!allowed) return reply.status(403).type('text/plain').send('forbidden');
      const from = typeof q.from === 'string' ? q.from : '';
      const text = typeof q.text === 'string' ? q.text : '';
      if (!from) return reply.status(400).type('text/plain').send('from is required');
      const outcome = await handleMo(opts.core, { from, to: typeof q.to === 'string' ? q.to : '8111', text, smscId: typeof q.id === 'string' && q.id ? q.id.slice(0, 100) : null, gateway: 'kannel' }, String(req.id));
      // An empty body: Kannel sends nothing back itself.
      return reply.status(202).header('x-abonent-outcome', outcome).type('text/plain').send('');
    },
  });
}
