// The phone simulator's voice relay (/phone/api/voice/*) against the server's own VoiceXML gateway:
// a call from a demo number, keys, silence and hang-up submitted where each page says, prompts
// relayed as WAV, and what it refuses (numbers outside the demo set, handles it never gave out).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sayMoney } from '../../src/text/spoken.ts';
import { sayRefusal, voiceTexts } from '../../src/channels/voice/voice-texts.ts';
import { MAX_TOP_UP, MIN_TOP_UP } from '../../src/domain/actions/registry.ts';
import { DEMO, seedDemoAccounts } from '../../src/seed/seed-demo.ts';
import { buildServer } from '../../src/server.ts';
import { testConfig } from '../helpers/core.ts';
import { voiceEnv, type VoiceEnv } from '../helpers/voice-env.ts';

interface Turn {
  lang: string | null;
  prompts: { text: string; audioUrl: string | null }[];
  expects: { kind: 'menu'; keys: string[] } | { kind: 'digits'; maxDigits: number } | null;
  timeoutMs: number | null;
  next: string | null;
  ended: boolean;
}

let v: VoiceEnv;
before(async () => {
  v = await voiceEnv({ tones: true });
  await seedDemoAccounts(v.core);
});
after(async () => {
  await v.close();
});

async function post(app: FastifyInstance, url: string, body: unknown): Promise<{ status: number; json: Turn & { title?: string; code?: string } }> {
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, json: res.json() };
}

const say = (t: Turn) => t.prompts.map((p) => p.text).join(' ');

async function apiBalance(app: FastifyInstance): Promise<number> {
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(DEMO.subscriber) });
  assert.equal(login.statusCode, 200, login.body);
  const res = await app.inject({ method: 'GET', url: '/api/v1/subscribers/me/balance', headers: { authorization: `Bearer ${(login.json() as { token: string }).token}` } });
  assert.equal(res.statusCode, 200, res.body);
  const b = res.json() as { balance: number };
  assert.equal(typeof b.balance, 'number', res.body);
  return b.balance;
}

test('a call from the demo subscriber: main menu with WAV prompts, balance, English, silence, hang-up', async () => {
  const call = await post(v.app, '/phone/api/voice/call', { msisdn: DEMO.subscriber.msisdn });
  assert.equal(call.status, 200, JSON.stringify(call.json));
  const ru = voiceTexts.ru;
  assert.ok(say(call.json).includes(ru.mainItems[0]!), say(call.json));
  assert.equal(call.json.ended, false);
  assert.equal(call.json.expects?.kind, 'menu');
  assert.equal(call.json.timeoutMs, 5000, "the menu's <property name=\"timeout\" value=\"5s\"/>");
  assert.ok(call.json.expects.kind === 'menu' && call.json.expects.keys.includes('1') && call.json.expects.keys.includes('9'));
  const audio = call.json.prompts.map((p) => p.audioUrl).filter((u): u is string => u !== null);
  assert.equal(audio.length, call.json.prompts.length, 'every prompt has its WAV');
  for (const url of audio) {
    assert.match(url, /^\/phone\/api\/voice\/prompts\/[0-9a-f]{32}\.wav$/);
    const a = await v.app.inject({ method: 'GET', url });
    assert.equal(a.statusCode, 200, url);
    assert.equal(a.headers['content-type'], 'audio/wav');
    assert.equal(a.rawPayload.subarray(0, 4).toString('latin1'), 'RIFF');
  }

  const balance = await post(v.app, '/phone/api/voice/step', { next: call.json.next, input: { kind: 'keys', keys: '1' } });
  assert.equal(balance.status, 200);
  const expected = `Ваш баланс ${sayMoney(await apiBalance(v.app), 'ru')} по состоянию на `;
  assert.ok(say(balance.json).includes(expected), `${say(balance.json)}\nexpected: ${expected}`);

  const back = await post(v.app, '/phone/api/voice/step', { next: balance.json.next, input: { kind: 'keys', keys: '*' } });
  assert.ok(say(back.json).includes(ru.mainItems[0]!));
  const en = await post(v.app, '/phone/api/voice/step', { next: back.json.next, input: { kind: 'keys', keys: '9' } });
  assert.ok(say(en.json).includes(voiceTexts.en.mainItems[0]!), say(en.json));
  assert.equal(call.json.lang, 'ru-RU');
  assert.equal(en.json.lang, 'en-US');

  // A key the menu does not offer goes to the page's <nomatch>; silence to its <noinput>.
  const offered = en.json.expects?.kind === 'menu' ? en.json.expects.keys : [];
  const missing = [...'12345678'].find((k) => !offered.includes(k))!;
  const nomatch = await post(v.app, '/phone/api/voice/step', { next: en.json.next, input: { kind: 'keys', keys: missing } });
  assert.ok(say(nomatch.json).startsWith(voiceTexts.en.nomatch), say(nomatch.json));
  const silent = await post(v.app, '/phone/api/voice/step', { next: nomatch.json.next, input: { kind: 'noinput' } });
  assert.ok(say(silent.json).startsWith(voiceTexts.en.noinput), say(silent.json));

  const hang = await post(v.app, '/phone/api/voice/step', { next: silent.json.next, input: { kind: 'hangup' } });
  assert.equal(hang.status, 200);
  assert.equal(hang.json.ended, true);
  assert.equal(hang.json.next, null);
  assert.equal(hang.json.timeoutMs, null, 'an ended call waits for nothing');
});

