import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  close(): Promise<void>;
}

export const PROMPT_DIR = join(tmpdir(), 'abonent-voice-test-prompts');

export async function voiceEnv(opts: { commandTimeoutMs?: number; headerTimeoutMs?: number } = {}): Promise<VoiceEnv> {
  const env = await testCore();
  const core = env.core;
  const speech = recordingSpeech(espeakSpeech({ dir: PROMPT_DIR }));
  const voice = buildVoice(core, testConfig, speech);
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
    close: async () => {
      await agi.close();
      await app.close();
      await env.close();
      rmSync(dir, { recursive: true, force: true });
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
  turns.push(t.files.map((f) => v.speech.textOf(f)));
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
    turns.push(t.files.map((f) => v.speech.textOf(f)));
  }
  if (t.kind !== 'hangup') {
    peer.hangUp('close');
    await peer.closedByServer();
    return { turns, ended: 'caller' };
  }
  return { turns, ended: 'server' };
}
