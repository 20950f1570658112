import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { voiceTexts } from '../../src/channels/voice/voice-texts.ts';
import { actions, perform } from '../../src/domain/actions/registry.ts';
import { holdPaidExtras } from '../../src/domain/business/limit-holds.ts';
import { melodyFacts } from '../../src/domain/ringback/melodies.ts';
import { toneForCaller } from '../../src/domain/ringback/tone-for-caller.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { stateChargedToday, statePrice } from '../../src/text/price.ts';
import { sayMoney } from '../../src/text/spoken.ts';
import { buildServer } from '../../src/server.ts';
import { ctxAs, ledgerSum, makeSubscriber, subscriberCtx, testConfig } from '../helpers/core.ts';
import { agiJourney, saveCard, voiceEnv, type ScriptStep, type VoiceEnv } from '../helpers/voice-env.ts';

const ru = voiceTexts.ru;
const SCHEMA = 'test/fixtures/vxml21/vxml21-dtmf.xsd';
let v: VoiceEnv;
let dir: string;
const docs: string[] = [];
const fetchedAudio = new Set<string>();

before(async () => {
  v = await voiceEnv({ tones: true });
  dir = mkdtempSync(join(tmpdir(), 'abonent-vxml-'));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await v.close();
});

const unescape = (s: string) => s.replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);

interface Page {
  status: number;
  xml: string;
  texts: string[];
  ended: boolean;
}

/** The W3C's own VoiceXML 2.1 DTD (REC-voicexml21-20070619), from Debian's w3c-sgml-lib. */
const W3C_DTD = '/usr/share/xml/w3c-sgml-lib/schema/dtd/REC-voicexml21-20070619/vxml.dtd';

/** Every document the gateway served is kept, to be validated against the schema with xmllint. */
function validateAll(): void {
  const files = docs.splice(0).map((xml, i) => {
    const f = join(dir, `doc-${Date.now()}-${i}.vxml`);
    writeFileSync(f, xml);
    return f;
  });
  if (files.length === 0) return;
  try {
    execFileSync('xmllint', ['--noout', '--schema', SCHEMA, ...files], { encoding: 'utf8', stdio: 'pipe' });
    execFileSync('xmllint', ['--noout', '--dtdvalid', W3C_DTD, ...files], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: string };
    assert.fail(`VoiceXML documents do not validate:\n${err.stderr?.slice(0, 3000)}`);
  }
}

/**
 * A VoiceXML browser for keypad input: it plays a page (its audio is fetched, the texts read), then
 * does what the page says for the caller's action — follows the `<choice>` for a key the menu has,
 * runs the `<nomatch>` / `<noinput>` handlers (assign, then `<submit>` with the namelist), submits the
 * `<field>` from its `<filled>`, or the hang-up `<catch>`.
 */
class Browser {
  constructor(
    private readonly app: FastifyInstance,
    private readonly headers: Record<string, string> = {},
  ) {}

