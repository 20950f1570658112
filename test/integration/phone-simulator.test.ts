// The phone simulator (/phone/api/* and the demo SMS inbox) acts only for the demo numbers and the
// number of the subscriber logged in — never another subscriber's — and only in demo mode.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { phoneRelay } from '../../src/channels/phone/plugin.ts';
import type { Core } from '../../src/domain/core.ts';
import { DEMO_NUMBERS } from '../../src/seed/seed-demo.ts';
import { buildServer } from '../../src/server.ts';
import { makeSubscriber, testApp, testConfig, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
before(async () => {
  env = await testCore();
  core = env.core;
  assert.equal(testConfig.DEMO_MODE, true, 'the test configuration is in demo mode');
  app = await testApp(core);
});
after(async () => {
  await app.close();
  await env.close();
});

async function loggedIn(): Promise<{ msisdn: string; subscriberId: number; cookie: string }> {
  const s = await makeSubscriber(core, { openingBalance: 12_345 });
  const cookie = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  return { ...s, cookie };
}

/** What the simulator page sends: JSON, same-origin fetch, the session cookie when there is one. */
function relay(url: string, body: unknown, cookie?: string, on: FastifyInstance = app) {
  return on.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    payload: JSON.stringify(body),
    ...(cookie ? { cookies: { abonent_session: cookie } } : {}),
  });
}

function assertRefused(res: LightMyRequestResponse, label: string) {
  assert.equal(res.statusCode, 403, `${label}: ${res.body}`);
  assert.equal(res.json<{ code: string }>().code, 'not-demo-number', label);
}

async function settingsOf(subscriberId: number) {
  const rows = await core.db.query<{ language: string; script: string; content_ban: boolean }>('SELECT language, script, content_ban FROM subscriber WHERE id = $1', [subscriberId]);
  return rows[0]!;
}

async function messagesOf(msisdn: string): Promise<number> {
  return (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sms_message WHERE msisdn = $1', [msisdn]))[0]!.n;
}

test("another subscriber's number is refused on every simulator endpoint, logged in or not; nothing is read or changed", async () => {
  const victim = await loggedIn();
  const me = await loggedIn();
  const before = await settingsOf(victim.subscriberId);
  const beforeSms = await messagesOf(victim.msisdn);
  for (const cookie of [undefined, me.cookie]) {
    const who = cookie ? 'logged in as someone else' : 'anonymous';
    for (const text of ['', '5', '6*1*2']) {
      const ussd = await relay('/phone/api/ussd', { msisdn: victim.msisdn, serviceCode: '*111#', text }, cookie);
      assertRefused(ussd, `ussd ${text}, ${who}`);
      assert.doesNotMatch(ussd.body, /123,45/, 'no balance leaks');
    }
    assertRefused(await relay('/phone/api/sms', { msisdn: victim.msisdn, to: '8111', text: 'БАЛАНС' }, cookie), `sms, ${who}`);
    assertRefused(await relay('/phone/api/voice/call', { msisdn: victim.msisdn }, cookie), `voice, ${who}`);
    const inbox = await app.inject({ url: `/api/v1/demo/sms?msisdn=${victim.msisdn}`, ...(cookie ? { cookies: { abonent_session: cookie } } : {}) });
    assert.equal(inbox.statusCode, 403, `inbox, ${who}: ${inbox.body}`);
    assert.equal(inbox.json<{ code: string }>().code, 'FORBIDDEN');
    // The same number written another way is the same number.
    assert.equal((await app.inject({ url: `/api/v1/demo/sms?msisdn=8${victim.msisdn.slice(1)}`, ...(cookie ? { cookies: { abonent_session: cookie } } : {}) })).statusCode, 403);
  }
  assert.deepEqual(await settingsOf(victim.subscriberId), before);
  assert.equal(await messagesOf(victim.msisdn), beforeSms, 'no message to or from the number');
  const caps = await app.inject({ url: '/phone/api/capabilities', cookies: { abonent_session: me.cookie } });
  assert.ok(!caps.json<{ numbers: string[] }>().numbers.includes(victim.msisdn));
});

test('a voice handle edited into a fresh call from another number is refused', async () => {
  const victim = await loggedIn();
  const handle = (c: Record<string, string>) => Buffer.from(JSON.stringify({ c, f: null, e: {} })).toString('base64url');
  for (const url of [`/gateways/voice/vxml?caller=${victim.msisdn}`, `/gateways/voice/vxml?caller=${victim.msisdn}&t=`]) {
    const res = await relay('/phone/api/voice/step', { next: handle({ 1: url }), input: { kind: 'keys', keys: '1' } });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json<{ code: string }>().code, 'unknown-handle');
  }
});

