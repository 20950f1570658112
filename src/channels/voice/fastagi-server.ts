import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Speech } from '../../adapters/speech/espeak.ts';
import type { Core } from '../../domain/core.ts';
import { advanceCall, findVoiceCaller, startCall, type Turn, type VoiceDeps } from './voice-call.ts';
import type { VoiceInput } from './voice-menu.ts';
import { voiceOf, voiceTexts } from './voice-texts.ts';
import { addressList, onList } from '../../net/address-list.ts';
import { AgiConnection, AgiHangup, agiQuote } from './agi-protocol.ts';

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
}

export interface FastAgiServer {
  listen(): Promise<number>;
  close(): Promise<void>;
  stats(): { calls: number; active: number; refused: number; failed: number };
}

const ALL_KEYS = '0123456789*#';

/** "Name" <79001234567>, <79001234567>, +7 900… → the number part. */
export function callerNumber(vars: Record<string, string>): string {
  const id = vars.agi_callerid ?? '';
  const inAngle = /<([^>]*)>/.exec(id)?.[1];
  return (inAngle ?? id).trim();
}

/**
 * The voice portal over Asterisk FastAGI: Asterisk connects (`AGI(agi://host:4573)` in the
 * dialplan for 111), sends the call's `agi_*` header, and this server drives the call with
 * ANSWER, STREAM FILE, GET DATA and HANGUP through the same state machine the VoiceXML pages use.
 * The caller is `agi_callerid` of a peer on the allow-list.
 */
export function createFastAgiServer(o: FastAgiOptions): FastAgiServer {
  const allowed = addressList('VOICE_AGI_ALLOWED', o.allowed.length ? o.allowed : ['127.0.0.1', '::1']);
  const digitTimeoutMs = o.digitTimeoutMs ?? 5000;
  const commandTimeoutMs = o.commandTimeoutMs ?? 10_000;
  const headerTimeoutMs = o.headerTimeoutMs ?? 5000;
  const sockets = new Set<Socket>();
  const counters = { calls: 0, refused: 0, failed: 0 };
  let server: Server | null = null;

  const path = async (lang: 'ru' | 'en', text: string) => (await o.speech.prompt(voiceOf(text, lang), text)).file.replace(/\.wav$/, '');

  /** Plays a turn and collects the answer: the key that interrupted a prompt, or GET DATA's digits. */
  async function play(agi: AgiConnection, turn: Turn): Promise<VoiceInput> {
    const { prompts, expect } = turn.say;
    const lang = turn.state.lang;
    if (expect.kind === 'end') {
      for (const p of prompts) await agi.command(`STREAM FILE ${await path(lang, p)} ""`);
      return { kind: 'hangup' };
    }
    const escape = expect.kind === 'key' ? ALL_KEYS : '';
    for (const p of prompts.slice(0, -1)) {
      const r = await agi.command(`STREAM FILE ${await path(lang, p)} ${agiQuote(escape)}`);
      const code = Number(r.result);
      if (escape && code > 0) return { kind: 'digits', digits: String.fromCharCode(code) };
    }
    const last = prompts[prompts.length - 1] ?? '';
    const max = expect.kind === 'key' ? 1 : expect.max;
    const r = await agi.command(`GET DATA ${await path(lang, last)} ${digitTimeoutMs} ${max}`, digitTimeoutMs * (max + 1));
    if (r.result === '' || (r.data === 'timeout' && r.result === '')) return { kind: 'noinput' };
    return { kind: 'digits', digits: r.result };
  }

  async function handle(socket: Socket): Promise<void> {
    const agi = new AgiConnection(socket, commandTimeoutMs);
    try {
      const vars = await agi.readHeader(headerTimeoutMs);
      if (!vars) return;
      counters.calls += 1;
      await agi.command('ANSWER');
      const caller = await findVoiceCaller(o.core, callerNumber(vars));
      if (!caller) {
        await agi.command(`STREAM FILE ${await path('ru', voiceTexts.ru.notServed)} ""`);
        await agi.command('HANGUP');
        return;
      }
      let turn = startCall(caller, vars.agi_uniqueid ? `agi:${vars.agi_uniqueid}` : `agi:${randomUUID()}`);
      try {
        for (;;) {
          const input = await play(agi, turn);
          turn = await advanceCall(o.core, o.deps, caller, turn.state, input);
          if (turn.state.ended) {
            if (input.kind !== 'hangup') await play(agi, turn);
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
    listen() {
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
