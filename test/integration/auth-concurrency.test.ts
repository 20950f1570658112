// Auth that holds under concurrency: guesses that arrive together (on two instances) cannot outrun
// the lockout — every secret check takes its attempt before it is checked — a password change or
// an SMS reset ends the subscriber's other sessions, and the business login's first step sends at
// most OTP_REQUESTS_PER_HOUR codes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { makeSubscriber, secondCore, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
/** Two instances of the application on one store (two pools on PostgreSQL). */
let apps: FastifyInstance[];
before(async () => {
  env = await testCore();
  core = env.core;
  apps = [await testApp(core), await testApp(await secondCore(env))];
});
after(async () => {
  for (const a of apps) await a.close();
  await env.close();
});

const MAX = 5; // LOGIN_MAX_ATTEMPTS of the test configuration
let seq = 0;

function post(url: string, payload: unknown, headers: Record<string, string> = {}, on = 0) {
  return apps[on]!.inject({ method: 'POST', url, payload: payload as object, headers });
}
const code = (r: LightMyRequestResponse) => r.json<{ code?: string }>().code ?? `HTTP ${r.statusCode}`;

/** Sends `n` requests at once, alternating between the two instances; the answers' codes, counted. */
async function burst(n: number, url: string, body: (i: number) => unknown, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => post(url, body(i), headers, i % 2)));
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(code(a), (counts.get(code(a)) ?? 0) + 1);
  return counts;
}

async function subscriberWithPassword(password = 'right-pass-1') {
  const s = await makeSubscriber(core);
  await setPasswordHash(core.db, s.subscriberId, await hashPassword(password), core.clock.now());
  return s;
}

async function smsTo(msisdn: string, like: string): Promise<string[]> {
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND text LIKE $2 ORDER BY id", [msisdn, like]);
  return rows.map((r) => r.text);
}

async function businessAdmin(password: string): Promise<{ email: string; phone: string }> {
  seq += 1;
  const customer = (await core.db.query<{ id: number }>("INSERT INTO customer (kind, name) VALUES ('business', $1) RETURNING id", [`ООО Гонка ${seq}`]))[0]!.id;
  const email = `race${seq}@biz.example`;
  const phone = `7900777${String(seq).padStart(4, '0')}`;
  await core.db.query("INSERT INTO business_admin (customer_id, email, phone, name, role, password_hash) VALUES ($1, $2, $3, 'Admin', 'contract_admin', $4)", [
    customer,
    email,
    phone,
    await hashPassword(password),
  ]);
  return { email, phone };
}

/** Exactly MAX wrong secrets were checked (answered as wrong); the rest were refused unchecked. */
function assertOutrunRefused(counts: Map<string, number>, wrongCode: string) {
  assert.deepEqual([...counts.keys()].sort(), [wrongCode, 'LOCKED_OUT'].sort(), JSON.stringify([...counts]));
  assert.equal(counts.get(wrongCode), MAX, `checked: ${JSON.stringify([...counts])}`);
  assert.equal(counts.get('LOCKED_OUT'), 60 - MAX);
}

test('60 wrong passwords at once on two instances: 5 are checked, the rest refused, then the right one is refused too', async () => {
  const s = await subscriberWithPassword();
  const counts = await burst(60, '/api/v1/auth/login', (i) => ({ msisdn: s.msisdn, password: `wrong-${i}` }));
  assertOutrunRefused(counts, 'INVALID_CREDENTIALS');
  const refused = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'auth.login' AND outcome = 'refused'", [s.subscriberId]);
  assert.equal(refused[0]!.n, MAX, 'one refusal recorded per password checked');
  for (const on of [0, 1]) {
    const right = await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'right-pass-1' }, {}, on);
    assert.equal(right.statusCode, 429);
    assert.equal(code(right), 'LOCKED_OUT');
    assert.ok(Number(right.headers['retry-after']) > 0);
  }
  env.clock.advance(16 * 60_000);
  assert.equal((await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'right-pass-1' }, {}, 1)).statusCode, 200, 'the lock ends with its window');
});

test('60 wrong SMS codes at once: 5 are checked, then the right code is refused', async () => {
  const s = await makeSubscriber(core);
  assert.equal((await post('/api/v1/auth/code', { msisdn: s.msisdn })).statusCode, 200);
  const sent = /(\d{6})/.exec((await smsTo(s.msisdn, '%')).at(-1)!)![1]!;
  const wrong = (i: number) => String((Number(sent) + 1 + i) % 1_000_000).padStart(6, '0');
  assertOutrunRefused(await burst(60, '/api/v1/auth/code/verify', (i) => ({ msisdn: s.msisdn, code: wrong(i) })), 'OTP_INVALID');
  assert.equal(code(await post('/api/v1/auth/code/verify', { msisdn: s.msisdn, code: sent })), 'LOCKED_OUT');
});

