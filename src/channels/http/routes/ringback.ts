import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { buyMelodyAction, perform, removeToneAction, setToneAction } from '../../../domain/actions/registry.ts';
import type { Core } from '../../../domain/core.ts';
import { melodyFacts } from '../../../domain/ringback/melodies.ts';
import { ringbackOverview } from '../../../domain/ringback/overview.ts';
import { ctxOf } from '../context.ts';
import { statementOf } from '../offer-view.ts';

const tag = { tags: ['ringback'] };
const msisdnParam = z.object({ msisdn: z.string().min(1).max(32).describe('The number, or `me`') });
const words = z.object({ ru: z.string(), en: z.string() });
const facts = z.object({ price: z.number(), period: z.enum(['once', 'day', 'month']), connectionFee: z.number(), commission: z.number(), chargedToday: z.number() });
const melody = z.object({
  code: z.string(),
  title: words,
  artist: words,
  genre: words,
  facts,
  statement: words.describe('The price in words'),
  preview: z.object({ ogg: z.string(), wav: z.string() }).describe('The preview, synthesised at build time: Ogg Vorbis for browsers, 8 kHz WAV as the network plays it'),
});
const rule = z.object({
  id: z.number(),
  melody: z.string(),
  callers: z.array(z.string()).nullable().describe('Null: every caller'),
  group: z.string().nullable(),
  from: z.string().nullable().describe('Local time of day "HH:MM" in the number\'s region; null: all day'),
  to: z.string().nullable(),
});
const overview = z.object({
  msisdn: z.string(),
  service: z
    .enum(['off', 'active', 'suspended', 'held'])
    .describe('The service "Гудок" (catalog product `ringback`): connect and disable it through …/products. `suspended`: for want of money, a top-up resumes it; `held`: by the company\'s spending limit, only the contract\'s administrator (or the next month) releases it'),
  catalog: z.array(melody),
  library: z.array(z.object({ melody: z.string(), status: z.enum(['active', 'suspended']), boughtAt: z.string(), nextChargeAt: z.string() })),
  rules: z.array(rule),
  nowForEveryone: z.string().nullable().describe('The melody a caller no rule names hears now; null: ordinary ringing'),
});

/** Where a melody's preview is served (made by scripts/ringback-tones.mjs into web/dist/tones). */
export const previewOf = (code: string) => ({ ogg: `/tones/${code}.ogg`, wav: `/tones/${code}.wav` });

/** Ringback tones: the catalog, the library and the rules; buy, set and remove through the registry. */
export async function ringbackRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/subscribers/:msisdn/ringback',
    { schema: { ...tag, summary: 'The ringback service, the melodies on sale with previews, the library and the rules', params: msisdnParam, response: { 200: overview } } },
    async (req) => {
      const o = await ringbackOverview(core, ctxOf(req), { msisdn: req.params.msisdn });
      return {
        msisdn: o.msisdn,
        service: o.service,
        catalog: o.catalog.map((m) => ({ code: m.code, title: m.title, artist: m.artist, genre: m.genre, facts: melodyFacts(m), statement: statementOf(melodyFacts(m)), preview: previewOf(m.code) })),
        library: o.library.map((l) => ({ melody: l.melody.code, status: l.status, boughtAt: new Date(l.boughtAt).toISOString(), nextChargeAt: new Date(l.nextChargeAt).toISOString() })),
        rules: o.rules.map((x) => ({ id: x.id, melody: x.melody, callers: x.callers, group: x.group, from: x.from, to: x.to })),
        nowForEveryone: o.nowForEveryone,
      };
    },
  );
  r.post(
    '/subscribers/:msisdn/ringback/library',
    {
      schema: {
        ...tag,
        summary: 'Buy a melody into the library: its first day or month is charged now, the next ones by the fee run (Idempotency-Key honoured)',
        params: msisdnParam,
        body: buyMelodyAction.input,
        response: { 200: z.object({ msisdn: z.string(), melody: z.string(), charged: z.number(), balance: z.number(), nextChargeAt: z.string() }) },
      },
    },
    async (req) => perform(core, ctxOf(req), buyMelodyAction, req.params.msisdn, req.body),
  );
  r.post(
    '/subscribers/:msisdn/ringback/rules',
    {
      schema: {
        ...tag,
        summary: 'Set the melody callers hear: for all, chosen numbers or a group, all day or at a time of day (a rule for the same callers and times is replaced)',
        params: msisdnParam,
        body: setToneAction.input,
        response: { 200: z.object({ msisdn: z.string(), rule: z.number(), melody: z.string(), changed: z.boolean() }) },
      },
    },
    async (req) => perform(core, ctxOf(req), setToneAction, req.params.msisdn, req.body),
  );
  r.post(
    '/subscribers/:msisdn/ringback/remove',
    {
      schema: {
        ...tag,
        summary: 'Remove a rule (`rule`), a melody from the library (`melody`: its fee stops), or every rule (`all`): callers hear ordinary ringing',
        params: msisdnParam,
        body: removeToneAction.input,
        response: { 200: z.object({ msisdn: z.string(), rules: z.number(), melody: z.string().nullable(), changed: z.boolean() }) },
      },
    },
    async (req) => perform(core, ctxOf(req), removeToneAction, req.params.msisdn, req.body),
  );
}