  async load(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Page> {
    const res = await this.app.inject({
      method,
      url,
      headers: { ...this.headers, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    const xml = res.body;
    if (res.statusCode !== 403) {
      assert.match(String(res.headers['content-type']), /^application\/voicexml\+xml/);
      docs.push(xml);
    }
    const texts: string[] = [];
    for (const m of xml.matchAll(/<audio src="([^"]*)">([^<]*)<\/audio>/g)) {
      const src = unescape(m[1]!);
      // A melody's preview (key 6) is heard as `tone:<code>`, as the FastAGI journey names it.
      const tone = /^\/gateways\/voice\/tones\/([a-z0-9_]+)\.wav$/.exec(src)?.[1];
      texts.push(tone ? `tone:${tone}` : unescape(m[2]!));
      if (!fetchedAudio.has(src)) {
        fetchedAudio.add(src);
        const a = await this.app.inject({ method: 'GET', url: src, headers: this.headers });
        assert.equal(a.statusCode, 200, src);
        assert.equal(a.headers['content-type'], 'audio/wav');
        assert.equal(a.rawPayload.subarray(0, 4).toString('latin1'), 'RIFF');
      }
    }
    return { status: res.statusCode, xml, texts, ended: xml.includes('<disconnect/>') };
  }

  private token(p: Page): string {
    const m = /<var name="t" expr="([^"]*)"\/>/.exec(p.xml);
    assert.ok(m, 'every page carries the call token');
    return /^'(.*)'$/.exec(unescape(m[1]!))![1]!;
  }

  private handler(p: Page, ev: 'noinput' | 'nomatch' | 'hangup'): Promise<Page> {
    const block = ev === 'hangup' ? /<catch event="connection\.disconnect\.hangup">([\s\S]*?)<\/catch>/.exec(p.xml) : new RegExp(`<${ev}>([\\s\\S]*?)</${ev}>`).exec(p.xml);
    assert.ok(block, `page has a ${ev} handler`);
    const assigned = /^'([a-z]+)'$/.exec(unescape(/<assign name="ev" expr="([^"]*)"\/>/.exec(block[1]!)![1]!))![1]!;
    const submit = /<submit next="([^"]*)" method="post" namelist="([^"]*)"\/>/.exec(block[1]!)!;
    const vars: Record<string, string> = { t: this.token(p), ev: assigned };
    const form = Object.fromEntries(submit[2]!.split(' ').map((n) => [n, vars[n]!]));
    return this.load('POST', unescape(submit[1]!), form);
  }

  async act(p: Page, s: ScriptStep): Promise<Page> {
    if (typeof s === 'object' && 'hangup' in s) return this.handler(p, 'hangup');
    if (typeof s === 'object') return this.handler(p, 'noinput');
    if (p.xml.includes('<field name="d">')) {
      const submit = /<filled>\s*<submit next="([^"]*)" method="post" namelist="t d"\/>/.exec(p.xml);
      assert.ok(submit);
      // What a DTMF grammar returns: the keys as tokens separated by spaces.
      return this.load('POST', unescape(submit[1]!), { t: this.token(p), d: [...s].join(' ') });
    }
    const choice = [...p.xml.matchAll(/<choice dtmf="([^"]*)" next="([^"]*)"\/>/g)].find((m) => unescape(m[1]!) === s);
    if (!choice) return this.handler(p, 'nomatch');
    return this.load('GET', unescape(choice[2]!));
  }
}

async function vxmlJourney(msisdn: string, script: ScriptStep[], app: FastifyInstance = v.app): Promise<{ turns: string[][]; ended: 'server' | 'caller' }> {
  const b = new Browser(app);
  let p = await b.load('GET', `/gateways/voice/vxml?caller=%2B${msisdn}&call=test-${Math.random().toString(36).slice(2)}`);
  assert.equal(p.status, 200);
  const turns = [p.texts];
  for (const s of script) {
    if (p.ended) return { turns, ended: 'server' };
    p = await b.act(p, s);
    assert.equal(p.status, 200);
    if (typeof s === 'object' && 'hangup' in s) {
      assert.ok(p.ended && p.texts.length === 0, 'a hang-up gets an empty closing page');
      return { turns, ended: 'caller' };
    }
    turns.push(p.texts);
  }
  return { turns, ended: p.ended ? 'server' : 'caller' };
}

type Caller = { subscriberId: number; msisdn: string; accountId: number };

/** A number with the service "Гудок" on and "Калинка" bought and playing to every caller. */
async function withKalinka(s: { subscriberId: number; msisdn: string }): Promise<void> {
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(v.core, ctx, { msisdn: s.msisdn, productCode: 'ringback' });
  await perform(v.core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'kalinka' });
  await perform(v.core, ctx, actions['ringback.set'], s.msisdn, { melody: 'kalinka' });
}

/**
 * "Калинка" playing, then the money taken down to 1 ₽ and the next local midnight's fee run: the
 * service's 2,50 ₽ does not fit, so the service is suspended and the melody with it.
 */
async function withRingbackSuspended(s: { subscriberId: number; msisdn: string }): Promise<void> {
  await withKalinka(s);
  await adjustBalance(v.core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: `rb-down-${s.msisdn}` }), { msisdn: s.msisdn, amount: -19_500, kind: 'adjustment', reason: 'test' });
  await runRecurringFees(v.core, systemCtx('test'), { now: new Date('2026-03-10T21:00:00Z') });
}

/** "Калинка" playing, then held by the company's spending limit ("block paid extras" at work). */
async function withRingbackHeld(s: { subscriberId: number; msisdn: string }): Promise<void> {
  await withKalinka(s);
  const [sub] = await v.core.db.query<{ account_id: number }>('SELECT account_id FROM subscriber WHERE id = $1', [s.subscriberId]);
  await v.core.db.tx((tx) => holdPaidExtras(tx, { id: s.subscriberId, accountId: Number(sub!.account_id), msisdn: s.msisdn, timeZone: 'Europe/Moscow' }, v.core.clock.now()));
}