test('guesses of the current password in "change password", 60 at once: 5 are checked', async () => {
  const s = await subscriberWithPassword();
  const token = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'right-pass-1' })).json<{ token: string }>().token;
  const counts = await burst(60, '/api/v1/auth/password/change', (i) => ({ currentPassword: `guess-${i}`, newPassword: 'brand-new-456' }), { authorization: `Bearer ${token}` });
  assertOutrunRefused(counts, 'INVALID_CREDENTIALS');
  assert.equal(code(await post('/api/v1/auth/password/change', { currentPassword: 'right-pass-1', newPassword: 'brand-new-456' }, { authorization: `Bearer ${token}` })), 'LOCKED_OUT');
});

test('staff login, 60 wrong passwords at once: 5 are checked, then the right one is refused', async () => {
  await core.db.query("INSERT INTO staff_user (email, name, password_hash) VALUES ('race-ops@test.example', 'Ops', $1)", [await hashPassword('ops-pass-1')]);
  assertOutrunRefused(await burst(60, '/api/v1/auth/staff/login', (i) => ({ email: 'race-ops@test.example', password: `wrong-${i}` })), 'INVALID_CREDENTIALS');
  assert.equal(code(await post('/api/v1/auth/staff/login', { email: 'race-ops@test.example', password: 'ops-pass-1' })), 'LOCKED_OUT');
});

test('business login, 60 wrong passwords at once: 5 are checked, no code is sent, then the right one is refused', async () => {
  const a = await businessAdmin('boss-pass-1');
  assertOutrunRefused(await burst(60, '/api/v1/auth/business/login', (i) => ({ email: a.email, password: `wrong-${i}` })), 'INVALID_CREDENTIALS');
  assert.equal(code(await post('/api/v1/auth/business/login', { email: a.email, password: 'boss-pass-1' })), 'LOCKED_OUT');
  assert.deepEqual(await smsTo(a.phone, '%'), []);
});

test('business login, 60 wrong SMS codes at once after the right password: 5 are checked, then the right code is refused', async () => {
  const a = await businessAdmin('boss-pass-2');
  const step1 = await post('/api/v1/auth/business/login', { email: a.email, password: 'boss-pass-2' });
  assert.equal(step1.statusCode, 200);
  const { challenge } = step1.json<{ challenge: string }>();
  const sent = /(\d{6})/.exec((await smsTo(a.phone, '%')).at(-1)!)![1]!;
  const wrong = (i: number) => String((Number(sent) + 1 + i) % 1_000_000).padStart(6, '0');
  assertOutrunRefused(await burst(60, '/api/v1/auth/business/verify', (i) => ({ email: a.email, challenge, code: wrong(i) })), 'OTP_INVALID');
  assert.equal(code(await post('/api/v1/auth/business/verify', { email: a.email, challenge, code: sent })), 'LOCKED_OUT');
});

test('the right password does not use up attempts: a full login after four failures clears them', async () => {
  const s = await subscriberWithPassword();
  for (let i = 0; i < MAX - 1; i++) assert.equal(code(await post('/api/v1/auth/login', { msisdn: s.msisdn, password: `wrong-${i}` })), 'INVALID_CREDENTIALS');
  assert.equal((await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'right-pass-1' })).statusCode, 200);
  for (let i = 0; i < MAX; i++) assert.equal(code(await post('/api/v1/auth/login', { msisdn: s.msisdn, password: `again-${i}` })), 'INVALID_CREDENTIALS');
  assert.equal(code(await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'right-pass-1' })), 'LOCKED_OUT');
});

const balance = (cookie: string, on = 0) => apps[on]!.inject({ url: '/api/v1/subscribers/me/balance', cookies: { abonent_session: cookie } });

async function cookieLogin(msisdn: string, password: string, on = 0): Promise<string> {
  const res = await post('/api/v1/auth/login', { msisdn, password }, {}, on);
  assert.equal(res.statusCode, 200, res.body);
  return res.cookies.find((c) => c.name === 'abonent_session')!.value;
}

