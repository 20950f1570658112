import { z } from 'zod';
import { loadSubscriber } from '../subscribers/access.ts';
import { judgeSettings, MAX_GREETING_TEXT, NO_ANSWER_SECONDS, readMailbox, setVoicemailGreeting, updateVoicemailSettings, type Mailbox } from '../voicemail/mailbox.ts';
import { deleteVoicemail, markVoicemailHeard, messagesOf, type VoicemailMessage } from '../voicemail/messages.ts';
import { confirmationFor } from './confirmation.ts';
import { refusalOf, type Action } from './types.ts';

const settingsInput = z
  .object({
    enabled: z.boolean().optional().describe('The mailbox on (calls divert to it on the conditions below) or off'),
    busy: z.boolean().optional().describe('Divert when the line is busy'),
    noAnswer: z.boolean().optional().describe('Divert when the call is not answered'),
    noAnswerSeconds: z.number().int().optional().describe(`Seconds of ringing before a call is not answered, ${NO_ANSWER_SECONDS.min}..${NO_ANSWER_SECONDS.max}`),
    unreachable: z.boolean().optional().describe('Divert when the phone is off or out of coverage'),
    always: z.boolean().optional().describe('Divert every call'),
  })
  .strict();

type MailboxDetails = { msisdn: string } & Mailbox;

async function mailboxDetails(core: Parameters<Action<object, object, unknown, unknown>['offer']>[0], ctx: Parameters<Action<object, object, unknown, unknown>['offer']>[1], msisdn: string): Promise<MailboxDetails> {
  const sub = await loadSubscriber(core.db, ctx.actor, msisdn, { access: 'read' });
  return { msisdn: sub.msisdn, ...(await readMailbox(core.db, sub.id)) };
}

/** Voicemail's diversion settings: on or off, and when calls divert. Free, always offered; `details` are the mailbox now. */
export const voicemailSettingsAction: Action<object, z.infer<typeof settingsInput>, Awaited<ReturnType<typeof updateVoicemailSettings>>, MailboxDetails> = {
  id: 'voicemail.settings',
  summary: 'Voicemail: on or off, and when calls divert to it (busy, no answer after N seconds, unreachable, always)',
  input: settingsInput,
  async offer(core, ctx, t) {
    const bad = judgeSettings(t as { noAnswerSeconds?: number });
    return { action: 'voicemail.settings', refusal: bad ? refusalOf(bad) : null, shown: true, facts: null, details: await mailboxDetails(core, ctx, t.msisdn) };
  },
  confirmation: (_offer, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => updateVoicemailSettings(core, ctx, i),
};

const greetingInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('standard') }).strict(),
  z.object({ kind: z.literal('text'), text: z.string().trim().min(1).max(MAX_GREETING_TEXT).describe('Read to callers by the speech synthesiser') }).strict(),
  z
    .object({ kind: z.literal('recorded'), audio: z.string().min(1).max(2_000_000).describe('Base64 of an 8 kHz mono 16-bit WAV of at most 60 seconds') })
    .strict(),
]);

/** The greeting callers hear: the standard one, a text read by the synthesiser, or the subscriber's recording. */
export const voicemailGreetingAction: Action<object, z.infer<typeof greetingInput>, Awaited<ReturnType<typeof setVoicemailGreeting>>, MailboxDetails> = {
  id: 'voicemail.greeting',
  summary: 'Voicemail greeting: the standard one, a text read aloud, or a recording',
  input: greetingInput,
  async offer(core, ctx, t) {
    return { action: 'voicemail.greeting', refusal: null, shown: true, facts: null, details: await mailboxDetails(core, ctx, t.msisdn) };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => {
    const { msisdn, ...g } = i;
    const greeting = g.kind === 'recorded' ? { kind: 'recorded' as const, audio: new Uint8Array(Buffer.from(g.audio, 'base64')) } : g;
    return setVoicemailGreeting(core, ctx, { msisdn, greeting });
  },
};

const messageInput = z.object({ id: z.number().int().positive().describe('The message') }).strict();
type MessagesDetails = { msisdn: string; messages: VoicemailMessage[] };

async function messagesDetails(core: Parameters<Action<object, object, unknown, unknown>['offer']>[0], ctx: Parameters<Action<object, object, unknown, unknown>['offer']>[1], msisdn: string): Promise<MessagesDetails> {
  const sub = await loadSubscriber(core.db, ctx.actor, msisdn, { access: 'read' });
  return { msisdn: sub.msisdn, messages: await messagesOf(core.db, sub.id) };
}

/** Mark a voicemail message heard. */
export const voicemailHeardAction: Action<object, z.infer<typeof messageInput>, VoicemailMessage, MessagesDetails> = {
  id: 'voicemail.heard',
  summary: 'Mark a voicemail message heard',
  input: messageInput,
  async offer(core, ctx, t) {
    return { action: 'voicemail.heard', refusal: null, shown: true, facts: null, details: await messagesDetails(core, ctx, t.msisdn) };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => markVoicemailHeard(core, ctx, i),
};

/** Delete a voicemail message (and its audio). */
export const voicemailDeleteAction: Action<object, z.infer<typeof messageInput>, { id: number; deleted: true }, MessagesDetails> = {
  id: 'voicemail.delete',
  summary: 'Delete a voicemail message',
  input: messageInput,
  async offer(core, ctx, t) {
    return { action: 'voicemail.delete', refusal: null, shown: true, facts: null, details: await messagesDetails(core, ctx, t.msisdn) };
  },
  confirmation: (_offer, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => deleteVoicemail(core, ctx, i),
};
