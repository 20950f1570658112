// Voice part of `npm run bench` (BENCH_ONLY=voice): 100 callers at once walking the balance branch
// over FastAGI (dial 111 → main menu → 1 → balance spoken → hang up), per-step latency, calls per
// second and the prompt cache's hit rate after a warm-up; beside the same callers against a trivial
// FastAGI server that plays one file per step (the protocol and TCP cost alone), in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { espeakSpeech } from '../src/adapters/speech/espeak.ts';
import { createFastAgiServer } from '../src/channels/voice/fastagi-server.ts';
import { buildVoice } from '../src/server.ts';
import { AgiPeer } from '../test/helpers/agi-peer.ts';
import { ms, rate, ratio, table } from './report.ts';
import { loggedInSubscribers, openBenchEnv } from './setup.ts';

const CALLERS = 100;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
}

interface Round {
  menu: number[];
  balance: number[];
  hangup: number[];
  seconds: number;
  failures: number;
}

/** One round: every caller dials at once and walks main menu → 1 → balance → hang-up. */
async function round(port: number, msisdns: string[], tag: string): Promise<Round> {
  const out: Round = { menu: [], balance: [], hangup: [], seconds: 0, failures: 0 };
  const t0 = performance.now();
  await Promise.all(
    msisdns.map(async (msisdn, i) => {
      try {
        let t = performance.now();
        const peer = await AgiPeer.dial(port, { agi_callerid: msisdn, agi_uniqueid: `${tag}.${i}` });
        const main = await peer.turn();
        out.menu.push(performance.now() - t);
        if (main.kind !== 'input') throw new Error('no main menu');
        t = performance.now();
        peer.press('1');
        const bal = await peer.turn();
        out.balance.push(performance.now() - t);
        if (bal.kind !== 'input') throw new Error('no balance');
        t = performance.now();
        peer.hangUp('close');
        await peer.closedByServer();
        out.hangup.push(performance.now() - t);
      } catch {
        out.failures += 1;
      }
    }),
  );
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

/** The baseline: a FastAGI server that answers, plays a file with GET DATA per step and hangs up on the caller's hang-up. */
function echoAgi(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.setEncoding('utf8');
    let buf = '';
    let header = true;
    let step = 0;
    s.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (header) {
          if (line === '') {
            header = false;
            s.write('ANSWER\n');
          }
          continue;
        }
        step += 1;
        if (step === 1 || step === 2) s.write(`GET DATA /tmp/prompt-${step} 5000 1\n`);
        else s.end();
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a ? a.port : 0,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

export async function runVoiceBench(opts: { rounds?: number } = {}): Promise<void> {
  const rounds = opts.rounds ?? Number(process.env.BENCH_VOICE_ROUNDS ?? 5);
  const env = await openBenchEnv();
  const dir = mkdtempSync(join(tmpdir(), 'abonent-bench-prompts-'));
  console.log(`\nVoice: ${CALLERS} concurrent FastAGI callers walking the balance branch, ${rounds} rounds after 1 warm-up round — store: ${env.storeLabel}`);
  const subs = await loggedInSubscribers(env.core, CALLERS);
  const msisdns = subs.map((s) => s.msisdn);
  const speech = espeakSpeech({ dir });
  const voice = buildVoice(env.core, env.config, speech);
  const agi = createFastAgiServer({ core: env.core, speech, deps: voice.deps, port: 0, host: '127.0.0.1', allowed: [], maxConnections: 1000 });
  const port = await agi.listen();
  const echo = await echoAgi();
  try {
    const warm = await round(port, msisdns, 'warm');
    const afterWarm = speech.stats();
    const measured: Round[] = [];
    const base: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      measured.push(await round(port, msisdns, `r${r}`));
      base.push(await round(echo.port, msisdns, `b${r}`));
    }
    const end = speech.stats();
    const hits = end.hits - afterWarm.hits;
    const misses = end.misses - afterWarm.misses;
    const all = (rs: Round[], k: 'menu' | 'balance' | 'hangup') => rs.flatMap((x) => x[k]);
    const calls = (rs: Round[]) => rs.reduce((n, x) => n + CALLERS - x.failures, 0);
    const secs = (rs: Round[]) => rs.reduce((n, x) => n + x.seconds, 0);
    const failures = (rs: Round[]) => rs.reduce((n, x) => n + x.failures, 0);
    const voiceRate = calls(measured) / secs(measured);
    const baseRate = calls(base) / secs(base);
    const row = (name: string, rs: Round[], k: 'menu' | 'balance' | 'hangup') => [name, ms(pct(all(rs, k), 50)), ms(pct(all(rs, k), 99))];
    console.log(
      table(
        ['step', 'p50 ms', 'p99 ms'],
        [
          row('voice: dial → main menu (header, ANSWER, prompts, GET DATA)', measured, 'menu'),
          row('voice: key 1 → balance spoken (use case, prompts, GET DATA)', measured, 'balance'),
          row('voice: hang-up → server closes', measured, 'hangup'),
          row('baseline echo AGI: dial → first GET DATA', base, 'menu'),
          row('baseline echo AGI: key → second GET DATA', base, 'balance'),
        ],
      ),
    );
    console.log(
      table(
        ['measurement', 'value'],
        [
          ['voice calls per second (100 at once)', rate(voiceRate)],
          ['baseline echo AGI calls per second', rate(baseRate)],
          ['voice / baseline', ratio(voiceRate / baseRate)],
          ['failed calls (voice, baseline)', `${failures(measured) + warm.failures}, ${failures(base)}`],
          ['prompts synthesised in warm-up', String(afterWarm.misses)],
          ['prompt cache hit rate after warm-up', `${((hits / Math.max(1, hits + misses)) * 100).toFixed(1)}% (${hits} hits, ${misses} synthesised)`],
        ],
      ),
    );
    console.log('A new minute changes the balance prompt ("… as of 12:05"), so a run across a minute boundary synthesises those again.');
  } finally {
    await agi.close();
    await echo.close();
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
