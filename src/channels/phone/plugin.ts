import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { readVxml, type Submit, type VxmlPage } from './vxml-read.ts';

export interface PhoneRelayOptions {
  /** Sent as X-Gateway-Secret to the USSD gateway when it is configured. */
  ussdSecret?: string | undefined;
  /** Sent as `secret` to the Kannel MO gateway when it is configured. */
  smsSecret?: string | undefined;
  /** Sent as X-Gateway-Secret to the VoiceXML gateway when it is configured. */
  voiceSecret?: string | undefined;
  /**
   * The numbers this request may act for (the demo numbers, and the logged-in subscriber's own):
   * offered in the picker, and the only ones any step may use.
   */
  numbersFor: (req: FastifyRequest) => Promise<string[]>;
  /** Demo mode: without it the relay refuses everything (it is mounted only in demo mode, too). */
  demoMode: boolean;
}

const msisdn = z.string().regex(/^\d{10,15}$/, 'digits only, 10 to 15');

/** Where the server's own VoiceXML gateway answers (the voice browser's start address) and serves prompts. */
const VXML_PATH = '/gateways/voice/vxml';
const PROMPT_PATH = '/gateways/voice/prompts/';
const RELAYED_PROMPTS = '/phone/api/voice/prompts/';
/** A ringback melody's preview on the gateway (key 6), and the same file as the web app serves it to anyone. */
const TONE_PATH = '/gateways/voice/tones/';
const WEB_TONES = '/tones/';
const GATEWAY = new URL(VXML_PATH, 'http://gateway.invalid');

/** An address from a page, resolved against the page's own; only the gateway's own path is followed. */
function gatewayUrl(ref: string): string | null {
  try {
    const u = new URL(ref, GATEWAY);
    return u.origin === GATEWAY.origin && u.pathname === VXML_PATH ? `${u.pathname}${u.search}` : null;
  } catch {
    return null;
  }
}

/** Whether a step's request carries a call token `t`, in its address or its form (the gateway reads both). */
function carriesCallToken(target: string | { url: string; form: Record<string, string> }): boolean {
  const url = new URL(typeof target === 'string' ? target : target.url, GATEWAY);
  const t = typeof target === 'string' ? url.searchParams.get('t') : (target.form.t ?? url.searchParams.get('t'));
  return typeof t === 'string' && t.length > 0;
}

