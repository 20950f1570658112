import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ingestUsage, MAX_BATCH } from '../../../domain/billing/ingest-usage.ts';
import { getRoaming } from '../../../domain/roaming/get-roaming.ts';
import { recordNetworkEvent } from '../../../domain/roaming/network-event.ts';
import { perform, promisedPaymentAction, topUpAction } from '../../../domain/actions/registry.ts';
import { topUpInput } from '../../../domain/actions/top-up.ts';
import { getTrustLimit, setTrustLimit } from '../../../domain/billing/trust-limit.ts';
import type { Core } from '../../../domain/core.ts';
import { getAutoPayment, setAutoPayment } from '../../../domain/payments/auto-payment.ts';
import { getPayment, listCards, listPayments, removeCard } from '../../../domain/payments/list-payments.ts';
import { refundPayment } from '../../../domain/payments/refund-payment.ts';
import { nextCursor, pageQuery } from '../paging.ts';
import { ctxOf } from '../context.ts';
import { offerView, statementOf } from '../offer-view.ts';
import { promisedSchema } from '../schemas/subscriber.ts';
import { kopecks, wholeNumber } from '../../../domain/shared/strict-input.ts';

const params = z.object({ msisdn: z.string().min(1).max(32) });
const tag = { tags: ['billing'] };

const usageRecord = z.object({
  recordId: z.string().min(1).max(100),
  msisdn: z.string().min(1).max(32),
  kind: z.enum(['voice', 'sms', 'mms', 'data']),
  zone: z.enum(['home', 'intercity', 'roaming']).default('home'),
  startedAt: z.string().min(1).max(40).describe('ISO 8601'),
  durationSeconds: z.number().int().min(0).max(86_400).nullish(),
  bytes: z.number().int().min(0).nullish(),
  counterpart: z.string().max(32).nullish(),
});

