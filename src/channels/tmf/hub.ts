import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../domain/core.ts';
import { notifyListeners, subscribeToEvents, unsubscribeFromEvents } from '../../domain/tmf/hub.ts';
import { tmfCtx } from './conventions.ts';

/** `POST /hub` and `DELETE /hub/:id` of one API: listeners get `<callback>/listener/<eventType>`. */
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
  r.delete('/hub/:id', { schema: { tags: [tag], summary: 'Remove a listener', params: z.object({ id: z.string().min(1).max(100) }) } }, async (req, reply) => {
    await unsubscribeFromEvents(core, tmfCtx(req), { api, id: req.params.id });
    return reply.status(204).send();
  });
}

/** Sends an event after the change is committed, without making the caller wait for listeners. */
export function publish(core: Core, api: string, eventType: string, resourceName: string, resource: unknown): void {
  notifyListeners(core, { api, eventType, resourceName, resource }).catch((err: unknown) => core.log.warn({ err, eventType }, 'TMF event not delivered'));
}