const submitSchema = z.object({
  url: z.string().max(4000),
  method: z.enum(['GET', 'POST']),
  names: z.array(z.string().regex(/^[A-Za-z_]\w{0,30}$/)).max(10),
  vars: z.record(z.string(), z.string().max(4000)),
});
/** What the browser holds between steps: the page's own answers (addresses and the values it submits), nothing decoded. */
const handleSchema = z.object({
  c: z.record(z.string().regex(/^[0-9*#]$/), z.string().max(4000)),
  f: submitSchema.nullable(),
  e: z.object({ noinput: submitSchema.optional(), nomatch: submitSchema.optional(), hangup: submitSchema.optional() }),
});
type Handle = z.infer<typeof handleSchema>;

const encodeHandle = (p: VxmlPage): string => Buffer.from(JSON.stringify({ c: p.choices, f: p.filled, e: p.events } satisfies Handle)).toString('base64url');
function decodeHandle(s: string): Handle | null {
  try {
    const parsed = handleSchema.safeParse(JSON.parse(Buffer.from(s, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The relay's own refusals, as problem+json in the caller's language (Russian first). */
const refusals = {
  'not-demo-number': {
    status: 403,
    ru: ['Номер не из демо-набора', 'Симулятор работает только с демо-номерами и с номером, под которым вы вошли.'],
    en: ['Not a demo number', 'The simulator acts only for the demo numbers and the number you are logged in with.'],
  },
  'demo-mode-off': {
    status: 404,
    ru: ['Симулятор выключен', 'Симулятор телефона работает только в демо-режиме.'],
    en: ['The simulator is off', 'The phone simulator works only in demo mode.'],
  },
  'unknown-handle': {
    status: 400,
    ru: ['Неизвестный шаг звонка', 'Голосовой портал не предлагал такого шага; начните новый звонок.'],
    en: ['Unknown call step', 'The voice portal did not offer this step; start a new call.'],
  },
  'gateway-failed': {
    status: 502,
    ru: ['Голосовой портал не ответил', 'Шлюз не вернул страницу VoiceXML.'],
    en: ['The voice portal did not answer', 'The gateway did not return a VoiceXML page.'],
  },
  'no-such-prompt': { status: 404, ru: ['Нет такой записи', 'Такой фразы нет в кэше голосового портала.'], en: ['No such prompt', 'The voice portal has no such prompt.'] },
} as const;

function refuse(req: FastifyRequest, reply: FastifyReply, code: keyof typeof refusals): FastifyReply {
  const r = refusals[code];
  const header = String(req.headers['accept-language'] ?? '');
  const lang = /^\s*en/i.test(header) ? 'en' : 'ru';
  const [title, detail] = r[lang];
  return reply.status(r.status).type('application/problem+json').header('cache-control', 'no-store').send({ type: 'about:blank', status: r.status, title, detail, code });
}

/**
 * Demo-only relay for the phone simulator (/phone): the browser cannot speak to the gateways
 * directly (they trust only the operator's network), so each request is forwarded unchanged to
 * the server's own USSD HTTP gateway and Kannel MO gateway with `inject`, as the aggregator would
 * send it. Nothing here knows what the menus or commands mean: the answers are the gateways' own.
 * Mounted by the composition root only when DEMO_MODE is on. It acts only for the numbers
 * `numbersFor` allows the caller — the gateways behind it believe whatever number it names.
 */
export async function phoneRelay(app: FastifyInstance, opts: PhoneRelayOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tag = { tags: ['demo'] };

  // Whatever mounts it, the relay never answers outside demo mode.
  app.addHook('onRequest', async (req, reply) => {
    if (!opts.demoMode && req.url.startsWith('/phone/api/')) return refuse(req, reply, 'demo-mode-off');
  });
  const mayActFor = async (req: FastifyRequest, msisdn: string) => (await opts.numbersFor(req)).includes(msisdn);

  r.get('/phone/api/capabilities', { schema: { ...tag, summary: 'What the phone simulator can reach on this server' } }, async (req) => ({
    numbers: await opts.numbersFor(req),
    ussd: app.hasRoute({ method: 'POST', url: '/gateways/ussd/http' }),
    sms: app.hasRoute({ method: 'GET', url: '/gateways/sms/kannel' }),
    voice: app.hasRoute({ method: 'POST', url: VXML_PATH }) || app.hasRoute({ method: 'GET', url: VXML_PATH }),
  }));

  const voiceHeaders = opts.voiceSecret ? { 'x-gateway-secret': opts.voiceSecret } : {};

  /** One request of the voice browser to the gateway; the page it answers, read for the phone. */
  async function fetchPage(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const res = await app.inject({
      method,
      url,
      headers: { ...voiceHeaders, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    if (!/^application\/voicexml\+xml/.test(String(res.headers['content-type']))) return null;
    try {
      return readVxml(res.body);
    } catch {
      return null;
    }
  }

  function answer(req: FastifyRequest, reply: FastifyReply, p: VxmlPage | null) {
    if (!p) return refuse(req, reply, 'gateway-failed');
    reply.header('cache-control', 'no-store');
    const prompts = p.prompts.map((x) => {
      const src = x.src ? new URL(x.src, GATEWAY) : null;
      const own = src && src.origin === GATEWAY.origin ? src.pathname : null;
      const tone = own?.startsWith(TONE_PATH) ? own.slice(TONE_PATH.length) : null;
      if (tone !== null) return { text: x.text, audioUrl: /^[a-z0-9_]{1,40}\.wav$/.test(tone) ? `${WEB_TONES}${tone}` : null };
      const file = own?.startsWith(PROMPT_PATH) ? own.slice(PROMPT_PATH.length) : null;
      return { text: x.text, audioUrl: file && /^[\w.-]{1,80}$/.test(file) ? `${RELAYED_PROMPTS}${file}` : null };
    });
    return reply.send({ lang: p.lang && /^[a-zA-Z]{2}(-[a-zA-Z0-9]{2,8})?$/.test(p.lang) ? p.lang : null, prompts, expects: p.expects, timeoutMs: p.timeoutMs, next: p.ended ? null : encodeHandle(p), ended: p.ended });
  }

  r.post(
    '/phone/api/voice/call',
    {
      schema: {
        ...tag,
        summary: 'Call 111 from a demo number (or your own) through the VoiceXML gateway',
        body: z.object({ msisdn }),
      },
    },
    async (req, reply) => {
      if (!(await mayActFor(req, req.body.msisdn))) return refuse(req, reply, 'not-demo-number');
      const query = new URLSearchParams({ caller: req.body.msisdn, call: `phone-${randomUUID()}` });
      return answer(req, reply, await fetchPage('GET', `${VXML_PATH}?${query.toString()}`));
    },
  );

  r.post(
    '/phone/api/voice/step',
    {
      schema: {
        ...tag,
        summary: 'Continue a call: keys, silence or hang-up, submitted where the last page says',
        body: z.object({
          next: z.string().min(1).max(20_000),
          input: z.discriminatedUnion('kind', [
            z.object({ kind: z.literal('keys'), keys: z.string().regex(/^[0-9*#]{1,20}$/) }),
            z.object({ kind: z.literal('noinput') }),
            z.object({ kind: z.literal('hangup') }),
          ]),
        }),
      },
    },
    async (req, reply) => {
      const h = decodeHandle(req.body.next);
      if (!h) return refuse(req, reply, 'unknown-handle');
      const input = req.body.input;
      const submit = (s: Submit, d?: string) => {
        const url = gatewayUrl(s.url);
        if (!url) return null;
        const values: Record<string, string> = { ...s.vars, ...(d !== undefined ? { d } : {}) };
        const form = Object.fromEntries(s.names.filter((n) => n in values).map((n) => [n, values[n]!]));
        if (s.method === 'GET') {
          const u = new URL(url, GATEWAY);
          for (const [k, v] of Object.entries(form)) u.searchParams.set(k, v);
          return `${u.pathname}${u.search}`;
        }
        return { url, form };
      };
      let target: string | { url: string; form: Record<string, string> } | null = null;
      if (input.kind === 'keys' && Object.keys(h.c).length > 0) {
        // A menu takes one key: its <choice>, or the page's <nomatch>.
        const choice = h.c[input.keys[0]!];
        target = choice ? gatewayUrl(choice) : h.e.nomatch ? submit(h.e.nomatch) : null;
      } else if (input.kind === 'keys' && h.f) {
        // A DTMF grammar returns the keys as tokens separated by spaces; '#' ends the entry.
        const digits = input.keys.replace(/#.*$/, '');
        target = digits ? submit(h.f, [...digits].join(' ')) : h.e.noinput ? submit(h.e.noinput) : null;
      } else if (input.kind === 'noinput' && h.e.noinput) target = submit(h.e.noinput);
      else if (input.kind === 'hangup' && h.e.hangup) target = submit(h.e.hangup);
      // Every step goes on with the sealed call token the gateway gave out (it names the caller); a
      // handle edited into a fresh call start (`?caller=`) would call from any number.
      if (!target || !carriesCallToken(target)) return refuse(req, reply, 'unknown-handle');
      const page = typeof target === 'string' ? await fetchPage('GET', target) : await fetchPage('POST', target.url, target.form);
      // After a hang-up the call is over whatever the gateway said last.
      if (input.kind === 'hangup' && page) return answer(req, reply, { ...page, expects: null, timeoutMs: null, ended: true });
      return answer(req, reply, page);
    },
  );

  r.get(
    `${RELAYED_PROMPTS}:file`,
    { schema: { ...tag, summary: 'A synthesised prompt of the voice portal, relayed from the gateway', params: z.object({ file: z.string().regex(/^[0-9a-f]{32}\.wav$/) }) } },
    async (req, reply) => {
      const res = await app.inject({ method: 'GET', url: `${PROMPT_PATH}${req.params.file}`, headers: voiceHeaders });
      if (res.statusCode !== 200) return refuse(req, reply, 'no-such-prompt');
      return reply.type('audio/wav').header('cache-control', 'public, max-age=31536000, immutable').send(res.rawPayload);
    },
  );

  r.post(
    '/phone/api/ussd',
    {
      schema: {
        ...tag,
        summary: 'Relay one USSD hop to the USSD HTTP gateway',
        body: z.object({ msisdn, sessionId: z.string().regex(/^[\w-]{8,64}$/).optional(), serviceCode: z.string().max(64), text: z.string().max(200) }),
      },
    },
    async (req, reply) => {
      if (!(await mayActFor(req, req.body.msisdn))) return refuse(req, reply, 'not-demo-number');
      const sessionId = req.body.sessionId ?? randomUUID();
      const res = await app.inject({
        method: 'POST',
        url: '/gateways/ussd/http',
        headers: { 'content-type': 'application/json', ...(opts.ussdSecret ? { 'x-gateway-secret': opts.ussdSecret } : {}) },
        payload: JSON.stringify({ sessionId, serviceCode: req.body.serviceCode, phoneNumber: req.body.msisdn, text: req.body.text }),
      });
      const body = res.body;
      const end = !body.startsWith('CON ');
      const text = body.replace(/^(CON|END) /, '');
      return reply.header('cache-control', 'no-store').send({ sessionId, status: res.statusCode, end, text });
    },
  );

  r.post(
    '/phone/api/sms',
    {
      schema: {
        ...tag,
        summary: 'Relay a message from the handset to a short number through the Kannel MO gateway',
        body: z.object({ msisdn, to: z.string().regex(/^\d{1,15}$/), text: z.string().min(1).max(640) }),
      },
    },
    async (req, reply) => {
      if (!(await mayActFor(req, req.body.msisdn))) return refuse(req, reply, 'not-demo-number');
      const query = new URLSearchParams({ from: req.body.msisdn, to: req.body.to, text: req.body.text, id: `phone-${randomUUID()}` });
      if (opts.smsSecret) query.set('secret', opts.smsSecret);
      const res = await app.inject({ method: 'GET', url: `/gateways/sms/kannel?${query.toString()}` });
      const outcome = res.headers['x-abonent-outcome'];
      return reply.header('cache-control', 'no-store').status(res.statusCode === 200 ? 202 : 502).send({ status: res.statusCode, outcome: typeof outcome === 'string' ? outcome : null });
    },
  );
}
