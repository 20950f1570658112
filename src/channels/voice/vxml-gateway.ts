import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Speech } from '../../adapters/speech/espeak.ts';
import type { Core } from '../../domain/core.ts';
import { advanceCall, findVoiceCaller, startCall, type Turn, type VoiceDeps } from './voice-call.ts';
import { toneAudioCode, voicemailAudioId, type VoiceInput } from './voice-menu.ts';
import { TONE_CODE, toneFile } from './voice-prompts.ts';
import { messageAudio } from '../../domain/voicemail/messages.ts';
import { voiceOf, voiceTexts } from './voice-texts.ts';
import { addressList, onList } from '../../net/address-list.ts';
import { tokenSealer } from './call-token.ts';
import { renderVxml } from './vxml-render.ts';

export const VXML_PATH = '/gateways/voice/vxml';
export const PROMPT_PATH = '/gateways/voice/prompts';
/** A voicemail message played in the menu: `<subscriber>/<message>/<key>.wav`, the key an HMAC only the caller's page carries. */
export const MESSAGE_PATH = '/gateways/voice/voicemail';
/** A ringback melody's preview played on key 6: `<code>.wav`, the build's 8 kHz file. */
export const TONE_PATH = '/gateways/voice/tones';
export const VOICE_SECRET_HEADER = 'x-gateway-secret';

export interface VxmlGatewayOptions {
  core: Core;
  speech: Speech;
  deps: VoiceDeps;
  /** Shared secret the voice browser sends in X-Gateway-Secret. */
  secret?: string | undefined;
  /** Addresses or CIDRs of voice browsers allowed without the secret (loopback only when neither is set). */
  allowed?: string[];
  digitTimeoutSeconds?: number;
  /** How long a call's token stays good. */
  callMaxMinutes?: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function field(v: unknown): string | undefined {
  if (Array.isArray(v)) return field(v[v.length - 1]);
  return typeof v === 'string' ? v.slice(0, 20_000) : typeof v === 'number' ? String(v) : undefined;
}

/**
 * The voice portal as VoiceXML 2.1 over HTTP for any standard voice browser: GET or POST
 * `/gateways/voice/vxml?caller=<calling number>[&call=<id>]` starts a call; every page then submits
 * `t` (the sealed call state) with `d` (keys pressed) or `ev` (noinput, nomatch, hangup) back to the
 * same address. Prompts are the synthesised WAV files at `/gateways/voice/prompts/<id>.wav`.
 */
export async function voiceVxmlGateway(app: FastifyInstance, o: VxmlGatewayOptions): Promise<void> {
  const secret = o.secret ? digest(o.secret) : null;
  const list = o.allowed?.length ? o.allowed : secret ? [] : ['127.0.0.1', '::1'];
  const sources = addressList('VOICE_GATEWAY_ALLOWED', list);
  const sealer = tokenSealer(o.core.secret, (o.callMaxMinutes ?? 60) * 60_000);
  const digitTimeoutSeconds = o.digitTimeoutSeconds ?? 5;
  const messageKey = (subscriberId: number, id: number) => createHmac('sha256', `voicemail-playback:${o.core.secret}`).update(`${subscriberId}:${id}`).digest('base64url').slice(0, 32);

  await app.register(formbody);

  const trusted = (req: FastifyRequest) => {
    const given = req.headers[VOICE_SECRET_HEADER];
    const bySecret = secret !== null && typeof given === 'string' && timingSafeEqual(digest(given), secret);
    return bySecret || onList(sources, req.socket.remoteAddress);
  };

  async function page(reply: FastifyReply, status: number, turn: Turn, caller: Parameters<typeof advanceCall>[2] | null): Promise<FastifyReply> {
    const lang = turn.state.lang;
    const prompts = await Promise.all(
      turn.say.prompts.map(async (text) => {
        const tone = toneAudioCode(text);
        if (tone !== null) return { src: toneFile(o.deps.tones, tone) ? `${TONE_PATH}/${tone}.wav` : null, text: '' };
        const id = voicemailAudioId(text);
        // A voicemail message is its recording, at an address only this caller's page names.
        if (id !== null && caller) return { src: `${MESSAGE_PATH}/${caller.subscriberId}/${id}/${messageKey(caller.subscriberId, id)}.wav`, text: '' };
        return { src: `${PROMPT_PATH}/${(await o.speech.prompt(voiceOf(text, lang), text)).id}.wav`, text };
      }),
    );
    const token = caller ? sealer.seal({ caller, state: turn.state, iat: o.core.clock.now().getTime() }) : '';
    const xml = renderVxml({ lang, prompts, expect: turn.say.expect, token, action: VXML_PATH, digitTimeoutSeconds });
    return reply.status(status).type('application/voicexml+xml; charset=utf-8').header('cache-control', 'no-store').send(xml);
  }

  /** A page that says one thing and disconnects (unknown caller, broken or stale token). */
  function farewell(reply: FastifyReply, status: number, text: string, lang: 'ru' | 'en' = 'ru') {
    const state = { ended: true, lang } as Turn['state'];
    return page(reply, status, { state, say: { prompts: [text], expect: { kind: 'end' } } }, null);
  }

  function inputOf(p: Record<string, unknown>): VoiceInput | null {
    const ev = field(p.ev);
    if (ev === 'noinput' || ev === 'nomatch' || ev === 'hangup') return { kind: ev };
    const d = field(p.d);
    if (d === undefined) return null;
    // DTMF utterances come as "1 2 3"; '#' only ends the entry.
    const digits = d.replace(/\s+/g, '').replace(/#$/, '');
    if (!/^[0-9*]{0,19}$/.test(digits)) return { kind: 'nomatch' };
    return digits === '' ? { kind: 'noinput' } : { kind: 'digits', digits };
  }

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!trusted(req)) return reply.status(403).type('text/plain; charset=utf-8').send('Forbidden');
    const p = { ...((req.query as Record<string, unknown>) ?? {}), ...(req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {}) };
    const t = field(p.t);
    try {
      if (t === undefined) {
        const number = field(p.caller);
        if (!number) return farewell(reply, 400, voiceTexts.ru.notServed);
        const caller = await findVoiceCaller(o.core, number);
        if (!caller) return farewell(reply, 200, voiceTexts.ru.notServed);
        const call = field(p.call);
        const callId = call && /^[\w.:-]{1,100}$/.test(call) ? `vxml:${call}` : `vxml:${randomUUID()}`;
        return page(reply, 200, startCall(caller, callId), caller);
      }
      const opened = sealer.open(t, o.core.clock.now().getTime());
      if (!opened) return farewell(reply, 400, voiceTexts.ru.unavailable);
      const input = inputOf(p);
      if (!input) return farewell(reply, 400, voiceTexts[opened.state.lang].unavailable, opened.state.lang);
      const turn = await advanceCall(o.core, o.deps, opened.caller, opened.state, input);
      return page(reply, 200, turn, opened.caller);
    } catch (err) {
      req.log.error({ err, requestId: req.id }, 'voice step failed');
      return farewell(reply, 200, voiceTexts.ru.unavailable);
    }
  };