test('a number typed on the keypad: the <field> gets the keys, "#" ends the entry', async () => {
  let t = (await post(v.app, '/phone/api/voice/call', { msisdn: DEMO.subscriber.msisdn })).json;
  // Balance and payments → payments → pay by card → the amount field.
  for (const key of ['1', '2', '1']) {
    assert.equal(t.expects?.kind, 'menu', say(t));
    t = (await post(v.app, '/phone/api/voice/step', { next: t.next, input: { kind: 'keys', keys: key } })).json;
  }
  assert.equal(t.expects?.kind, 'digits', say(t));
  assert.equal(t.timeoutMs, 5000, "the form's timeout");
  assert.ok(say(t).includes(voiceTexts.ru.askAmount(sayMoney(MIN_TOP_UP, 'ru'), sayMoney(MAX_TOP_UP, 'ru'))));
  const bad = (await post(v.app, '/phone/api/voice/step', { next: t.next, input: { kind: 'keys', keys: '5#' } })).json;
  assert.ok(say(bad).includes(sayRefusal({ code: 'AMOUNT_NOT_ALLOWED', params: { min: MIN_TOP_UP, max: MAX_TOP_UP } }, 'ru')), say(bad));
});

test('key 6: a melody on sale is played before its price, from the web app\'s own previews', async () => {
  let t = (await post(v.app, '/phone/api/voice/call', { msisdn: DEMO.subscriber.msisdn })).json;
  for (const key of ['6', '1', '1']) t = (await post(v.app, '/phone/api/voice/step', { next: t.next, input: { kind: 'keys', keys: key } })).json;
  assert.ok(say(t).includes(voiceTexts.ru.rbListen('Во поле берёза стояла')), say(t));
  const urls = t.prompts.map((p) => p.audioUrl);
  assert.ok(urls.includes('/tones/birch_tree.wav'), urls.join(' '));
  assert.ok(urls.filter((u) => u !== '/tones/birch_tree.wav').every((u) => u?.startsWith('/phone/api/voice/prompts/')), 'the sentences are relayed prompts');
});

