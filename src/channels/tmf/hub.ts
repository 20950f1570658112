import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../domain/core.ts';
import { notifyListeners, subscribeToEvents, unsubscribeFromEvents } from '../../domain/events/hub.ts';
import { wholeNumber } from '../../domain/shared/strict-input.ts';
import { listHubDeliveries } from '../../domain/events/list-hub-deliveries.ts';
import { compact, iso, tmfCtx } from './conventions.ts';

/** `POST /hub`, `GET /hub/:id/delivery` and `DELETE /hub/:id` of one API: listeners get `<callback>/listener/<eventType>`. */
export function hubRoutes(app: FastifyInstance, core: Core, api: string, tag: string): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/hub',
    {
      schema: {
        tags: [tag],
        summary: 'Subscribe a listener to events (create, attribute-value-change, state-change, delete)',
        body: z.looseObject({ callback: z.string().min(1).max(2000), query: z.string().max(1000).nullish() }),
      },
    },
    async (req, reply) => {
      const sub = await subscribeToEvents(core, tmfCtx(req), { api, callback: req.body.callback, query: req.body.query ?? null });
      return reply.status(201).send({ id: sub.id, callback: sub.callback, query: sub.query ?? undefined });
    },
  );
  r.get(
    '/hub/:id/delivery',
    {
      schema: {
        tags: [tag],
        summary: "A listener's event deliveries, newest first: delivered, pending (with the next try) and failed (with the last error)",
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.object({ status: z.enum(['pending', 'sending', 'delivered', 'failed']).optional(), limit: wholeNumber({ min: 1, max: 1000 }).optional() }),
      },
    },
    async (req) => {
      const list = await listHubDeliveries(core, tmfCtx(req), { api, hubId: req.params.id, ...req.query });
      return list.map((d) =>
        compact({
          id: String(d.id),
          eventId: d.eventId,
          eventType: d.eventType,
          url: d.url,
          status: d.status,
          attempts: d.attempts,
          nextAttemptDate: iso(d.nextAttemptAt),
          lastHttpStatus: d.lastStatus ?? undefined,
          lastError: d.lastError ?? undefined,
          creationDate: iso(d.createdAt),
          deliveryDate: iso(d.deliveredAt),
        }),
      );
    },
  );
  r.delete('/hub/:id', { schema: { tags: [tag], summary: 'Remove a listener', params: z.object({ id: z.string().min(1).max(100) }) } }, async (req, reply) => {
    await unsubscribeFromEvents(core, tmfCtx(req), { api, id: req.params.id });
    return reply.status(204).send();
  });
}

/** Sends an event after the change is committed, without making the caller wait for listeners. */
export function publish(core: Core, api: string, eventType: string, resourceName: string, resource: unknown): void {
  notifyListeners(core, { api, eventType, resourceName, resource }).catch((err: unknown) => core.log.warn({ err, eventType }, 'TMF event not delivered'));
}
