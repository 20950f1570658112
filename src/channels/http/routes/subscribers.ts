import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../../domain/core.ts';
import {
  alertSettingsAction,
  capsAction,
  dataLiftAction,
  changeTariffAction,
  connectProductAction,
  contentBanAction,
  disableProductAction,
  perform,
  readBalanceAction,
  stopPaidContentAction,
} from '../../../domain/actions/registry.ts';
import { listNotifications } from '../../../domain/alerts/list-notifications.ts';
import { listConnectedProducts } from '../../../domain/services/list-connected-products.ts';
import { paidServicesAudit } from '../../../domain/services/paid-services-audit.ts';
import { quoteTariffChange } from '../../../domain/subscribers/change-tariff.ts';
import { getActionHistory } from '../../../domain/subscribers/get-action-history.ts';
import { getProfile } from '../../../domain/subscribers/get-profile.ts';
import { getTariff } from '../../../domain/subscribers/get-tariff.ts';
import { updatePreferences } from '../../../domain/subscribers/update-preferences.ts';
import { nextCursor, pageQuery } from '../paging.ts';
import { ctxOf } from '../context.ts';
import { offerView, statementOf } from '../offer-view.ts';
import { availableProductsSchema, balanceSchema, connectedProductsSchema, currentTariffSchema, tariffOffersSchema } from '../schemas/subscriber.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const code = z.string().min(1).max(40);
const productParams = params.extend({ code });
const tag = { tags: ['subscriber'] };

/**
 * One set of routes for the subscriber (`me`), a business admin (numbers of their company),
 * operator staff and operator API keys; who may see which number is the use cases' decision.
 */