test('a password change ends every other session of the subscriber; the session that changed it stays', async () => {
  const s = await subscriberWithPassword();
  const changer = await cookieLogin(s.msisdn, 'right-pass-1');
  const other = await cookieLogin(s.msisdn, 'right-pass-1', 1);
  const bearer = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'right-pass-1' })).json<{ token: string }>().token;
  const bystander = await subscriberWithPassword();
  const bystanderCookie = await cookieLogin(bystander.msisdn, 'right-pass-1');
  for (const c of [changer, other]) assert.equal((await balance(c)).statusCode, 200);

  const change = await apps[0]!.inject({
    method: 'POST',
    url: '/api/v1/auth/password/change',
    cookies: { abonent_session: changer },
    headers: { 'sec-fetch-site': 'same-origin' },
    payload: { currentPassword: 'right-pass-1', newPassword: 'brand-new-456' },
  });
  assert.equal(change.statusCode, 200, change.body);
  assert.equal(change.json<{ sessionsEnded: number }>().sessionsEnded, 2);
  for (const on of [0, 1]) {
    assert.equal((await balance(other, on)).statusCode, 401, 'the other cookie session is over');
    assert.equal((await apps[on]!.inject({ url: '/api/v1/subscribers/me/balance', headers: { authorization: `Bearer ${bearer}` } })).statusCode, 401, 'so is the app session');
    assert.equal((await balance(changer, on)).statusCode, 200, 'the session that changed it stays');
  }
  assert.equal((await balance(bystanderCookie)).statusCode, 200, "another subscriber's session is untouched");
  assert.equal(code(await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'right-pass-1' })), 'INVALID_CREDENTIALS');
  assert.equal((await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'brand-new-456' })).statusCode, 200);
});

test('a password reset by SMS ends every session of the subscriber', async () => {
  const s = await subscriberWithPassword();
  const one = await cookieLogin(s.msisdn, 'right-pass-1');
  const two = await cookieLogin(s.msisdn, 'right-pass-1', 1);
  const reset = await post('/api/v1/auth/password/sms', { msisdn: s.msisdn }, {}, 1);
  assert.equal(reset.statusCode, 200);
  for (const c of [one, two]) for (const on of [0, 1]) assert.equal((await balance(c, on)).statusCode, 401);
  const password = /: (\S+)$/.exec((await smsTo(s.msisdn, '%')).at(-1)!)![1]!;
  const fresh = await cookieLogin(s.msisdn, password);
  assert.equal((await balance(fresh)).statusCode, 200);
  const audit = await core.db.query<{ details: { sessionsEnded: number } }>("SELECT details FROM audit_event WHERE subscriber_id = $1 AND action = 'auth.password_sent'", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.details.sessionsEnded), [2]);
});

test('a password reset by SMS asked from a logged-in session of the subscriber keeps that session only', async () => {
  const s = await subscriberWithPassword();
  const asking = await cookieLogin(s.msisdn, 'right-pass-1');
  const other = await cookieLogin(s.msisdn, 'right-pass-1');
  const reset = await apps[0]!.inject({ method: 'POST', url: '/api/v1/auth/password/sms', cookies: { abonent_session: asking }, headers: { 'sec-fetch-site': 'same-origin' }, payload: { msisdn: s.msisdn } });
  assert.equal(reset.statusCode, 200);
  assert.equal((await balance(asking)).statusCode, 200);
  assert.equal((await balance(other)).statusCode, 401);
});

test('business login step 1, 8 times: OTP_REQUESTS_PER_HOUR codes are sent, then 429 RATE_LIMITED with Retry-After', async () => {
  const a = await businessAdmin('boss-pass-3');
  const answers: LightMyRequestResponse[] = [];
  for (let i = 0; i < 8; i++) answers.push(await post('/api/v1/auth/business/login', { email: a.email, password: 'boss-pass-3' }, {}, i % 2));
  assert.deepEqual(
    answers.map((r) => r.statusCode),
    [200, 200, 200, 200, 200, 429, 429, 429],
  );
  const limited = answers[5]!;
  assert.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(code(limited), 'RATE_LIMITED');
  assert.match(limited.json<{ title: string }>().title, /Слишком много запросов/);
  const retry = Number(limited.headers['retry-after']);
  assert.ok(retry > 0 && retry <= 3600, `retry-after ${retry}`);
  assert.equal((await smsTo(a.phone, 'Код входа в бизнес-кабинет%')).length, 5);
  // The right password was never a failure: no lockout came of it.
  const lock = await core.db.query<{ count: number; locked_until: Date | null }>('SELECT count, locked_until FROM rate_limit WHERE key = $1', [`login-admin:${a.email}`]);
  assert.ok(lock.every((r) => r.count === 0 && r.locked_until === null), JSON.stringify(lock));
  env.clock.advance(3601_000);
  assert.equal((await post('/api/v1/auth/business/login', { email: a.email, password: 'boss-pass-3' })).statusCode, 200, 'a new hour, a new code');
});
