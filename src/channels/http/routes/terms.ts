import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../../domain/core.ts';
import { acceptTerms } from '../../../domain/terms/accept-terms.ts';
import { getTerms } from '../../../domain/terms/get-terms.ts';
import { ctxOf } from '../context.ts';

const tag = { tags: ['terms'] };

/** Terms of use: the version in force and its acceptance by the subscriber. */
export async function termsRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/terms',
    {
      schema: {
        ...tag,
        summary: 'The terms of use in force; for a subscriber also the version accepted and whether this one must be',
        response: {
          200: z.object({
            version: z.string(),
            publishedAt: z.string(),
            text: z.object({ ru: z.string(), en: z.string() }),
            acceptedVersion: z.string().nullable(),
            mustAccept: z.boolean(),
          }),
        },
      },
    },
    async (req) => getTerms(core, ctxOf(req)),
  );
  r.post(
    '/terms/accept',
    { schema: { ...tag, summary: 'Accept the version in force (409 when it is not the current one)', body: z.object({ version: z.string().min(1).max(40) }) } },
    async (req, reply) => {
      await acceptTerms(core, ctxOf(req), req.body);
      return reply.status(204).send();
    },
  );
}