const hearsNow = async (s: Caller) => (await toneForCaller(v.core.db, { msisdn: s.msisdn, caller: '79031112233', at: v.core.clock.now() }))?.melody.code ?? null;
const birch = { price: { model: 'daily' as const, amount: 100 } };

/** Key 6 over FastAGI: what was said and played at each step, what was charged and what callers hear. */
async function checkRingback(r: { turns: string[][] }, s: Caller): Promise<void> {
  const [, playing, list, confirm, done, , again, stop, stopped] = r.turns;
  assert.deepEqual(playing!.slice(0, 4), [ru.rbPlaying('Калинка'), 'tone:kalinka', ru.rbChooseKey, ru.rbStopKey], 'what callers hear now, then the melody itself');
  assert.equal(list![0], ru.rbListTitle);
  assert.equal(list![1], ru.rbOwned('Калинка', 1), 'the library first');
  assert.equal(list![2], ru.rbOnSale('Во поле берёза стояла', statePrice(melodyFacts(birch), 'ru', 'speech'), 2), 'then those on sale, with the price in words');
  assert.deepEqual(confirm!.slice(0, 4), [
    ru.rbListen('Во поле берёза стояла'),
    'tone:birch_tree',
    ru.rbConfirmBuy('Во поле берёза стояла', statePrice(melodyFacts(birch), 'ru', 'speech'), stateChargedToday(melodyFacts(birch), 'ru', 'speech')),
    ru.confirmKey,
  ]);
  assert.equal(done![0], ru.rbBought('Во поле берёза стояла', sayMoney(100, 'ru')));
  assert.deepEqual(again!.slice(0, 2), [ru.rbPlaying('Во поле берёза стояла'), 'tone:birch_tree']);
  assert.equal(stop![0], ru.rbConfirmStop);
  assert.equal(stopped![0], ru.rbStopped);
  assert.equal(await hearsNow(s), null, 'melodies off: ordinary ringing');
  const fees = await v.core.db.query<{ amount: number }>("SELECT amount::int AS amount FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'ringback:%' ORDER BY id", [s.accountId]);
  assert.deepEqual(fees.map((f) => f.amount), [-150, -100], 'Калинка bought beforehand, the birch tree once by voice');
  const library = await v.core.db.query<{ melody: string }>("SELECT melody_code AS melody FROM ringback_tone WHERE subscriber_id = $1 AND status = 'active' ORDER BY id", [s.subscriberId]);
  assert.deepEqual(library.map((l) => l.melody), ['kalinka', 'birch_tree'], 'stopping keeps the library');
  const audit = await v.core.db.query<{ action: string }>("SELECT action FROM audit_event WHERE subscriber_id = $1 AND channel = 'voice' AND action LIKE 'ringback.%' ORDER BY id", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.action), ['ringback.buy', 'ringback.set', 'ringback.remove']);
}

/** Key 6 with the service off: its offer, connected through the options' confirmation; then no melody yet, in both languages. */
async function checkRingbackOff(r: { turns: string[][] }, s: Caller): Promise<void> {
  const [, off, confirm, connected, , on, english] = r.turns;
  assert.deepEqual(off!.slice(0, 2), [ru.rbOff, ru.rbConnectKey]);
  assert.match(confirm![0]!, /^Подключение «Гудок»: два рубля пятьдесят копеек в день/);
  assert.equal(connected![0], ru.connected('Гудок'));
  assert.deepEqual(on!.slice(0, 2), [ru.rbNone, ru.rbChooseKey]);
  assert.deepEqual(english!.slice(0, 2), [voiceTexts.en.rbNone, voiceTexts.en.rbChooseKey], '9: the same in English');
  assert.equal(await hearsNow(s), null);
}

/** Key 6 with the service suspended for want of money: why, and that a top-up brings it back; no key to buy or stop; in English on 9. */
async function checkRingbackSuspended(r: { turns: string[][] }, s: Caller): Promise<void> {
  const [, suspended, wrongKey, , again, english] = r.turns;
  assert.equal(suspended![0], ru.rbSuspended);
  assert.ok(!suspended!.includes(ru.rbChooseKey) && !suspended!.includes(ru.rbStopKey), 'nothing to choose or stop while suspended');
  assert.ok(!wrongKey!.includes(ru.rbListTitle), '1 lists no melodies');
  assert.equal(again![0], ru.rbSuspended);
  assert.equal(english![0], voiceTexts.en.rbSuspended, '9: the same in English');
  const [state] = await v.core.db.query<{ service: string; tone: string }>(
    "SELECT i.status AS service, t.status AS tone FROM product_instance i JOIN ringback_tone t ON t.subscriber_id = i.subscriber_id WHERE i.subscriber_id = $1 AND i.product_code = 'ringback'",
    [s.subscriberId],
  );
  assert.deepEqual(state, { service: 'suspended', tone: 'suspended' });
  const fees = await v.core.db.query<{ amount: number }>("SELECT amount::int AS amount FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'ringback:%' ORDER BY id", [s.accountId]);
  assert.deepEqual(fees.map((f) => f.amount), [-150], 'Калинка bought once; nothing charged while suspended');
  assert.equal(await hearsNow(s), null);
}

