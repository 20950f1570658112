import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { perform, shareAllowanceAction, shareFacts } from '../../../domain/actions/registry.ts';
import type { Core } from '../../../domain/core.ts';
import { listShares } from '../../../domain/sharing/list-shares.ts';
import { ctxOf } from '../context.ts';
import { offerView, statementOf } from '../offer-view.ts';
import { offerFields, priceFactsSchema, statementSchema } from '../schemas/subscriber.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const tag = { tags: ['sharing'] };
const kind = z.enum(['data', 'minutes']);
const instant = z.string().describe('ISO 8601 instant');

const offerSchema = z.object({
  ...offerFields,
  kinds: z.array(
    z.object({
      kind,
      min: z.number().int().describe('Smallest transfer: whole GB (data) or minutes'),
      max: z.number().int(),
      fee: z.number().int().describe('Kopecks charged per transfer'),
      facts: priceFactsSchema,
      statement: statementSchema,
      available: z.number().int().describe("Whole GB or minutes left in the number's own packages (gifts received are not passed on)"),
    }),
  ),
  validDays: z.number().int().describe('Days a gift lasts on the recipient’s number'),
  limits: z.object({ perDay: z.number().int(), perMonth: z.number().int(), today: z.number().int(), thisMonth: z.number().int() }),
  history: z.array(
    z.object({
      id: z.number().int(),
      direction: z.enum(['given', 'received']),
      counterpart: z.string(),
      kind,
      amount: z.number().int(),
      fee: z.number().int(),
      at: instant,
      validUntil: instant,
      remaining: z.number().int().nullable().describe('Gifts received: bytes or seconds left now'),
    }),
  ),
});

const resultSchema = z.object({
  transferId: z.number().int(),
  msisdn: z.string(),
  to: z.string(),
  kind,
  amount: z.number().int(),
  fee: z.number().int(),
  validUntil: instant,
  balance: z.number().int(),
});

/** Sharing minutes and gigabytes: the registry's offer with the number's transfers, and a transfer. */
export async function sharingRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/subscribers/:msisdn/sharing';

  r.get(base, { schema: { ...tag, summary: 'What the number may give (kinds, bounds, fee, what is left, limits) and the gifts it gave and received', params, response: { 200: offerSchema } } }, async (req) => {
    const ctx = ctxOf(req);
    const o = await shareAllowanceAction.offer(core, ctx, { msisdn: req.params.msisdn });
    const history = await listShares(core, ctx, { msisdn: req.params.msisdn });
    return {
      ...o.details,
      kinds: o.details.kinds.map((k) => {
        const facts = shareFacts(k.fee);
        return { ...k, facts, statement: statementOf(facts) };
      }),
      ...offerView(shareAllowanceAction, o, ctx.channel),
      history: history.items,
    };
  });
  r.post(
    base,
    { schema: { ...tag, summary: 'Give whole GB or minutes to another number of the operator (send Idempotency-Key to make repeats safe)', params, body: shareAllowanceAction.input, response: { 201: resultSchema } } },
    async (req, reply) => reply.status(201).send(await perform(core, ctxOf(req), shareAllowanceAction, req.params.msisdn, req.body)),
  );
}
