import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Core } from '../../domain/core.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { depositVoicemail, mailboxForCall } from '../../domain/voicemail/deposit.ts';
import { recordedGreeting } from '../../domain/voicemail/mailbox.ts';
import { AgiHangup, type AgiConnection } from './agi-protocol.ts';
import { voiceTexts } from './voice-texts.ts';

/**
 * Where voicemail audio meets Asterisk: a folder both reach (the same disk, or a share such as NFS
 * mounted on both hosts). Asterisk records each message into `incoming/` (RECORD FILE writes the
 * file there on its own disk); Abonent reads it once the command has answered, keeps it in the
 * store and removes it. Recorded greetings are written to `greetings/` for Asterisk to play.
 */
export interface VoicemailSpool {
  /** The folder as this process reaches it. */
  dir: string;
  /** The same folder as Asterisk names it (its mount point); `dir` when they are the same. */
  agiDir: string;
  /** RECORD FILE's limits: the longest message, and the silence that ends one. */
  maxSeconds: number;
  silenceSeconds: number;
}

export async function prepareSpool(spool: VoicemailSpool): Promise<void> {
  await mkdir(join(spool.dir, 'incoming'), { recursive: true });
  await mkdir(join(spool.dir, 'greetings'), { recursive: true });
}

/** What the FastAGI server lends a voicemail call: saying a sentence, playing a file by name. */
export interface VoicemailCallDeps {
  core: Core;
  spool: VoicemailSpool;
  say(agi: AgiConnection, lang: 'ru' | 'en', text: string): Promise<void>;
  play(agi: AgiConnection, file: string): Promise<void>;
}

/** A number out of a Diversion or History-Info header: `<sip:+79001234567@host>;reason=…`, `<tel:+7…>`. */
export function numberInHeader(h: string): string | null {
  const m = /<?(?:sips?|tel):(\+?[0-9]{5,15})(?:[@;>]|$)/.exec(h);
  return m ? m[1]! : null;
}

function known(v: string | undefined): string | null {
  const s = (v ?? '').trim();
  return s && s !== 'unknown' ? s : null;
}

/**
 * The number a call was diverted from, in the order Asterisk can give it: the dialplan's argument
 * (`${REDIRECTING(from-num)}`), `agi_rdnis`, the channel's REDIRECTING(from-num), and the SIP
 * Diversion header (chan_sip's SIP_HEADER, then chan_pjsip's PJSIP_HEADER).
 */
export async function divertingNumber(agi: AgiConnection, vars: Record<string, string>): Promise<string | null> {
  const direct = known(vars.agi_arg_1) ?? known(vars.agi_rdnis);
  if (direct) return direct;
  const asked = async (expr: string) => {
    const r = await agi.command(`GET FULL VARIABLE ${expr}`);
    return r.result === '1' ? known(r.data ?? '') : null;
  };
  const redirecting = await asked('${REDIRECTING(from-num)}');
  if (redirecting) return redirecting;
  for (const h of ['${SIP_HEADER(Diversion)}', '${PJSIP_HEADER(read,Diversion)}']) {
    const v = await asked(h);
    const n = v ? numberInHeader(v) : null;
    if (n) return n;
  }
  return null;
}

/** The caller's number for the owner to see, or null when withheld. */
function callerOf(vars: Record<string, string>): string | null {
  const raw = /<([^>]*)>/.exec(vars.agi_callerid ?? '')?.[1] ?? vars.agi_callerid ?? '';
  const v = known(raw);
  if (!v || /^(anonymous|restricted|private)$/i.test(v)) return null;
  return normalizeMsisdn(v) ?? v.slice(0, 32);
}

/** The recorded greeting as a file Asterisk can play, written once per recording (named by its hash). */
async function greetingFile(spool: VoicemailSpool, subscriberId: number, audio: Buffer): Promise<string> {
  const name = `${subscriberId}-${createHash('sha256').update(audio).digest('hex').slice(0, 16)}`;
  const file = join(spool.dir, 'greetings', `${name}.wav`);
  if (!existsSync(file)) {
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, audio);
    await rename(tmp, file);
  }
  return `${spool.agiDir}/greetings/${name}`;
}