/** Key 6 with the service held by the company: the company and its administrator, no top-up promised; in English on 9. */
async function checkRingbackHeld(r: { turns: string[][] }, s: Caller): Promise<void> {
  const [, held, wrongKey, , again, english] = r.turns;
  assert.equal(held![0], ru.rbHeld);
  assert.match(ru.rbHeld, /компанией.*администратору договора/);
  assert.ok(!r.turns.flat().includes(ru.rbSuspended) && !r.turns.flat().includes(voiceTexts.en.rbSuspended), 'no top-up promised');
  assert.ok(!held!.includes(ru.rbChooseKey) && !held!.includes(ru.rbStopKey), 'nothing to choose or stop while held');
  assert.ok(!wrongKey!.includes(ru.rbListTitle), '1 lists no melodies');
  assert.equal(again![0], ru.rbHeld);
  assert.equal(english![0], voiceTexts.en.rbHeld, '9: the same in English');
  assert.equal(await hearsNow(s), null);
}

const journeys: { name: string; script: ScriptStep[]; setup?: (s: { subscriberId: number; msisdn: string }) => Promise<void>; check?: (r: { turns: string[][] }, s: Caller) => Promise<void> }[] = [
  { name: 'balance, repeat, back, English, balance', script: ['1', '0', '*', '9', '1'] },
  { name: 'saved card payment', script: ['1', '2', '1', '500', '1', '1', '*'], setup: (s) => saveCard(v.core, s) },
  { name: 'new card payment', script: ['1', '2', '1', '300', '8', '4242424242424242', '1230', '1'] },
  { name: 'declined new card', script: ['1', '2', '1', '300', '8', '4000000000000002', '1230', '1'] },
  { name: 'hang-up at the confirmation', script: ['1', '2', '1', '500', '1', { hangup: 'close' }], setup: (s) => saveCard(v.core, s) },
  { name: 'promised payment', script: ['3', '1', '1', '*', '3'] },
  { name: 'tariff and offers', script: ['4', '*', '7', '9', '0'] },
  { name: 'wrong keys', script: ['2', '8', '2'] },
  { name: 'silence', script: [{ silence: true }, { silence: true }, { silence: true }] },
  { name: 'bad amounts, then back', script: ['1', '2', '1', '5', '99999', '*', '1', '1'] },
  { name: 'ringback: the melody playing, another bought after its preview and price, then melodies off', script: ['6', '1', '2', '1', '*', '6', '2', '1'], setup: withKalinka, check: checkRingback },
  { name: 'ringback off: the service connected from key 6', script: ['6', '1', '1', '*', '6', '9'], check: checkRingbackOff },
  { name: 'ringback suspended: key 6 says why and that a top-up resumes it', script: ['6', '1', '*', '6', '9'], setup: withRingbackSuspended, check: checkRingbackSuspended },
  { name: 'ringback held by the company: key 6 says so and to ask the administrator', script: ['6', '1', '*', '6', '9'], setup: withRingbackHeld, check: checkRingbackHeld },
];

for (const j of journeys) {
  test(`the same journey through VoiceXML and FastAGI gives the same result: ${j.name}`, async () => {
    const a = await makeSubscriber(v.core, { openingBalance: 20_000 });
    const b = await makeSubscriber(v.core, { openingBalance: 20_000 });
    await j.setup?.(a);
    await j.setup?.(b);
    const viaAgi = await agiJourney(v, a.msisdn, j.script);
    const viaVxml = await vxmlJourney(b.msisdn, j.script);
    await j.check?.(viaAgi, a);
    assert.deepEqual(viaVxml.turns, viaAgi.turns);
    assert.equal(viaVxml.ended, viaAgi.ended);
    const [la, lb] = [await ledgerSum(v.core, a.accountId), await ledgerSum(v.core, b.accountId)];
    assert.equal(lb.balance, la.balance, 'both callers end with the same balance');
    assert.equal(lb.entries, la.entries);
    validateAll();
  });
}

