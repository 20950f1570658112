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
import { addPoolNumbers } from '../../../domain/number-pool/add-pool-numbers.ts';
import { POOL_RANGE_MAX } from '../../../domain/number-pool/access.ts';
import { listNumberPool } from '../../../domain/number-pool/list-number-pool.ts';
import { releaseQuarantine } from '../../../domain/number-pool/release-quarantine.ts';
import { publishTerms } from '../../../domain/terms/publish-terms.ts';
import { termsSchema } from '../../../domain/terms/terms-file.ts';
import { ctxOf } from '../context.ts';
import { ideaSchema, ticketSchema } from './support.ts';
import { wholeNumber } from '../../../domain/shared/strict-input.ts';
import { operatorTransitionOrder, staffListOrders } from '../../../domain/business/orders.ts';
import { orderSchema } from '../schemas/business.ts';

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
          limit: wholeNumber({ min: 1, max: 200 }).optional(),
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
    '/staff/business-orders',
    {
      schema: {
        ...tag,
        summary: "Business orders waiting for the operator (approved: to start; in progress: to mark done), the longest waiting first, with the company's name",
        response: { 200: z.object({ items: z.array(orderSchema.extend({ customerName: z.string() })) }) },
      },
    },
    async (req) => staffListOrders(core, ctxOf(req, 'staff')),
  );
  const orderId = z.object({ id: z.string().min(1).max(64) });
  for (const action of ['start', 'complete'] as const) {
    r.post(
      `/staff/business-orders/:id/${action}`,
      { schema: { ...tag, summary: action === 'start' ? 'Business order: start the work' : 'Business order: mark done (the new SIM or number takes effect)', params: orderId, response: { 200: orderSchema } } },
      async (req) => operatorTransitionOrder(core, ctxOf(req, 'staff'), { id: req.params.id, action }),
    );
  }
  r.post(
    '/staff/business-orders/:id/reject',
    { schema: { ...tag, summary: 'Business order: reject, with a reason (it cannot be done)', params: orderId, body: z.object({ reason: z.string().min(1).max(500) }), response: { 200: orderSchema } } },
    async (req) => operatorTransitionOrder(core, ctxOf(req, 'staff'), { id: req.params.id, action: 'reject', reason: req.body.reason }),
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
          limit: wholeNumber({ min: 1, max: 500 }).optional(),
          cursor: cursor.optional(),
        }),
      },
    },
    async (req) => staffSearchAudit(core, ctxOf(req, 'staff'), req.query),
  );

  const poolStatus = z.enum(['free', 'reserved', 'quarantined']);
  const region = z.string().regex(/^\d{2,3}$/);
  r.get(
    '/staff/numbers',
    {
      schema: {
        ...tag,
        summary: 'The number pool: counts per region and status, and a page of numbers (by region, status; after = the last number seen)',
        querystring: z.object({
          region: region.optional(),
          status: poolStatus.optional(),
          after: z.string().regex(/^\d{8,15}$/).optional(),
          limit: wholeNumber({ min: 1, max: 1000 }).optional(),
        }),
        response: {
          200: z.object({
            regions: z.array(z.object({ regionCode: z.string(), regionName: z.string(), free: z.number(), reserved: z.number(), quarantined: z.number(), quarantineEnded: z.number() })),
            total: z.object({ free: z.number(), reserved: z.number(), quarantined: z.number() }),
            items: z.array(z.object({ msisdn: z.string(), regionCode: z.string(), status: poolStatus, availableAt: z.string().nullable() })),
          }),
        },
      },
    },
    async (req) => listNumberPool(core, ctxOf(req, 'staff'), req.query),
  );
  r.post(
    '/staff/numbers',
    {
      schema: {
        ...tag,
        summary: `Add a range of consecutive numbers (up to ${POOL_RANGE_MAX}) to a region's pool of free numbers; all or nothing`,
        body: z.object({ region, from: z.string().min(1).max(32), count: z.number().int().min(1).max(POOL_RANGE_MAX) }),
        response: { 201: z.object({ regionCode: z.string(), from: z.string(), to: z.string(), added: z.number() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await addPoolNumbers(core, ctxOf(req, 'staff'), { regionCode: req.body.region, from: req.body.from, count: req.body.count })),
  );
  r.post(
    '/staff/numbers/release',
    {
      schema: {
        ...tag,
        summary: 'Free the quarantined numbers whose quarantine has ended',
        body: z.object({ region: region.optional() }).optional(),
        response: { 200: z.object({ released: z.number(), msisdns: z.array(z.string()) }) },
      },
    },
    async (req) => releaseQuarantine(core, ctxOf(req, 'staff'), { region: req.body?.region }),
  );
}
