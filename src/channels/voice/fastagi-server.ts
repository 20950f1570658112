import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Speech } from '../../adapters/speech/espeak.ts';
import type { Core } from '../../domain/core.ts';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { messageAudio } from '../../domain/voicemail/messages.ts';
import { advanceCall, findVoiceCaller, startCall, type Turn, type VoiceCaller, type VoiceDeps } from './voice-call.ts';
import { toneAudioCode, voicemailAudioId, type VoiceInput } from './voice-menu.ts';
import { voiceOf, voiceTexts } from './voice-texts.ts';
import { exportedToneName, fixedPromptSet, toneFile } from './voice-prompts.ts';
import { addressList, onList } from '../../net/address-list.ts';
import { AgiConnection, AgiHangup, agiQuote } from './agi-protocol.ts';
import { prepareSpool, voicemailCall, type VoicemailSpool } from './voicemail-call.ts';

export interface FastAgiOptions {
  core: Core;
  speech: Speech;
  deps: VoiceDeps;
  port: number;
  host: string;
  /** Peers allowed to connect (Asterisk servers); loopback when empty. */
  allowed: string[];
  /** How long GET DATA waits for the first key (and between keys). */
  digitTimeoutMs?: number;
  /** How long any command may go unanswered on top of its own waiting. */
  commandTimeoutMs?: number;
  headerTimeoutMs?: number;
  maxConnections?: number;
  /**
   * Where Asterisk finds the exported prompts, relative to its sounds directory (`abonent` →
   * `STREAM FILE abonent/<id>`). Unset: the absolute path of the prompt cache, for an Asterisk on
   * this machine.
   */
  sounds?: string | undefined;
  /**
   * With `sounds`: the address the prompts made per call (balances, amounts, names) are fetched
   * from, `STREAM FILE <promptUrl>/<id>.wav` (Asterisk's res_http_media_cache). Unset: those are
   * asked for under `sounds` too, and skipped when Asterisk does not have them.
   */
  promptUrl?: string | undefined;
  /**
   * Voicemail: calls to `agi://…/voicemail` deposit messages through this spool folder. Unset, such
   * calls hear that the number has no voicemail.
   */
  voicemail?: VoicemailSpool | undefined;
}

export interface FastAgiServer {
  listen(): Promise<number>;
  close(): Promise<void>;
  stats(): { calls: number; active: number; refused: number; failed: number; missingPrompts: number };
}

const ALL_KEYS = '0123456789*#';

/** Whether Asterisk asked for the voicemail script: `AGI(agi://host:4573/voicemail,…)`. */
export function isVoicemailRequest(vars: Record<string, string>): boolean {
  const script = vars.agi_network_script ?? /^agi:\/\/[^/]+\/([^?]*)/.exec(vars.agi_request ?? '')?.[1] ?? '';
  return script.replace(/^\/+|\/+$/g, '') === 'voicemail';
}

/** "Name" <79001234567>, <79001234567>, +7 900… → the number part. */
export function callerNumber(vars: Record<string, string>): string {
  const id = vars.agi_callerid ?? '';
  const inAngle = /<([^>]*)>/.exec(id)?.[1];
  return (inAngle ?? id).trim();
}

/**
 * The voice portal over Asterisk FastAGI: Asterisk connects (`AGI(agi://host:4573)` in the
 * dialplan for 111), sends the call's `agi_*` header, and this server drives the call with
 * ANSWER, STREAM FILE, GET DATA and HANGUP through the same state machine the VoiceXML pages use
 * (CHANNEL STATUS tells a sound file Asterisk lacks from a caller gone). The caller is
 * `agi_callerid` of a peer on the allow-list.
 */