export const paymentSchema = z.object({
  id: z.string(),
  amount: z.number().int().describe('Kopecks'),
  status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']),
  purpose: z.enum(['topup', 'autopay', 'installment']),
  refunded: z.number().int().describe('Kopecks refunded'),
  failureReason: z.string().nullable(),
  confirmationUrl: z.string().nullable(),
  channel: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const cardSchema = z.object({ id: z.number().int(), last4: z.string(), brand: z.string(), expiry: z.string() });
const autoPaymentMode = z.enum(['threshold', 'monthly']);
const autoPaymentSchema = z.object({
  settings: z
    .object({
      enabled: z.boolean().describe('False once switched off: the settings stay, the payments stop'),
      mode: autoPaymentMode,
      threshold: z.number().int().nullable().describe('Kopecks: top up when the balance falls below (threshold mode)'),
      amount: z.number().int().describe('Kopecks per top-up'),
      dayOfMonth: z.number().int().nullable().describe('Monthly mode'),
      cardId: z.number().int(),
      dailyLimit: z.number().int().describe('Kopecks'),
      monthlyLimit: z.number().int().describe('Kopecks'),
      nextRunAt: z.string().nullable().describe('Monthly mode: the next run'),
    })
    .nullable()
    .describe('Null when auto-payment was never set'),
  attempts: z.array(z.object({ at: z.string(), trigger: z.string(), amount: z.number().int(), outcome: z.string(), detail: z.string().nullable() })).describe('The last 20, newest first'),
});
const autoPaymentOnSchema = z.object({ enabled: z.literal(true), nextRunAt: z.string().nullable(), dailyLimit: z.number().int(), monthlyLimit: z.number().int() });

export async function billingRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/subscribers/:msisdn';

  r.post(
    '/usage',
    { schema: { ...tag, summary: `Ingest usage records (operator API key), up to ${MAX_BATCH} a batch; idempotent by recordId`, body: z.object({ records: z.array(usageRecord).min(1).max(MAX_BATCH) }) } },
    async (req) => ingestUsage(core, ctxOf(req, 'tmf'), req.body.records),
  );
  r.post(
    '/network/events',
    {
      schema: {
        ...tag,
        summary: 'A network event (operator API key): `attach` in a country other than RU puts the number in roaming there and texts it a welcome with prices and its roaming cap; `attach` in RU ends roaming',
        body: z.object({ type: z.literal('attach'), msisdn: z.string().min(1).max(32), country: z.string().length(2).describe('ISO 3166-1 alpha-2') }).strict(),
      },
    },
    async (req) => recordNetworkEvent(core, ctxOf(req, 'tmf'), req.body),
  );
  r.get(
    `${base}/roaming`,
    {
      schema: {
        ...tag,
        summary: 'Roaming state: the country the number is in (null at home) and this month’s roaming spending against the cap',
        params: z.object({ msisdn: z.string().min(1).max(32) }),
        response: {
          200: z.object({
            msisdn: z.string(),
            country: z.string().nullable(),
            countryName: z.object({ ru: z.string(), en: z.string() }).nullable(),
            since: z.string().nullable(),
            spent: z.number().int().describe('Kopecks'),
            cap: z.number().int().describe('Kopecks'),
          }),
        },
      },
    },
    async (req) => getRoaming(core, ctxOf(req), { msisdn: req.params.msisdn }),
  );

  r.get(
    `${base}/promised-payment`,
    { schema: { ...tag, summary: 'Promised payment: amounts with their commission (facts and statement), bounds, term, the active one', params, response: { 200: promisedSchema } } },
    async (req) => {
      const ctx = ctxOf(req);
      const o = await promisedPaymentAction.offer(core, ctx, { msisdn: req.params.msisdn });
      return {
        ...o.details,
        options: o.details.options.map((x) => ({ ...x, statement: statementOf(x.facts) })),
        ...offerView(promisedPaymentAction, o, ctx.channel),
        // The legacy flag keeps its meaning: takeable now by the catalog's rules.
        available: o.details.available,
      };
    },
  );
  r.post(`${base}/promised-payment`, { schema: { ...tag, summary: 'Take a promised payment', params, body: promisedPaymentAction.input } }, async (req, reply) =>
    reply.status(201).send(await perform(core, ctxOf(req), promisedPaymentAction, req.params.msisdn, req.body)),
  );
  r.get(`${base}/trust-limit`, { schema: { ...tag, summary: 'Trust credit limit: current and eligible', params } }, async (req) => getTrustLimit(core, ctxOf(req), req.params));
  r.put(`${base}/trust-limit`, { schema: { ...tag, summary: "Set the trust limit (0 switches it off); refused for a contract's number, whose credit is the company's pool", params, body: z.object({ limit: kopecks }) } }, async (req) =>
    setTrustLimit(core, ctxOf(req), { msisdn: req.params.msisdn, limit: req.body.limit }),
  );

  r.post(
    `${base}/payments`,
    {
      schema: {
        ...tag,
        summary: "Top up through the provider's page; credited when the provider confirms",
        params,
        body: topUpInput.omit({ cardId: true }),
      },
    },
    async (req, reply) => reply.status(201).send(await perform(core, ctxOf(req), topUpAction, req.params.msisdn, req.body)),
  );
  r.post(
    `${base}/payments/card`,
    { schema: { ...tag, summary: 'Top up from a saved card', params, body: topUpInput.pick({ amount: true, cardId: true }).required({ cardId: true }) } },
    async (req, reply) => reply.status(201).send(await perform(core, ctxOf(req), topUpAction, req.params.msisdn, req.body)),
  );
  r.get(
    `${base}/payments`,
    {
      schema: {
        ...tag,
        summary: 'Payment history, newest first, a page at a time (cursor)',
        params,
        querystring: z.object(pageQuery),
        response: { 200: z.object({ items: z.array(paymentSchema), nextCursor }) },
      },
    },
    async (req) => listPayments(core, ctxOf(req), { msisdn: req.params.msisdn, ...req.query }),
  );
  r.get(`${base}/payments/:paymentId`, { schema: { ...tag, summary: 'One payment (for the return page)', params: params.extend({ paymentId: z.string().max(40) }), response: { 200: paymentSchema } } }, async (req) =>
    getPayment(core, ctxOf(req), req.params),
  );
  r.get(`${base}/cards`, { schema: { ...tag, summary: 'Saved cards (provider tokens only)', params, response: { 200: z.object({ items: z.array(cardSchema) }) } } }, async (req) => ({
    items: await listCards(core, ctxOf(req), req.params),
  }));
  r.delete(`${base}/cards/:cardId`, { schema: { ...tag, summary: 'Remove a saved card', params: params.extend({ cardId: wholeNumber({ min: 1 }) }) } }, async (req) =>
    removeCard(core, ctxOf(req), req.params),
  );
  r.get(`${base}/auto-payment`, { schema: { ...tag, summary: 'Auto-payment settings and recent attempts', params, response: { 200: autoPaymentSchema } } }, async (req) =>
    getAutoPayment(core, ctxOf(req), req.params),
  );
  r.put(
    `${base}/auto-payment`,
    {
      schema: {
        ...tag,
        summary: 'Set auto-payment: by threshold or monthly, with limits',
        params,
        body: z.object({
          mode: autoPaymentMode,
          amount: kopecks,
          threshold: kopecks.nullish(),
          dayOfMonth: z.number().int().min(1).max(31).nullish(),
          cardId: z.number().int().positive(),
          dailyLimit: kopecks.positive().optional(),
          monthlyLimit: kopecks.positive().optional(),
        }),
        response: { 200: autoPaymentOnSchema },
      },
    },
    async (req) => setAutoPayment(core, ctxOf(req), { msisdn: req.params.msisdn, settings: req.body }),
  );
  r.delete(`${base}/auto-payment`, { schema: { ...tag, summary: 'Switch auto-payment off', params, response: { 200: z.object({ enabled: z.literal(false) }) } } }, async (req) =>
    setAutoPayment(core, ctxOf(req), { msisdn: req.params.msisdn, settings: null }),
  );
  r.post(
    '/payments/:paymentId/refund',
    { schema: { ...tag, summary: 'Refund a payment (operator staff or API key; Idempotency-Key required)', params: z.object({ paymentId: z.string().max(40) }), body: z.object({ amount: kopecks, reason: z.string().min(1).max(300) }) } },
    async (req) => refundPayment(core, ctxOf(req, 'staff'), { paymentId: req.params.paymentId, ...req.body }),
  );
}