  app.route({ method: ['GET', 'POST'], url: VXML_PATH, schema: { hide: true }, handler });

  app.get(`${MESSAGE_PATH}/:subscriber/:id/:file`, { schema: { hide: true } }, async (req, reply) => {
    if (!trusted(req)) return reply.status(403).type('text/plain; charset=utf-8').send('Forbidden');
    const p = req.params as { subscriber: string; id: string; file: string };
    const [subscriberId, id] = [Number(p.subscriber), Number(p.id)];
    const key = /^([A-Za-z0-9_-]{32})\.wav$/.exec(p.file)?.[1];
    const expected = Number.isSafeInteger(subscriberId) && Number.isSafeInteger(id) ? messageKey(subscriberId, id) : null;
    const audio = key && expected && timingSafeEqual(Buffer.from(key), Buffer.from(expected)) ? await messageAudio(o.core.db, subscriberId, id) : null;
    if (!audio) return reply.status(404).type('text/plain; charset=utf-8').send('Not found');
    return reply.type('audio/wav').header('cache-control', 'private, no-store').send(audio);
  });

  app.get(`${TONE_PATH}/:file`, { schema: { hide: true } }, async (req, reply) => {
    if (!trusted(req)) return reply.status(403).type('text/plain; charset=utf-8').send('Forbidden');
    const code = /^(.+)\.wav$/.exec((req.params as { file: string }).file)?.[1];
    const file = code && TONE_CODE.test(code) ? toneFile(o.deps.tones, code) : null;
    if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('Not found');
    return reply.type('audio/wav').header('cache-control', 'public, max-age=86400').send(createReadStream(file));
  });

  app.get(`${PROMPT_PATH}/:file`, { schema: { hide: true } }, async (req, reply) => {
    if (!trusted(req)) return reply.status(403).type('text/plain; charset=utf-8').send('Forbidden');
    const name = (req.params as { file: string }).file;
    const id = /^([0-9a-f]{32})\.wav$/.exec(name)?.[1];
    const file = id ? await o.speech.fileOf(id) : null;
    if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('Not found');
    return reply.type('audio/wav').header('cache-control', 'public, max-age=31536000, immutable').send(createReadStream(file));
  });
}