export function createFastAgiServer(o: FastAgiOptions): FastAgiServer {
  const allowed = addressList('VOICE_AGI_ALLOWED', o.allowed.length ? o.allowed : ['127.0.0.1', '::1']);
  const digitTimeoutMs = o.digitTimeoutMs ?? 5000;
  const commandTimeoutMs = o.commandTimeoutMs ?? 10_000;
  const headerTimeoutMs = o.headerTimeoutMs ?? 5000;
  const sockets = new Set<Socket>();
  const counters = { calls: 0, refused: 0, failed: 0, missingPrompts: 0 };
  let server: Server | null = null;
  const sounds = o.sounds?.replace(/^\/+|\/+$/g, '');
  const promptUrl = o.promptUrl?.replace(/\/+$/, '');
  const isFixed = fixedPromptSet();

  /** The name STREAM FILE and GET DATA give Asterisk for a prompt, without the extension. */
  async function path(lang: 'ru' | 'en', text: string): Promise<string> {
    const voice = voiceOf(text, lang);
    const audio = await o.speech.prompt(voice, text);
    if (!sounds) return audio.file.replace(/\.wav$/, '');
    if (promptUrl && !isFixed(voice, text)) return `${promptUrl}/${audio.id}.wav`;
    return `${sounds}/${audio.id}`;
  }

  /**
   * After `result=-1` from STREAM FILE or GET DATA: Asterisk answers so both for a caller gone and
   * for a file it cannot open ("Unable to open …"). A live channel means the file: it is logged and
   * skipped. A gone one throws AgiHangup (511, HANGUP, the socket closed, or -1 again).
   */
  async function unplayable(agi: AgiConnection, file: string): Promise<void> {
    if (!(await agi.channelAlive())) throw new AgiHangup('result=-1');
    counters.missingPrompts += 1;
    o.core.log.warn({ file }, 'Asterisk could not play a voice prompt (not in its sounds directory?); skipped');
  }

  /** One prompt; the key that interrupted it (0 for none). A file Asterisk lacks is skipped. */
  async function stream(agi: AgiConnection, file: string, escape: string): Promise<number> {
    const r = await agi.exchange(`STREAM FILE ${file} ${agiQuote(escape)}`);
    if (r.code === 200 && r.result === '-1') {
      await unplayable(agi, file);
      return 0;
    }
    return Number(r.result) || 0;
  }

  /**
   * A voicemail message played in the 111 menu: written into the spool's `playback/` for Asterisk to
   * read (on its disk, or the share), played, and removed. A key interrupts it like any prompt.
   */
  async function streamMessage(agi: AgiConnection, caller: VoiceCaller, id: number, escape: string): Promise<number> {
    const audio = await messageAudio(o.core.db, caller.subscriberId, id);
    if (!audio || !o.voicemail) {
      o.core.log.warn({ id }, 'voicemail: a message to play is gone or no spool is configured; skipped');
      return 0;
    }
    const name = `${randomUUID()}`;
    const file = join(o.voicemail.dir, 'playback', `${name}.wav`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, audio);
    try {
      return await stream(agi, `${o.voicemail.agiDir}/playback/${name}`, escape);
    } finally {
      await rm(file, { force: true });
    }
  }

  /**
   * A ringback melody's preview (key 6): on this machine, the build's 8 kHz file by its absolute
   * path; on a remote Asterisk, `<sounds>/tone-<code>` as `voice export-prompts` wrote it.
   */
  async function streamTone(agi: AgiConnection, code: string, escape: string): Promise<number> {
    const file = toneFile(o.deps.tones, code);
    if (sounds) return stream(agi, `${sounds}/${exportedToneName(code)}`, escape);
    if (!file) {
      o.core.log.warn({ code }, 'ringback: no preview of the melody was built (scripts/ringback-tones.mjs); skipped');
      return 0;
    }
    return stream(agi, file.replace(/\.wav$/, ''), escape);
  }

  /** One prompt of a turn: a sentence (synthesised), a voicemail message's recording or a melody. */
  async function streamPrompt(agi: AgiConnection, caller: VoiceCaller, lang: 'ru' | 'en', p: string, escape: string): Promise<number> {
    const tone = toneAudioCode(p);
    if (tone !== null) return streamTone(agi, tone, escape);
    const id = voicemailAudioId(p);
    return id === null ? stream(agi, await path(lang, p), escape) : streamMessage(agi, caller, id, escape);
  }

  /** Plays a turn and collects the answer: the key that interrupted a prompt, or GET DATA's digits. */
  async function play(agi: AgiConnection, turn: Turn, caller: VoiceCaller): Promise<VoiceInput> {
    const { prompts, expect } = turn.say;
    const lang = turn.state.lang;
    if (expect.kind === 'end') {
      for (const p of prompts) await streamPrompt(agi, caller, lang, p, '');
      return { kind: 'hangup' };
    }
    const escape = expect.kind === 'key' ? ALL_KEYS : '';
    for (const p of prompts.slice(0, -1)) {
      const code = await streamPrompt(agi, caller, lang, p, escape);
      if (escape && code > 0) return { kind: 'digits', digits: String.fromCharCode(code) };
    }
    const last = prompts[prompts.length - 1] ?? '';
    const max = expect.kind === 'key' ? 1 : expect.max;
    const wait = digitTimeoutMs * (max + 1);
    const file = await path(lang, last);
    let r = await agi.exchange(`GET DATA ${file} ${digitTimeoutMs} ${max}`, wait);
    if (r.code === 200 && r.result === '-1') {
      // GET DATA gives up before reading keys when its prompt cannot be opened: read them without it.
      await unplayable(agi, file);
      r = await agi.command(`GET DATA "" ${digitTimeoutMs} ${max}`, wait);
    }
    if (r.result === '' || (r.data === 'timeout' && r.result === '')) return { kind: 'noinput' };
    return { kind: 'digits', digits: r.result };
  }

  async function handle(socket: Socket): Promise<void> {
    const agi = new AgiConnection(socket, commandTimeoutMs);
    try {
      const vars = await agi.readHeader(headerTimeoutMs);
      if (!vars) return;
      counters.calls += 1;
      if (isVoicemailRequest(vars)) {
        if (o.voicemail) {
          await voicemailCall({ core: o.core, spool: o.voicemail, say: async (a, lang, text) => void (await stream(a, await path(lang, text), '')), play: async (a, file) => void (await stream(a, file, '')) }, agi, vars);
          return;
        }
        o.core.log.warn('voicemail: a call came for the voicemail script but no spool is configured');
        await agi.command('ANSWER');
        await stream(agi, await path('ru', voiceTexts.ru.vmUnknown), '');
        await agi.command('HANGUP');
        return;
      }
      await agi.command('ANSWER');
      const caller = await findVoiceCaller(o.core, callerNumber(vars));
      if (!caller) {
        await stream(agi, await path('ru', voiceTexts.ru.notServed), '');
        await agi.command('HANGUP');
        return;
      }
      let turn = startCall(caller, vars.agi_uniqueid ? `agi:${vars.agi_uniqueid}` : `agi:${randomUUID()}`);
      try {
        for (;;) {
          const input = await play(agi, turn, caller);
          turn = await advanceCall(o.core, o.deps, caller, turn.state, input);
          if (turn.state.ended) {
            if (input.kind !== 'hangup') await play(agi, turn, caller);
            break;
          }
        }
        await agi.command('HANGUP');
      } catch (e) {
        if (!(e instanceof AgiHangup)) throw e;
        // The caller went away mid-turn: the state machine hears it, and nothing half-done is paid.
        await advanceCall(o.core, o.deps, caller, turn.state, { kind: 'hangup' });
      }
    } catch (e) {
      if (!(e instanceof AgiHangup)) throw e;
    } finally {
      // Whatever happened, this call's socket is let go: a peer that stopped answering holds nothing.
      agi.close();
    }
  }

  return {
    async listen() {
      if (o.voicemail) await prepareSpool(o.voicemail);
      return new Promise((resolve, reject) => {
        server = createServer((socket) => {
          if (!onList(allowed, socket.remoteAddress)) {
            counters.refused += 1;
            socket.destroy();
            return;
          }
          sockets.add(socket);
          socket.setNoDelay(true);
          socket.on('close', () => sockets.delete(socket));
          handle(socket).catch(async (err: unknown) => {
            if (err instanceof AgiHangup) return;
            counters.failed += 1;
            o.core.log.error({ err }, 'voice call over FastAGI failed');
            socket.destroy();
          });
        });
        if (o.maxConnections) server.maxConnections = o.maxConnections;
        server.once('error', reject);
        server.listen(o.port, o.host, () => {
          server!.off('error', reject);
          const a = server!.address();
          resolve(typeof a === 'object' && a ? a.port : o.port);
        });
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
    stats: () => ({ ...counters, active: sockets.size }),
  };
}
