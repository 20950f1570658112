import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { searchAudit } from '../../../domain/audit/search-audit.ts';
import type { Core } from '../../../domain/core.ts';
import { listMessages } from '../../../domain/notifications/list-messages.ts';
import { ctxOf } from '../context.ts';
import { wholeNumber } from '../../../domain/shared/strict-input.ts';

export async function operatorRoutes(app: FastifyInstance, opts: { core: Core; demoMode: boolean }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/audit',
    {
      schema: {
        tags: ['operator'],
        summary: 'Search the audit log (operator staff and API keys)',
        querystring: z.object({
          msisdn: z.string().max(32).optional(),
          action: z.string().max(60).optional(),
          channel: z.string().max(20).optional(),
          outcome: z.enum(['ok', 'refused', 'failed']).optional(),
          limit: wholeNumber({ min: 1, max: 500 }).optional(),
          before: wholeNumber({ min: 1 }).optional(),
        }),
      },
    },
    async (req) => searchAudit(core, ctxOf(req, 'staff'), req.query),
  );
  // The phone simulator's inbox exists in demo mode only: a production server has no such route.
  if (!opts.demoMode) return;
  r.get(
    '/demo/sms',
    {
      schema: {
        tags: ['demo'],
        summary: "A number's SMS inbox and outbox, for the phone simulator (demo mode only)",
        querystring: z.object({ msisdn: z.string().min(1).max(32), afterId: wholeNumber({ min: 0 }).optional() }),
      },
    },
    async (req) => ({ items: await listMessages(core, req.query) }),
  );
}
