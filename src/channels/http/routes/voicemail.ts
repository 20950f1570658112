import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toTelephonyWav } from '../../../adapters/speech/telephony-wav.ts';
import { perform, voicemailDeleteAction, voicemailGreetingAction, voicemailHeardAction, voicemailSettingsAction } from '../../../domain/actions/registry.ts';
import type { Core } from '../../../domain/core.ts';
import { DomainError } from '../../../domain/shared/errors.ts';
import { greetingAudio, readMailbox } from '../../../domain/voicemail/mailbox.ts';
import { listVoicemail, voicemailAudio } from '../../../domain/voicemail/messages.ts';
import { loadSubscriber } from '../../../domain/subscribers/access.ts';
import { ctxOf } from '../context.ts';

const tag = { tags: ['voicemail'] };
const params = z.object({ msisdn: z.string().min(1).max(32).describe('The number, or `me`') });
const idParams = params.extend({ id: z.coerce.number().int().positive() });
/** The largest WAV taken for a recorded greeting (a minute of 48 kHz stereo 24-bit is ~17 MB), and its request in base64. */
const MAX_WAV_BYTES = 20 * 1024 * 1024;
const MAX_BODY_BYTES = Math.ceil(MAX_WAV_BYTES / 3) * 4 + 1024;

const mailbox = z.object({
  msisdn: z.string(),
  enabled: z.boolean(),
  busy: z.boolean(),
  noAnswer: z.boolean(),
  noAnswerSeconds: z.number().int(),
  unreachable: z.boolean(),
  always: z.boolean(),
  greeting: z.object({ kind: z.enum(['standard', 'text', 'recorded']), text: z.string().nullable(), durationMs: z.number().nullable() }),
  version: z.number().int(),
  pushedVersion: z.number().int(),
});
const message = z.object({ id: z.number().int(), caller: z.string().nullable(), receivedAt: z.string(), durationMs: z.number().int(), heard: z.boolean() });
const overview = z.object({ mailbox, voicemailNumber: z.string().describe('The number calls divert to'), messages: z.array(message) });

function sendWav(reply: FastifyReply, audio: Buffer): FastifyReply {
  // Private: another person's browser or a shared cache never keeps it.
  return reply.header('content-type', 'audio/wav').header('cache-control', 'private, no-store').header('content-length', String(audio.length)).send(audio);
}

/** Voicemail: the mailbox's settings and greeting, and its messages with their audio (the owner's only). */
export async function voicemailRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/subscribers/:msisdn/voicemail',
    { schema: { ...tag, summary: 'The mailbox: when calls divert, the greeting, and the messages (newest first)', params, response: { 200: overview } } },
    async (req) => {
      const ctx = ctxOf(req);
      const sub = await loadSubscriber(core.db, ctx.actor, req.params.msisdn, { access: 'read' });
      const list = await listVoicemail(core, ctx, { msisdn: sub.msisdn });
      return { mailbox: { msisdn: sub.msisdn, ...(await readMailbox(core.db, sub.id)) }, voicemailNumber: core.settings.voicemailNumber, messages: list.messages };
    },
  );
  r.patch(
    '/subscribers/:msisdn/voicemail',
    { schema: { ...tag, summary: 'Turn the mailbox on or off and choose when calls divert (the network is told of each change once)', params, body: voicemailSettingsAction.input, response: { 200: mailbox } } },
    async (req) => perform(core, ctxOf(req), voicemailSettingsAction, req.params.msisdn, req.body),
  );
  r.put(
    '/subscribers/:msisdn/voicemail/greeting',
    {
      schema: {
        ...tag,
        summary: 'The greeting: the standard one or a text read aloud by the speech synthesiser (a recording: PUT …/greeting/recording)',
        params,
        body: z.discriminatedUnion('kind', [z.object({ kind: z.literal('standard') }).strict(), z.object({ kind: z.literal('text'), text: z.string() }).strict()]),
        response: { 200: mailbox },
      },
    },
    async (req) => perform(core, ctxOf(req), voicemailGreetingAction, req.params.msisdn, req.body),
  );
  r.put(
    '/subscribers/:msisdn/voicemail/greeting/recording',
    {
      bodyLimit: MAX_BODY_BYTES,
      schema: {
        ...tag,
        summary: 'A recorded greeting: a WAV file (any rate, converted to 8 kHz mono 16-bit) of at most 60 seconds',
        params,
        body: z.object({ wav: z.string().min(1).max(MAX_BODY_BYTES).describe('The WAV file in base64') }).strict(),
        response: { 200: mailbox },
      },
    },
    async (req) => {
      const file = Buffer.from(req.body.wav, 'base64');
      if (file.length === 0 || file.length > MAX_WAV_BYTES) throw new DomainError('VOICEMAIL_AUDIO', { reason: 'format' });
      const wav = await toTelephonyWav(file);
      if (!wav) throw new DomainError('VOICEMAIL_AUDIO', { reason: 'format' });
      return perform(core, ctxOf(req), voicemailGreetingAction, req.params.msisdn, { kind: 'recorded', audio: wav.toString('base64') });
    },
  );
  r.get('/subscribers/:msisdn/voicemail/greeting/audio', { schema: { ...tag, summary: 'The recorded greeting (audio/wav)', params } }, async (req, reply) => {
    const audio = await greetingAudio(core, ctxOf(req), { msisdn: req.params.msisdn });
    if (!audio) throw new DomainError('NOT_FOUND', { resource: 'greeting' });
    return sendWav(reply, audio);
  });
  r.get('/subscribers/:msisdn/voicemail/messages/:id/audio', { schema: { ...tag, summary: "A message's audio (audio/wav), for the mailbox's owner only", params: idParams } }, async (req, reply) =>
    sendWav(reply, await voicemailAudio(core, ctxOf(req), { msisdn: req.params.msisdn, id: req.params.id })),
  );
  r.post(
    '/subscribers/:msisdn/voicemail/messages/:id/heard',
    { schema: { ...tag, summary: 'Mark a message heard', params: idParams, response: { 200: message } } },
    async (req) => perform(core, ctxOf(req), voicemailHeardAction, req.params.msisdn, { id: req.params.id }),
  );
  r.delete(
    '/subscribers/:msisdn/voicemail/messages/:id',
    { schema: { ...tag, summary: 'Delete a message and its audio', params: idParams, response: { 200: z.object({ id: z.number().int(), deleted: z.literal(true) }) } } },
    async (req) => perform(core, ctxOf(req), voicemailDeleteAction, req.params.msisdn, { id: req.params.id }),
  );
}
