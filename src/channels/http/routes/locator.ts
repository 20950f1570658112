import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { locateFriendAction, perform } from '../../../domain/actions/registry.ts';
import type { Core } from '../../../domain/core.ts';
import { answerLocatorConsent, askLocatorConsent, locatorOverview, revokeLocatorConsent, setChildNumber } from '../../../domain/locator/consent.ts';
import { ctxOf } from '../context.ts';
import { offerView } from '../offer-view.ts';
import { offerFields } from '../schemas/subscriber.ts';
import { localized } from '../schemas/catalog.ts';

const tag = { tags: ['locator'] };
const msisdnParam = z.object({ msisdn: z.string().min(1).max(32).describe('The number, or `me`') });
const number = z.string().min(1).max(32);
const point = z.object({ latitude: z.number(), longitude: z.number() });
const status = z.enum(['pending', 'granted', 'refused', 'revoked']);
const consent = z.object({ msisdn: z.string(), status, child: z.boolean(), askedAt: z.string(), decidedAt: z.string().nullable() });
const located = z.object({
  msisdn: z.string(),
  fixAt: z.string().describe('When the network located the phone'),
  area: z.union([z.object({ areaType: z.literal('CIRCLE'), center: point, radius: z.number() }), z.object({ areaType: z.literal('POLYGON'), boundary: z.array(point) })]),
  center: point,
  radius: z.number().describe('Metres: the phone is within this distance of the centre'),
  locality: z.object({ ru: z.string(), en: z.string(), distance: z.number() }),
  nearby: z.array(z.object({ ru: z.string(), en: z.string(), at: point })).describe('Localities within 60 km, to draw on the map'),
  words: z.object({ ru: z.string(), en: z.string() }),
  charged: z.number().int().describe('Kopecks charged for this request: 0 when free or included in a connected product'),
});
const locateOffer = z.object({
  ...offerFields,
  target: z.string().nullable().describe('The number asked about, in one form; null without `target`'),
  consent: z.string().nullable().describe('Its consent: pending, granted, refused, revoked or none'),
  requestPrice: z.number().int().describe('Kopecks one request costs by the catalog (0: free)'),
  includedIn: z.object({ code: z.string(), name: localized }).nullable().describe('The connected product that includes the requests (for this target)'),
});

/** Friend locator: consents (ask, answer, revoke, child numbers), who located me, and locating. */
export async function locatorRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/subscribers/:msisdn/locator',
    {
      schema: {
        ...tag,
        summary: 'Consents asked and given, and who located this number when',
        params: msisdnParam,
        response: { 200: z.object({ asked: z.array(consent), given: z.array(consent), locatedBy: z.array(z.object({ msisdn: z.string(), at: z.string(), outcome: z.string(), channel: z.string() })) }) },
      },
    },
    async (req) => locatorOverview(core, ctxOf(req), { msisdn: req.params.msisdn }),
  );
  r.post(
    '/subscribers/:msisdn/locator/consents',
    { schema: { ...tag, summary: 'Ask a number for consent to see where it is (it gets an SMS to answer)', params: msisdnParam, body: z.object({ target: number }).strict(), response: { 200: z.object({ status }) } } },
    async (req) => askLocatorConsent(core, ctxOf(req), { msisdn: req.params.msisdn, target: req.body.target }),
  );
  r.post(
    '/subscribers/:msisdn/locator/consents/answer',
    {
      schema: {
        ...tag,
        summary: 'Answer a consent request (the latest waiting, or the one from `requester`)',
        params: msisdnParam,
        body: z.object({ requester: number.optional(), answer: z.enum(['yes', 'no']) }).strict(),
        response: { 200: z.object({ answered: z.object({ requester: z.string(), status }).nullable() }) },
      },
    },
    async (req) => ({ answered: await answerLocatorConsent(core, ctxOf(req), { msisdn: req.params.msisdn, requester: req.body.requester, answer: req.body.answer }) }),
  );
  r.delete(
    '/subscribers/:msisdn/locator/consents/:requester',
    { schema: { ...tag, summary: 'Revoke the consent given to a number', params: msisdnParam.extend({ requester: number }), response: { 200: z.object({ revoked: z.literal(true) }) } } },
    async (req) => revokeLocatorConsent(core, ctxOf(req), { msisdn: req.params.msisdn, requester: req.params.requester }),
  );
  r.put(
    '/subscribers/:msisdn/locator/children/:child',
    {
      schema: {
        ...tag,
        summary: 'Place a child number of the same account or contract under permanent consent (or end it)',
        params: msisdnParam.extend({ child: number }),
        body: z.object({ on: z.boolean() }).strict(),
        response: { 200: z.object({ child: z.string(), on: z.boolean() }) },
      },
    },
    async (req) => setChildNumber(core, ctxOf(req), { msisdn: req.params.msisdn, child: req.params.child, on: req.body.on }),
  );
  r.get(
    '/subscribers/:msisdn/locator/offer',
    {
      schema: {
        ...tag,
        summary: 'What locating costs now (for `target`, and whether it may be located), to state before asking',
        params: msisdnParam,
        querystring: z.object({ target: number.optional() }),
        response: { 200: locateOffer },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const o = await locateFriendAction.offer(core, ctx, { msisdn: req.params.msisdn, target: req.query.target });
      return { ...offerView(locateFriendAction, o, ctx.channel), ...o.details };
    },
  );
  r.post(
    '/subscribers/:msisdn/locator/locate',
    { schema: { ...tag, summary: "Where a friend's phone is (with their consent)", params: msisdnParam, body: z.object({ target: number }).strict(), response: { 200: located } } },
    async (req) => perform(core, ctxOf(req), locateFriendAction, req.params.msisdn, req.body),
  );
}
