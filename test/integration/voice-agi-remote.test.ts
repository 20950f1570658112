import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFastAgiServer, type FastAgiServer } from '../../src/channels/voice/fastagi-server.ts';
import { exportPrompts, fixedPrompts } from '../../src/channels/voice/voice-prompts.ts';
import { voiceTexts } from '../../src/channels/voice/voice-texts.ts';
import { PROMPT_PATH } from '../../src/channels/voice/vxml-gateway.ts';
import { AgiPeer, type PeerOptions } from '../helpers/agi-peer.ts';
import { makeSubscriber, subscriberCtx } from '../helpers/core.ts';
import { actions, perform } from '../../src/domain/actions/registry.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { PROMPT_DIR, voiceEnv, type VoiceEnv } from '../helpers/voice-env.ts';

/**
 * An Asterisk on another machine: it has only its own sounds directory, filled by
 * `abonent voice export-prompts`, and fetches the prompts made per call by URL. The peer plays
 * nothing from Abonent's disk.
 */
const ru = voiceTexts.ru;
const en = voiceTexts.en;
const BASE = `http://abonent.test:8080${PROMPT_PATH}`;
let v: VoiceEnv;
let sounds: string;
const servers: FastAgiServer[] = [];

before(async () => {
  v = await voiceEnv({ tones: true });
  sounds = mkdtempSync(join(tmpdir(), 'abonent-asterisk-sounds-'));
});
after(async () => {
  for (const s of servers) await s.close();
  await v.close();
  rmSync(sounds, { recursive: true, force: true });
});

async function remoteServer(o: { promptUrl?: string }): Promise<{ port: number; server: FastAgiServer }> {
  const server = createFastAgiServer({ core: v.core, speech: v.speech, deps: v.voice.deps, port: 0, host: '127.0.0.1', allowed: [], sounds: 'abonent', ...o });
  servers.push(server);
  return { port: await server.listen(), server };
}

/** res_http_media_cache, as far as the test needs it: the URL answers 200 with a WAV. */
const fetchMedia: PeerOptions['fetchMedia'] = async (url) => {
  if (!url.startsWith(`${BASE}/`)) return false;
  const res = await v.app.inject({ method: 'GET', url: url.slice('http://abonent.test:8080'.length) });
  return res.statusCode === 200 && res.headers['content-type'] === 'audio/wav';
};

const said = (files: string[]) => files.map((f) => v.speech.textOf(f));

