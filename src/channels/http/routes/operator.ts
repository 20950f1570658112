import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { searchAudit } from '../../../domain/audit/search-audit.ts';
import type { Core } from '../../../domain/core.ts';
import { listMessages } from '../../../domain/notifications/list-messages.ts';
import { DomainError } from '../../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../../domain/shared/msisdn.ts';
import { simulatorNumbers } from '../../../domain/subscribers/simulator-numbers.ts';
import { ctxOf } from '../context.ts';
import { wholeNumber } from '../../../domain/shared/strict-input.ts';

const auditEventSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actorKind: z.string(),
  actorId: z.string().nullable(),
  channel: z.string(),
  action: z.string(),
  subscriberId: z.number().int().nullable(),
  customerId: z.number().int().nullable(),
  outcome: z.string().describe('ok, refused or failed'),
  details: z.unknown().describe('What the action recorded (JSON)'),
  requestId: z.string().nullable(),
});
const smsSchema = z.object({ id: z.number().int(), direction: z.enum(['mo', 'mt']).describe('mo: from the phone; mt: to it'), peer: z.string().describe('The short code'), text: z.string(), status: z.string(), at: z.string() });

export async function operatorRoutes(app: FastifyInstance, opts: { core: Core; demoMode: boolean; demoNumbers: readonly string[] }): Promise<void> {
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
        response: { 200: z.object({ items: z.array(auditEventSchema), nextBefore: z.number().int().nullable().describe('Pass as `before` for the next, older page') }) },
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
        summary: "A number's SMS inbox and outbox: (demo mode only): staff for any number, the phone simulator for the demo numbers and your own",
        querystring: z.object({ msisdn: z.string().min(1).max(32), afterId: wholeNumber({ min: 0 }).optional() }),
        response: { 200: z.object({ items: z.array(smsSchema).describe('Newest first') }) },
      },
    },
    async (req) => {
      const staff = req.actor.kind === 'staff' || req.actor.kind === 'operator_api';
      if (!staff) {
        // Another subscriber's inbox holds their login codes and passwords.
        const allowed = await simulatorNumbers(core, req.actor, opts.demoNumbers);
        if (!allowed.includes(normalizeMsisdn(req.query.msisdn) ?? '')) throw new DomainError('FORBIDDEN', { msisdn: req.query.msisdn });
      }
      return { items: await listMessages(core, req.query) };
    },
  );
}