test('every step validates against the W3C VoiceXML 2.1 DTD and the keypad schema, and both reject a broken page', () => {
  // The journeys above validated their pages; here the checks themselves are shown to bite.
  const bad = join(dir, 'bad.vxml');
  writeFileSync(bad, '<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"><menu><choice dtmf="x" next="/a"/></menu></vxml>');
  assert.throws(() => execFileSync('xmllint', ['--noout', '--schema', SCHEMA, bad], { stdio: 'pipe' }));
  const misplaced = join(dir, 'misplaced.vxml');
  writeFileSync(misplaced, '<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"><form><submit next="/a"/><block><field name="x"/></block></form></vxml>');
  assert.throws(() => execFileSync('xmllint', ['--noout', '--dtdvalid', W3C_DTD, misplaced], { stdio: 'pipe' }), 'a <field> inside a <block> is not VoiceXML');
});

test('a gateway retrying the same confirmation pays once: the state is in the token, the payment keyed by call and step', async () => {
  const s = await makeSubscriber(v.core, { openingBalance: 0 });
  await saveCard(v.core, s);
  const before = await ledgerSum(v.core, s.accountId);
  const b = new Browser(v.app);
  let p = await b.load('GET', `/gateways/voice/vxml?caller=${s.msisdn}&call=retry-1`);
  for (const k of ['1', '2', '1', '500', '1']) p = await b.act(p, k);
  assert.ok(p.texts.some((x) => x.startsWith('Пополнить баланс на пятьсот рублей')));
  const first = await b.act(p, '1');
  const second = await b.act(p, '1');
  assert.deepEqual(second.texts, first.texts);
  assert.equal((await ledgerSum(v.core, s.accountId)).balance - before.balance, 50_000);
  validateAll();
});

test('a changed or foreign token is refused with a page that ends the call; no caller, no call', async () => {
  const s = await makeSubscriber(v.core);
  const b = new Browser(v.app);
  const p = await b.load('GET', `/gateways/voice/vxml?caller=${s.msisdn}`);
  const token = /^'(.*)'$/.exec(unescape(/<var name="t" expr="([^"]*)"\/>/.exec(p.xml)![1]!))![1]!;
  const forged = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
  const r = await b.load('POST', '/gateways/voice/vxml', { t: forged, d: '1' });
  assert.equal(r.status, 400);
  assert.ok(r.ended);
  assert.deepEqual(r.texts, [ru.unavailable]);
  const none = await b.load('GET', '/gateways/voice/vxml');
  assert.equal(none.status, 400);
  const stranger = await b.load('GET', '/gateways/voice/vxml?caller=79990000000');
  assert.deepEqual(stranger.texts, [ru.notServed]);
  assert.ok(stranger.ended);
  validateAll();
});

test('only a trusted voice browser is served: the allow-list, or the shared secret', async () => {
  const s = await makeSubscriber(v.core);
  const outside = await v.app.inject({ method: 'GET', url: `/gateways/voice/vxml?caller=${s.msisdn}`, remoteAddress: '10.9.9.9' });
  assert.equal(outside.statusCode, 403);
  const prompt = await v.app.inject({ method: 'GET', url: `/gateways/voice/prompts/${'0'.repeat(32)}.wav`, remoteAddress: '10.9.9.9' });
  assert.equal(prompt.statusCode, 403);
  const app = await buildServer(v.core, { ...testConfig, VOICE_GATEWAY_SECRET: 'voice-secret-0123456789' }, v.voice);
  try {
    const withSecret = await app.inject({ method: 'GET', url: `/gateways/voice/vxml?caller=${s.msisdn}`, remoteAddress: '10.9.9.9', headers: { 'x-gateway-secret': 'voice-secret-0123456789' } });
    assert.equal(withSecret.statusCode, 200);
    const wrong = await app.inject({ method: 'GET', url: `/gateways/voice/vxml?caller=${s.msisdn}`, remoteAddress: '10.9.9.9', headers: { 'x-gateway-secret': 'voice-secret-9999999999' } });
    assert.equal(wrong.statusCode, 403);
    // With a secret set, loopback is no longer trusted by default.
    const loop = await app.inject({ method: 'GET', url: `/gateways/voice/vxml?caller=${s.msisdn}` });
    assert.equal(loop.statusCode, 403);
  } finally {
    await app.close();
  }
  const missing = await v.app.inject({ method: 'GET', url: '/gateways/voice/prompts/not-a-prompt.wav' });
  assert.equal(missing.statusCode, 404);
});
