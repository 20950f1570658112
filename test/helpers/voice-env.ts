import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { espeakSpeech } from '../../src/adapters/speech/espeak.ts';
import type { SandboxProvider } from '../../src/adapters/payments/sandbox.ts';
import { createFastAgiServer, type FastAgiServer } from '../../src/channels/voice/fastagi-server.ts';
import type { Core } from '../../src/domain/core.ts';
import { startTopUp } from '../../src/domain/payments/top-up.ts';
import { buildServer, buildVoice, type VoiceParts } from '../../src/server.ts';
import type { VoicemailSpool } from '../../src/channels/voice/voicemail-call.ts';
import { recordingSpeech } from './agi-peer.ts';
import { subscriberCtx, testConfig, testCore, type TestEnv } from './core.ts';

/**
 * A voice test bed: a fresh store, the real espeak-ng/sox prompt cache (shared by test files in a
 * temporary folder, so each prompt is synthesised once per machine), the FastAGI server on a free
 * port and the HTTP app with the VoiceXML gateway, both over the same state machine.
 */
export interface VoiceEnv {
  env: TestEnv;
  core: Core;
  speech: ReturnType<typeof recordingSpeech>;
  voice: VoiceParts;
  agi: FastAgiServer;
  agiPort: number;
  app: FastifyInstance;
  /** Voicemail's spool: where the peer (as Asterisk) records messages and finds recorded greetings. */
  spool: VoicemailSpool;
  /** The ringback melodies' 8 kHz previews (key 6), made by the build's script; null unless asked for. */
  tones: string | null;
  close(): Promise<void>;
}

export const PROMPT_DIR = join(tmpdir(), 'abonent-voice-test-prompts');

export async function voiceEnv(opts: { commandTimeoutMs?: number; headerTimeoutMs?: number; tones?: boolean } = {}): Promise<VoiceEnv> {
  const env = await testCore();
  const core = env.core;
  const speech = recordingSpeech(espeakSpeech({ dir: PROMPT_DIR }));
  const voice = buildVoice(core, testConfig, speech);
  // The previews as the web build makes them (sox), in a folder of this file's own: not web/dist,
  // which a test cannot count on being built.
  const tones = opts.tones ? mkdtempSync(join(tmpdir(), 'abonent-test-tones-')) : null;
  if (tones) execFileSync(process.execPath, [join(import.meta.dirname, '../../scripts/ringback-tones.mjs'), tones], { stdio: 'pipe' });
  voice.deps.tones = tones;
  const dir = mkdtempSync(join(tmpdir(), 'abonent-voicemail-spool-'));
  const spool: VoicemailSpool = { dir, agiDir: dir, maxSeconds: 120, silenceSeconds: 5 };
  const agi = createFastAgiServer({
    core,
    speech,
    deps: voice.deps,
    port: 0,
    host: '127.0.0.1',
    allowed: [],
    digitTimeoutMs: 5000,
    commandTimeoutMs: opts.commandTimeoutMs ?? 5000,
    headerTimeoutMs: opts.headerTimeoutMs ?? 5000,
    voicemail: spool,
  });
  const agiPort = await agi.listen();
  const app = await buildServer(core, testConfig, voice);
  await app.ready();
  return {
    env,
    core,
    speech,
    voice,
    agi,
    agiPort,
    app,
    spool,
    tones,
    close: async () => {
      await agi.close();
      await app.close();
      await env.close();
      rmSync(dir, { recursive: true, force: true });
      if (tones) rmSync(tones, { recursive: true, force: true });
    },
  };
}

/** A card saved the way a subscriber saves one: a paid top-up through the provider's page with "save card". */
export async function saveCard(core: Core, sub: { subscriberId: number; msisdn: string }, number = '4242424242424242'): Promise<void> {
  const started = await startTopUp(core, subscriberCtx(sub.subscriberId), { msisdn: sub.msisdn, amount: 1000, saveCard: true });
  const ref = (await core.db.query<{ provider_ref: string }>('SELECT provider_ref FROM payment WHERE id = $1', [started.paymentId]))[0]!.provider_ref;
  await (core.payments as SandboxProvider).complete(ref, { action: 'pay', card: number, expiry: '12/30' });
}

export type ScriptStep = string | { silence: true } | { hangup: 'close' | '511' | '-1' };

let calls = 0;

/**
 * A caller over FastAGI: dials 111 from `msisdn`, then for each step presses keys, keeps silent or
 * hangs up; returns what was said each turn (the texts of the files played) and how it ended.
 */
export async function agiJourney(v: VoiceEnv, msisdn: string, script: ScriptStep[]): Promise<{ turns: string[][]; ended: 'server' | 'caller' }> {
  calls += 1;
  const { AgiPeer } = await import('./agi-peer.ts');
  const peer = await AgiPeer.dial(v.agiPort, { agi_callerid: `"Caller" <${msisdn}>`, agi_uniqueid: `${Date.now()}.${calls}` });
  const turns: string[][] = [];
  let t = await peer.turn();
  // A melody's preview (key 6) is heard as `tone:<code>`; every other file is a prompt's text.
  const heard = (f: string) => (v.tones && f.startsWith(`${v.tones}/`) ? `tone:${basename(f)}` : v.speech.textOf(f));
  turns.push(t.files.map(heard));
  for (const s of script) {
    if (t.kind === 'hangup') return { turns, ended: 'server' };
    if (typeof s === 'object' && 'hangup' in s) {
      peer.hangUp(s.hangup);
      await peer.closedByServer();
      return { turns, ended: 'caller' };
    }
    if (typeof s === 'object') peer.silence();
    else peer.press(s);
    t = await peer.turn();
    turns.push(t.files.map(heard));
  }
  if (t.kind !== 'hangup') {
    peer.hangUp('close');
    await peer.closedByServer();
    return { turns, ended: 'caller' };
  }
  return { turns, ended: 'server' };
}