test('refused: numbers outside the demo set, malformed numbers, handles the relay never gave out, odd prompt names', async () => {
  const other = await post(v.app, '/phone/api/voice/call', { msisdn: '79550000001' });
  assert.equal(other.status, 403);
  assert.equal(other.json.code, 'not-demo-number');
  assert.equal(other.json.title, 'Номер не из демо-набора');
  const inEnglish = await v.app.inject({ method: 'POST', url: '/phone/api/voice/call', headers: { 'content-type': 'application/json', 'accept-language': 'en' }, payload: JSON.stringify({ msisdn: '79550000001' }) });
  assert.equal((inEnglish.json() as { title: string }).title, 'Not a demo number');
  assert.equal((await post(v.app, '/phone/api/voice/call', { msisdn: '+7 900' })).status, 400);

  const call = (await post(v.app, '/phone/api/voice/call', { msisdn: DEMO.subscriber.msisdn })).json;
  const unknown = await post(v.app, '/phone/api/voice/step', { next: 'bm90IGEgaGFuZGxl', input: { kind: 'keys', keys: '1' } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.code, 'unknown-handle');

  // A handle edited to send the relay elsewhere on the server is refused, not followed.
  const h = JSON.parse(Buffer.from(call.next!, 'base64url').toString('utf8')) as { c: Record<string, string> };
  h.c['1'] = '/api/v1/subscribers/me/balance';
  const forged = await post(v.app, '/phone/api/voice/step', { next: Buffer.from(JSON.stringify(h)).toString('base64url'), input: { kind: 'keys', keys: '1' } });
  assert.equal(forged.status, 400);
  h.c['1'] = 'http://elsewhere.example/gateways/voice/vxml';
  assert.equal((await post(v.app, '/phone/api/voice/step', { next: Buffer.from(JSON.stringify(h)).toString('base64url'), input: { kind: 'keys', keys: '1' } })).status, 400);

  assert.equal((await post(v.app, '/phone/api/voice/step', { next: call.next, input: { kind: 'keys', keys: 'A' } })).status, 400);
  assert.equal((await post(v.app, '/phone/api/voice/step', { next: call.next, input: { kind: 'shout' } })).status, 400);
  assert.equal((await v.app.inject({ method: 'GET', url: '/phone/api/voice/prompts/..%2F..%2Fetc%2Fpasswd' })).statusCode, 400);
  assert.equal((await v.app.inject({ method: 'GET', url: `/phone/api/voice/prompts/${'0'.repeat(32)}.wav` })).statusCode, 404);
  // The call itself is still good after all that.
  const still = await post(v.app, '/phone/api/voice/step', { next: call.next, input: { kind: 'keys', keys: '1' } });
  assert.equal(still.status, 200);
});

test('with VOICE_GATEWAY_SECRET the gateway refuses the bare request, and the relay sends the secret', async () => {
  const app = await buildServer(v.core, { ...testConfig, VOICE_GATEWAY_SECRET: 'voice-secret-0123456789' }, v.voice);
  await app.ready();
  try {
    const direct = await app.inject({ method: 'GET', url: `/gateways/voice/vxml?caller=${DEMO.subscriber.msisdn}` });
    assert.equal(direct.statusCode, 403);
    const call = await post(app, '/phone/api/voice/call', { msisdn: DEMO.subscriber.msisdn });
    assert.equal(call.status, 200);
    assert.ok(say(call.json).includes(voiceTexts.ru.mainItems[0]!));
    const url = call.json.prompts[0]!.audioUrl!;
    assert.equal((await app.inject({ method: 'GET', url: url.replace('/phone/api/voice/prompts/', '/gateways/voice/prompts/') })).statusCode, 403);
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200);
  } finally {
    await app.close();
  }
});

test('the catalog menus through the relay: options (7), connected services (8), tariffs (4, 1), promised payment (3) — each page small enough to relay', async () => {
  let t = (await post(v.app, '/phone/api/voice/call', { msisdn: DEMO.subscriber.msisdn })).json;
  const seen: string[] = [];
  for (const key of ['7', '8', '*', '*', '4', '1', '*', '*', '3', '1']) {
    const r = await post(v.app, '/phone/api/voice/step', { next: t.next, input: { kind: 'keys', keys: key } });
    assert.equal(r.status, 200, `${key}: ${JSON.stringify(r.json).slice(0, 300)}`);
    t = r.json;
    assert.ok(t.next && t.next.length < 20_000, `${key}: the handle is ${t.next?.length} characters`);
    seen.push(say(t));
  }
  assert.ok(seen[0]!.includes(voiceTexts.ru.offersTitle), seen[0]);
  assert.ok(seen[1]!.includes(voiceTexts.ru.connectedTitle) || seen[1]!.includes(voiceTexts.ru.noConnected), seen[1]);
  assert.ok(seen[5]!.includes(voiceTexts.ru.tariffsTitle) || seen[5]!.includes(voiceTexts.ru.noTariffs), seen[5]);
  assert.ok(seen[9]!.includes(voiceTexts.ru.acceptKey) || seen[8]!.includes('Обещанный платёж'), `${seen[8]}\n${seen[9]}`);
});
