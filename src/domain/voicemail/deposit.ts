import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { findSubscriberByMsisdn } from '../subscribers/access.ts';
import { formatDuration, mailboxSmsText } from './words.ts';
import { readMailbox, type Mailbox } from './mailbox.ts';
import { isTelephonyWav, readWav } from './wav.ts';

/** A message shorter than this is a caller who hung up at the beep: nothing is kept. */
export const MIN_MESSAGE_MS = 700;

export type MailboxForCall =
  | { kind: 'unknown'; number: string }
  | { kind: 'off'; msisdn: string; language: 'ru' | 'en' }
  | { kind: 'open'; subscriberId: number; msisdn: string; language: 'ru' | 'en'; timeZone: string; box: Mailbox };

/** The mailbox a diverted call is for, from the number it was diverted from. */
export async function mailboxForCall(core: Core, divertingNumber: string): Promise<MailboxForCall> {
  const msisdn = normalizeMsisdn(divertingNumber);
  const sub = msisdn ? await findSubscriberByMsisdn(core.db, msisdn) : undefined;
  if (!sub) return { kind: 'unknown', number: divertingNumber };
  const box = await readMailbox(core.db, sub.id);
  if (!box.enabled || sub.status !== 'active') return { kind: 'off', msisdn: sub.msisdn, language: sub.language };
  return { kind: 'open', subscriberId: sub.id, msisdn: sub.msisdn, language: sub.language, timeZone: sub.timeZone, box };
}

export type DepositResult = { kind: 'kept'; id: number; durationMs: number } | { kind: 'again'; id: number } | { kind: 'empty' } | { kind: 'bad_audio' };

/**
 * Keeps a message a caller left (`audio`: the WAV Asterisk recorded) and tells the owner by SMS,
 * in one transaction. `callId` (Asterisk's uniqueid) makes it once per call: a repeat keeps nothing
 * more and sends no second SMS.
 */
export async function depositVoicemail(
  core: Core,
  input: { subscriberId: number; callId: string; caller: string | null; audio: Uint8Array },
): Promise<DepositResult> {
  const w = readWav(input.audio);
  if (!isTelephonyWav(w)) return { kind: 'bad_audio' };
  if (w.durationMs < MIN_MESSAGE_MS) return { kind: 'empty' };
  const now = core.clock.now();
  return core.db.tx(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO voicemail_message (subscriber_id, call_id, caller, received_at, duration_ms, audio) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (call_id) DO NOTHING RETURNING id`,
      [input.subscriberId, input.callId, input.caller, now, w.durationMs, Buffer.from(input.audio)],
    );
    if (!row) {
      const [was] = await tx.query<{ id: number }>('SELECT id FROM voicemail_message WHERE call_id = $1', [input.callId]);
      return { kind: 'again' as const, id: Number(was?.id) };
    }
    const [owner] = await tx.query<{ msisdn: string; language: 'ru' | 'en'; time_zone: string }>(
      'SELECT s.msisdn, s.language, r.time_zone FROM subscriber s JOIN region r ON r.code = s.region_code WHERE s.id = $1',
      [input.subscriberId],
    );
    if (owner) {
      const text = mailboxSmsText(owner.language, { caller: input.caller, at: now, timeZone: owner.time_zone, duration: formatDuration(w.durationMs, owner.language) });
      await enqueueSms(tx, { msisdn: owner.msisdn, text, kind: 'voicemail', at: now });
    }
    return { kind: 'kept' as const, id: Number(row.id), durationMs: w.durationMs };
  });
}