export async function subscriberRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/subscribers/:msisdn';

  r.get(
    base,
    {
      schema: {
        ...tag,
        summary: 'Profile of the number',
        params,
        response: {
          200: z.object({
            msisdn: z.string(),
            iccid: z.string(),
            region: z.string().describe('Region code'),
            timeZone: z.string().describe('IANA time zone of the region'),
            tariff: z.object({ code: z.string(), name: z.object({ ru: z.string(), en: z.string() }) }),
            status: z.enum(['active', 'blocked', 'suspended']),
            language: z.enum(['ru', 'en']),
            script: z.enum(['cyrillic', 'latin']).describe('USSD menus in Cyrillic or in Latin transliteration'),
            email: z.string().nullable().describe("Where bills are sent by e-mail: the holder's address (a business number's is its company's)"),
            contentBan: z.boolean(),
            customerKind: z.enum(['person', 'business']),
            employeeName: z.string().nullable().describe("Business numbers: the employee's name"),
            activatedAt: z.string(),
          }),
        },
      },
    },
    async (req) => getProfile(core, ctxOf(req), req.params),
  );
  r.get(`${base}/balance`, { schema: { ...tag, summary: 'Balance and what is left of minutes, SMS and data', params, response: { 200: balanceSchema } } }, async (req) =>
    perform(core, ctxOf(req), readBalanceAction, req.params.msisdn, {}),
  );
  r.get(`${base}/tariff`, { schema: { ...tag, summary: 'Current tariff plan', params, response: { 200: currentTariffSchema } } }, async (req) => getTariff(core, ctxOf(req), req.params));
  r.get(
    `${base}/tariff/quote`,
    { schema: { ...tag, summary: 'What a tariff change would cost', params, querystring: z.object({ tariffCode: code }) } },
    async (req) => quoteTariffChange(core, ctxOf(req), { msisdn: req.params.msisdn, tariffCode: req.query.tariffCode }),
  );
  r.get(
    `${base}/tariff/offers`,
    { schema: { ...tag, summary: "Tariff plans on sale to the number's segment, each with its price facts and statement; `available` ones may be picked", params, response: { 200: tariffOffersSchema } } },
    async (req) => {
      const ctx = ctxOf(req);
      const offers = await changeTariffAction.offers(core, ctx, { msisdn: req.params.msisdn });
      return { items: offers.filter((o) => o.shown).map((o) => ({ ...o.details, ...offerView(changeTariffAction, o, ctx.channel) })) };
    },
  );
  r.put(
    `${base}/tariff`,
    { schema: { ...tag, summary: 'Change the tariff plan (charged by the plan rules)', params, body: changeTariffAction.input } },
    async (req) => perform(core, ctxOf(req), changeTariffAction, req.params.msisdn, req.body),
  );
  r.get(`${base}/products`, { schema: { ...tag, summary: 'Connected products, paid and free, each with the statement of its price', params, response: { 200: connectedProductsSchema } } }, async (req) => {
    const ctx = ctxOf(req);
    const list = await listConnectedProducts(core, ctx, req.params);
    const stops = new Map((await disableProductAction.offers(core, ctx, { msisdn: req.params.msisdn })).map((o) => [o.details.code, o.details.stops]));
    const priced = <T extends { code: string }>(p: T) => {
      const facts = stops.get(p.code) ?? null;
      return { ...p, facts, statement: facts ? statementOf(facts) : null };
    };
    return { ...list, paid: list.paid.map(priced), free: list.free.map(priced) };
  });
  r.get(`${base}/products/available`, { schema: { ...tag, summary: 'Products that can be connected, each with its price facts and statement', params, response: { 200: availableProductsSchema } } }, async (req) => {
    const ctx = ctxOf(req);
    const offers = await connectProductAction.offers(core, ctx, { msisdn: req.params.msisdn });
    return {
      items: offers
        .filter((o) => o.shown)
        .map((o) => ({
          ...o.details,
          chargeNow: o.facts?.chargedToday ?? 0,
          blockedBy: o.refusal,
          ...offerView(connectProductAction, o, ctx.channel),
        })),
    };
  });
  r.post(
    `${base}/products`,
    { schema: { ...tag, summary: 'Connect a product (send Idempotency-Key to make repeats safe)', params, body: connectProductAction.input } },
    async (req, reply) => reply.status(201).send(await perform(core, ctxOf(req), connectProductAction, req.params.msisdn, req.body)),
  );
  r.delete(`${base}/products/:code`, { schema: { ...tag, summary: 'Disable a product', params: productParams } }, async (req) =>
    perform(core, ctxOf(req), disableProductAction, req.params.msisdn, { productCode: req.params.code }),
  );
  r.get(`${base}/paid-services`, { schema: { ...tag, summary: 'Every paid item with its monthly cost', params } }, async (req) =>
    paidServicesAudit(core, ctxOf(req), req.params),
  );
  r.post(
    `${base}/paid-services/stop-content`,
    { schema: { ...tag, summary: 'Stop all paid content subscriptions (and optionally ban new ones)', params, body: stopPaidContentAction.input.optional() } },
    async (req) => perform(core, ctxOf(req), stopPaidContentAction, req.params.msisdn, req.body ?? {}),
  );
  r.put(
    `${base}/content-ban`,
    { schema: { ...tag, summary: 'Switch the "no paid content" guard', params, body: contentBanAction.input } },
    async (req) => perform(core, ctxOf(req), contentBanAction, req.params.msisdn, req.body),
  );
  const alertSettingsSchema = z.object({
    msisdn: z.string(),
    lowBalance: z.number().int().nullable().describe('Kopecks: alert when the balance falls below; null: off'),
    package80: z.boolean().describe('Alert at 80% of a package of minutes, SMS or data'),
    package100: z.boolean().describe('Alert when a package is used up'),
    dailyDigest: z.boolean().describe("Each morning, what yesterday cost"),
    viaSms: z.boolean(),
    viaApp: z.boolean().describe("Alerts in the app's notification list"),
    allowNight: z.boolean().describe('Also from 22:00 to 09:00 in the number’s region; otherwise they wait for the morning'),
  });
  r.get(`${base}/alerts`, { schema: { ...tag, summary: 'Spending alert settings', params, response: { 200: alertSettingsSchema } } }, async (req) => {
    return (await alertSettingsAction.offer(core, ctxOf(req), { msisdn: req.params.msisdn })).details;
  });
  r.patch(
    `${base}/alerts`,
    { schema: { ...tag, summary: 'Change spending alert settings (fields left out stay as they are)', params, body: alertSettingsAction.input, response: { 200: alertSettingsSchema } } },
    async (req) => perform(core, ctxOf(req), alertSettingsAction, req.params.msisdn, req.body),
  );
  const capsSchema = z.object({
    msisdn: z.string(),
    monthly: z.number().int().nullable().describe('Kopecks a calendar month (the region’s); null: none'),
    roaming: z.number().int().describe('Kopecks of roaming a calendar month'),
    dataHard: z.boolean().describe('Data stops at the end of the packages instead of being charged per MB'),
  });
  r.get(`${base}/caps`, { schema: { ...tag, summary: 'Spending caps', params, response: { 200: capsSchema } } }, async (req) => (await capsAction.offer(core, ctxOf(req), { msisdn: req.params.msisdn })).details);
  r.patch(
    `${base}/caps`,
    { schema: { ...tag, summary: 'Change spending caps (fields left out stay as they are); rating refuses usage beyond them', params, body: capsAction.input, response: { 200: capsSchema } } },
    async (req) => perform(core, ctxOf(req), capsAction, req.params.msisdn, req.body),
  );
  const dataLiftSchema = z.object({
    refusal: z.object({ code: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) }).nullable().describe('Why it is not offered now (the error the POST would give)'),
    shown: z.boolean().describe('Whether to offer the button: the data hard cap is on and not lifted'),
    facts: z.object({ price: z.number().int(), period: z.enum(['once', 'day', 'month']), connectionFee: z.number().int(), commission: z.number().int(), chargedToday: z.number().int() }).nullable(),
    dataHard: z.boolean(),
    fee: z.number().int().nullable().describe('Kopecks; null: the catalog offers no lift'),
    liftedUntil: z.string().nullable().describe('Data beyond the packages is allowed until then; null: not lifted'),
    periodEnd: z.string().describe('Until when a lift bought now lasts: the end of the calendar month in the region’s time'),
  });
  r.get(`${base}/caps/data-lift`, { schema: { ...tag, summary: '"Continue for N ₽": the offer to lift the data hard cap until the month ends', params, response: { 200: dataLiftSchema } } }, async (req) => {
    const o = await dataLiftAction.offer(core, ctxOf(req), { msisdn: req.params.msisdn });
    return { refusal: o.refusal, shown: o.shown, facts: o.facts, ...o.details };
  });
  r.post(
    `${base}/caps/data-lift`,
    {
      schema: {
        ...tag,
        summary: 'Lift the data hard cap until the month ends, for the catalog’s fee (charged once a month; a repeat charges 0)',
        params,
        response: { 201: z.object({ msisdn: z.string(), charged: z.number().int(), liftedUntil: z.string() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await perform(core, ctxOf(req), dataLiftAction, req.params.msisdn, {})),
  );
  r.get(
    `${base}/notifications`,
    {
      schema: {
        ...tag,
        summary: "Alerts sent to the app's notification list, newest first",
        params,
        response: {
          200: z.object({
            msisdn: z.string(),
            items: z.array(z.object({ id: z.number().int(), kind: z.enum(['low_balance', 'package_80', 'package_100', 'daily_digest']), text: z.object({ ru: z.string(), en: z.string() }), at: z.string() })),
          }),
        },
      },
    },
    async (req) => listNotifications(core, ctxOf(req), { msisdn: req.params.msisdn }),
  );
  r.patch(
    `${base}/preferences`,
    {
      schema: {
        ...tag,
        summary: "Language of answers, USSD script, and the e-mail bills are sent to (null removes it; a person holder's own only)",
        params,
        body: z.object({
          language: z.enum(['ru', 'en']).optional(),
          script: z.enum(['cyrillic', 'latin']).optional(),
          email: z.string().trim().max(254).email().nullable().optional(),
        }),
      },
    },
    async (req) => updatePreferences(core, ctxOf(req), { msisdn: req.params.msisdn, ...req.body }),
  );
  r.get(
    `${base}/history`,
    {
      schema: {
        ...tag,
        summary: 'Actions on the number: what, when, from which channel',
        params,
        querystring: z.object(pageQuery),
        response: {
          200: z.object({
            msisdn: z.string(),
            items: z.array(
              z.object({
                id: z.number().int(),
                at: z.string(),
                action: z.string(),
                channel: z.string(),
                actorKind: z.string(),
                outcome: z.string(),
                details: z.record(z.string(), z.unknown()),
                subject: z.string().nullable().describe('What it was about, by name in the language asked for: the service, or the plan (the new one on a change)'),
                reason: z.string().nullable().describe('Why it was refused or failed, in the language asked for'),
              }),
            ),
            nextCursor,
          }),
        },
      },
    },
    async (req) => getActionHistory(core, ctxOf(req), { msisdn: req.params.msisdn, ...req.query }),
  );
}