test('the logged-in subscriber uses the simulator for their own number: USSD, SMS, inbox, offered first', async () => {
  const me = await loggedIn();
  const caps = await app.inject({ url: '/phone/api/capabilities', cookies: { abonent_session: me.cookie } });
  assert.deepEqual(caps.json<{ numbers: string[] }>().numbers, [me.msisdn, ...DEMO_NUMBERS]);
  const anonymous = await app.inject({ url: '/phone/api/capabilities' });
  assert.deepEqual(anonymous.json<{ numbers: string[] }>().numbers, [...DEMO_NUMBERS]);

  const ussd = await relay('/phone/api/ussd', { msisdn: me.msisdn, serviceCode: '*111*5#', text: '' }, me.cookie);
  assert.equal(ussd.statusCode, 200, ussd.body);
  assert.match(ussd.json<{ text: string }>().text, /^Баланс 123,45/);
  const sms = await relay('/phone/api/sms', { msisdn: me.msisdn, to: '8111', text: 'БАЛАНС' }, me.cookie);
  assert.equal(sms.statusCode, 202, sms.body);
  const inbox = await app.inject({ url: `/api/v1/demo/sms?msisdn=${me.msisdn}`, cookies: { abonent_session: me.cookie } });
  assert.equal(inbox.statusCode, 200, inbox.body);
  const messages = inbox.json<{ items: Record<string, unknown>[] }>().items;
  assert.ok(messages.some((m) => m.direction === 'mt' && /^Баланс 123,45/.test(String(m.text))));
  assert.ok(messages.some((m) => m.direction === 'mo' && m.text === 'БАЛАНС' && m.peer === '8111'));
  assert.deepEqual(Object.keys(messages[0]!).sort(), ['at', 'direction', 'id', 'peer', 'status', 'text']);
  // The demo numbers stay open to anyone (their logins are printed at start).
  assert.equal((await app.inject({ url: `/api/v1/demo/sms?msisdn=${DEMO_NUMBERS[0]}` })).statusCode, 200);
  assert.notEqual((await relay('/phone/api/ussd', { msisdn: DEMO_NUMBERS[0], serviceCode: '*111#', text: '' })).statusCode, 403);
});

test("staff read any number's outbox; subscribers' sessions do not make them staff", async () => {
  const victim = await loggedIn();
  const staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('sim-ops@test.example', 'Ops', 'x') RETURNING id"))[0]!.id;
  const staff = (await createSession(core.db, core, { kind: 'staff', subjectId: staffId, channel: 'staff', method: 'test' })).token;
  assert.equal((await app.inject({ url: `/api/v1/demo/sms?msisdn=${victim.msisdn}`, headers: { authorization: `Bearer ${staff}` } })).statusCode, 200);
});

test('outside demo mode the simulator is absent, the relay refuses even when mounted, and there is no SMS inbox', async () => {
  const me = await loggedIn();
  const prod = await buildServer(core, { ...testConfig, DEMO_MODE: false });
  await prod.ready();
  try {
    assert.equal((await prod.inject({ url: '/phone/api/capabilities' })).statusCode, 404);
    for (const url of ['/phone/api/ussd', '/phone/api/sms', '/phone/api/voice/call']) {
      const res = await relay(url, { msisdn: me.msisdn, serviceCode: '*111#', text: '', to: '8111' }, me.cookie, prod);
      assert.equal(res.statusCode, 404, `${url}: ${res.body}`);
    }
    const inbox = await prod.inject({ url: `/api/v1/demo/sms?msisdn=${me.msisdn}`, cookies: { abonent_session: me.cookie } });
    assert.equal(inbox.statusCode, 404);
  } finally {
    await prod.close();
  }
  // Mounted by mistake without demo mode, the relay still answers nothing.
  const stray = Fastify();
  stray.setValidatorCompiler(validatorCompiler);
  stray.setSerializerCompiler(serializerCompiler);
  await stray.register(phoneRelay, { demoMode: false, numbersFor: async () => [me.msisdn] });
  await stray.ready();
  try {
    const res = await relay('/phone/api/ussd', { msisdn: me.msisdn, serviceCode: '*111#', text: '' }, undefined, stray);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json<{ code: string }>().code, 'demo-mode-off');
    assert.equal((await stray.inject({ url: '/phone/api/capabilities' })).json<{ code: string }>().code, 'demo-mode-off');
  } finally {
    await stray.close();
  }
});