test('export-prompts writes every fixed prompt as an 8 kHz WAV named by its id; the CLI does the same', async () => {
  const dir = join(sounds, 'abonent');
  const res = await exportPrompts({ speech: v.speech, dir, tones: v.tones });
  const all = readdirSync(dir).filter((f) => f.endsWith('.wav'));
  const files = all.filter((f) => !f.startsWith('tone-'));
  assert.equal(files.length, res.count);
  // The ringback melodies' previews beside them (key 6), under the names the server asks for.
  assert.deepEqual(all.filter((f) => f.startsWith('tone-')).sort(), ['birch_tree', 'kalinka', 'korobeiniki', 'ode_to_joy', 'swan_lake', 'turkish_march'].map((c) => `tone-${c}.wav`));
  assert.equal(res.tones, 6);
  assert.ok(readFileSync(join(dir, 'tone-kalinka.wav')).equals(readFileSync(join(v.tones!, 'kalinka.wav'))));
  assert.ok(readFileSync(join(dir, 'tone-kalinka.sln')).equals(execFileSync('sox', [join(dir, 'tone-kalinka.wav'), '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-r', '8000', '-c', '1', '-'])));
  assert.equal(res.count, new Set(fixedPrompts().map((p) => `${p.voice}\n${p.text}`)).size);
  assert.ok(files.includes(`${(await v.speech.prompt('ru', ru.welcome)).id}.wav`));
  // The offer of the other language is exported in that language's voice, as it is played.
  assert.ok(files.includes(`${(await v.speech.prompt('en', ru.otherLanguage)).id}.wav`));
  const info = execFileSync('soxi', [join(dir, files[0]!)], { encoding: 'utf8' });
  assert.match(info, /Channels\s*: 1/);
  assert.match(info, /Sample Rate\s*: 8000/);
  assert.match(info, /Precision\s*: 16-bit/);
  // Beside each WAV its samples as Asterisk's signed linear: what sox makes of the WAV as raw 8 kHz s16le.
  const slns = readdirSync(dir).filter((f) => f.endsWith('.sln'));
  assert.deepEqual(slns.sort(), all.map((f) => f.replace(/\.wav$/, '.sln')).sort());
  const raw = execFileSync('sox', [join(dir, files[0]!), '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-r', '8000', '-c', '1', '-']);
  assert.ok(raw.length > 0);
  assert.ok(readFileSync(join(dir, files[0]!.replace(/\.wav$/, '.sln'))).equals(raw));

  const out = mkdtempSync(join(tmpdir(), 'abonent-export-cli-'));
  try {
    const cli = spawnSync(process.execPath, ['bin/abonent.js', 'voice', 'export-prompts', out], {
      env: { ...process.env, VOICE_PROMPT_DIR: PROMPT_DIR, DATA_DIR: join(out, 'data'), NODE_ENV: 'test' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`exported ${res.count} prompts`));
    // (The CLI takes the melodies from the web build, which this test does not count on.)
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.wav') && !f.startsWith('tone-')).sort(), files.sort());
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a remote Asterisk plays fixed prompts from its own sounds directory and the rest by URL: the whole walk is heard', async () => {
  await exportPrompts({ speech: v.speech, dir: join(sounds, 'abonent'), tones: v.tones });
  const { port } = await remoteServer({ promptUrl: BASE });
  const s = await makeSubscriber(v.core, { openingBalance: 12_345 });
  await connectProduct(v.core, subscriberCtx(s.subscriberId), { msisdn: s.msisdn, productCode: 'ringback' });
  await perform(v.core, subscriberCtx(s.subscriberId), actions['ringback.buy'], s.msisdn, { melody: 'kalinka' });
  await perform(v.core, subscriberCtx(s.subscriberId), actions['ringback.set'], s.msisdn, { melody: 'kalinka' });
  const peer = await AgiPeer.dial(port, { agi_callerid: s.msisdn, agi_uniqueid: 'remote-1' }, { sounds, fetchMedia });
  const main = await peer.turn();
  assert.equal(main.kind, 'input');
  assert.deepEqual(main.missing, []);
  assert.ok(main.files.every((f) => f.startsWith('abonent/')), main.files.join(' '));
  assert.ok(said(main.files).includes(ru.welcome));
  peer.press('1');
  const balance = await peer.turn();
  assert.deepEqual(balance.missing, [], 'nothing is skipped');
  const spoken = balance.files.find((f) => v.speech.textOf(f).startsWith('Ваш баланс'));
  assert.ok(spoken?.startsWith(`${BASE}/`) && spoken.endsWith('.wav'), spoken);
  // What is left after the dynamic sentences (balance, what remains) comes from the sounds directory.
  assert.ok(balance.files.every((f) => f.startsWith('abonent/') || f.startsWith(`${BASE}/`)));
  assert.ok(said(balance.files.filter((f) => f.startsWith('abonent/'))).includes(ru.paymentsKey));
  peer.press('9');
  const english = await peer.turn();
  assert.deepEqual(english.missing, []);
  assert.ok(said(english.files).includes(en.paymentsKey));
  assert.ok(!english.files.some((f) => f.startsWith('/')), 'no path on Abonent’s disk');
  // Key 6: the melody callers hear, from the exported previews.
  peer.press('*');
  await peer.turn();
  peer.press('6');
  const ringback = await peer.turn();
  assert.deepEqual(ringback.missing, []);
  assert.ok(ringback.files.includes('abonent/tone-kalinka'), ringback.files.join(' '));
  peer.hangUp('close');
  await peer.closedByServer();
});

test('a prompt Asterisk does not have (result=-1, channel up) is skipped and the call goes on; a dead channel ends it', async () => {
  // An export missing two prompts: one played by STREAM FILE, the other GET DATA's.
  const partial = mkdtempSync(join(tmpdir(), 'abonent-asterisk-partial-'));
  try {
    await exportPrompts({ speech: v.speech, dir: join(partial, 'abonent') });
    for (const text of [ru.recorded, ru.otherLanguage]) {
      const id = (await v.speech.prompt(text === ru.otherLanguage ? 'en' : 'ru', text)).id;
      for (const ext of ['wav', 'sln']) rmSync(join(partial, 'abonent', `${id}.${ext}`));
    }
    const { port, server } = await remoteServer({});
    const s = await makeSubscriber(v.core, { openingBalance: 12_345 });
    const peer = await AgiPeer.dial(port, { agi_callerid: s.msisdn, agi_uniqueid: 'remote-2' }, { sounds: partial });
    const main = await peer.turn();
    assert.equal(main.kind, 'input', 'the call waits for a key instead of ending');
    assert.deepEqual(said(main.missing), [ru.recorded, ru.otherLanguage]);
    // The channel was asked after each result=-1, and the keys read without the missing prompt.
    assert.equal(main.commands.filter((c) => c === 'CHANNEL STATUS').length, 2);
    assert.match(main.commands.at(-1)!, /^GET DATA "" \d+ 1$/);
    assert.ok(!main.commands.includes('HANGUP'));
    peer.press('1');
    const balance = await peer.turn();
    assert.equal(balance.kind, 'input');
    // Without a prompt URL the balance sentence is not on that Asterisk either: skipped, not a hang-up.
    assert.ok(said(balance.missing).some((x) => x.startsWith('Ваш баланс')), said(balance.missing).join(' | '));
    assert.ok(said(balance.files).includes(ru.paymentsKey));

    peer.press('9');
    const english = await peer.turn();
    assert.equal(english.kind, 'input');
    assert.match(english.commands.at(-1)!, /^GET DATA abonent\/[0-9a-f]{32} \d+ 1$/, 'its last prompt is there');

    // A real hang-up: GET DATA answers result=-1 and the channel is gone (511 to CHANNEL STATUS): the call ends.
    peer.hangUp('dead');
    const last = await peer.turn();
    assert.equal(last.kind, 'hangup');
    assert.ok(last.commands.includes('CHANNEL STATUS'), last.commands.join(' | '));
    assert.ok(!last.commands.some((c) => c.startsWith('STREAM FILE') || c.startsWith('GET DATA')), last.commands.join(' | '));
    await peer.closedByServer();
    assert.deepEqual({ ...server.stats(), missingPrompts: server.stats().missingPrompts > 0 }, { calls: 1, active: 0, refused: 0, failed: 0, missingPrompts: true });
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
});