/**
 * A call diverted to the voicemail number (`AGI(agi://abonent:4573/voicemail,…)`): finds the
 * mailbox from the diverting number, plays its greeting, records the message with RECORD FILE
 * (a beep, `#` to end, the longest message and the silence that ends it) and keeps it, telling the
 * owner by SMS. An unknown number or a mailbox that is off hears why, and the call ends.
 */
export async function voicemailCall(d: VoicemailCallDeps, agi: AgiConnection, vars: Record<string, string>): Promise<void> {
  const { core, spool } = d;
  await agi.command('ANSWER');
  const from = await divertingNumber(agi, vars);
  const box = from ? await mailboxForCall(core, from) : ({ kind: 'unknown', number: '' } as const);
  const callId = vars.agi_uniqueid ? `agi:${vars.agi_uniqueid}` : `agi:${randomUUID()}`;
  if (box.kind !== 'open') {
    core.log.info({ callId, diverting: from, mailbox: box.kind }, box.kind === 'off' ? 'voicemail: the mailbox is off; the caller was told' : 'voicemail: no mailbox for the diverting number; the caller was told');
    const lang = box.kind === 'off' ? box.language : 'ru';
    await d.say(agi, lang, box.kind === 'off' ? voiceTexts[lang].vmOff : voiceTexts[lang].vmUnknown);
    await agi.command('HANGUP');
    return;
  }
  const t = voiceTexts[box.language];
  const g = box.box.greeting;
  const recorded = g.kind === 'recorded' ? await recordedGreeting(core.db, box.subscriberId) : null;
  if (recorded) await d.play(agi, await greetingFile(spool, box.subscriberId, recorded));
  else await d.say(agi, box.language, g.kind === 'text' && g.text ? g.text : t.vmGreeting);

  const name = `${callId.replace(/[^A-Za-z0-9._-]/g, '_')}-${randomUUID().slice(0, 8)}`;
  const local = join(spool.dir, 'incoming', `${name}.wav`);
  let callerGone = false;
  try {
    // Asterisk answers "200 result=0 (timeout) endpos=…" after the silence or the longest message,
    // "200 result=35 (dtmf) …" for '#', and "200 result=-1 (hangup) …" when the caller hangs up —
    // the usual end of a message, kept like the others.
    const r = await agi.exchange(`RECORD FILE ${spool.agiDir}/incoming/${name} wav "#" ${spool.maxSeconds * 1000} BEEP s=${spool.silenceSeconds}`, spool.maxSeconds * 1000 + 5000);
    callerGone = r.result === '-1';
  } catch (e) {
    if (!(e instanceof AgiHangup)) throw e;
    callerGone = true;
  }
  let kept = false;
  try {
    const audio = existsSync(local) ? await readFile(local) : null;
    if (!audio) core.log.warn({ callId, file: local }, 'voicemail: Asterisk left no recording in the spool (is VOICEMAIL_SPOOL_DIR the folder it writes to?)');
    else {
      const r = await depositVoicemail(core, { subscriberId: box.subscriberId, callId, caller: callerOf(vars), audio });
      kept = r.kind === 'kept' || r.kind === 'again';
      if (r.kind === 'bad_audio') core.log.warn({ callId, file: local }, 'voicemail: the recording is not 8 kHz mono 16-bit WAV; not kept');
      else core.log.info({ callId, mailbox: box.msisdn, outcome: r.kind }, 'voicemail: a call left a message');
    }
  } finally {
    await rm(local, { force: true });
  }
  if (callerGone) return;
  await d.say(agi, box.language, kept ? t.vmSaved : t.vmNotSaved);
  await agi.command('HANGUP');
}
