import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../../domain/core.ts';
import { setIdeaStatus } from '../../../domain/support/set-idea-status.ts';
import { staffListQueue } from '../../../domain/support/staff-list-queue.ts';
import { staffReply } from '../../../domain/support/staff-reply.ts';
import { staffSearchAudit } from '../../../domain/support/staff-search-audit.ts';
import { MESSAGE_MAX } from '../../../domain/support/ticket-view.ts';
import { requireStaff } from '../../../domain/support/staff.ts';
import { publishTerms } from '../../../domain/terms/publish-terms.ts';
import { termsSchema } from '../../../domain/terms/terms-file.ts';
import { ctxOf } from '../context.ts';
import { ideaSchema, ticketSchema } from './support.ts';

const tag = { tags: ['staff'] };
const id = z.string().min(1).max(20);
const cursor = z.string().min(1).max(200);

/** The operator staff view: the ticket queue with replies, idea statuses, the audit log. Staff only. */
export async function staffRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/staff/tickets',
    {
      schema: {
        ...tag,
        summary: 'Ticket queue: high priority (premium plans) first, then the longest waiting',
        querystring: z.object({
          status: z.enum(['open', 'answered', 'closed']).default('open'),
          limit: z.coerce.number().int().min(1).max(200).optional(),
          cursor: cursor.optional(),
        }),
        response: {
          200: z.object({
            items: z.array(ticketSchema.extend({ msisdn: z.string(), tariffCode: z.string(), tariffName: z.string() })),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    async (req) => staffListQueue(core, ctxOf(req, 'staff'), req.query),
  );
  r.post(
    '/staff/tickets/:id/reply',
    {
      schema: {
        ...tag,
        summary: 'Answer a ticket (and optionally close it); the subscriber gets an SMS notice',
        params: z.object({ id }),
        body: z.object({ text: z.string().min(1).max(MESSAGE_MAX), close: z.boolean().optional() }),
        response: { 200: ticketSchema },
      },
    },
    async (req) => staffReply(core, ctxOf(req, 'staff'), { id: req.params.id, ...req.body }),
  );
  r.patch(
    '/staff/ideas/:id',
    {
      schema: {
        ...tag,
        summary: 'Set the status of an idea',
        params: z.object({ id }),
        body: z.object({ status: z.enum(['new', 'planned', 'done', 'declined']) }),
        response: { 200: ideaSchema },
      },
    },
    async (req) => setIdeaStatus(core, ctxOf(req, 'staff'), { id: req.params.id, status: req.body.status }),
  );
  r.post(
    '/staff/terms',
    {
      schema: {
        ...tag,
        summary: 'Publish a new version of the terms of use; from publishedAt on every subscriber must accept it',
        body: termsSchema,
        response: { 201: z.object({ version: z.string(), created: z.boolean() }) },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req, 'staff');
      requireStaff(ctx);
      return reply.status(201).send(await publishTerms(core, ctx, req.body));
    },
  );
  r.get(
    '/staff/audit',
    {
      schema: {
        ...tag,
        summary: 'Search the audit log by number, action (or a prefix ending in "."), channel and time, newest first',
        querystring: z.object({
          msisdn: z.string().max(32).optional(),
          action: z.string().max(60).optional(),
          channel: z.string().max(20).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
          cursor: cursor.optional(),
        }),
      },
    },
    async (req) => staffSearchAudit(core, ctxOf(req, 'staff'), req.query),
  );
}
