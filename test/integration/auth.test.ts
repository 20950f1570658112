import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiKey, resolveApiKey, revokeApiKey } from '../../src/domain/auth/api-keys.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { makeSubscriber, secondCore, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
});
after(async () => {
  await app.close();
  await env.close();
});

async function subscriberWithPassword(password = 'secret-123') {
  const s = await makeSubscriber(core);
  await setPasswordHash(core.db, s.subscriberId, await hashPassword(password), core.clock.now());
  return s;
}

function post(url: string, payload: unknown, headers: Record<string, string> = {}, remoteAddress?: string) {
  return app.inject({ method: 'POST', url, payload: payload as object, headers, ...(remoteAddress ? { remoteAddress } : {}) });
}

async function lastSms(msisdn: string): Promise<string> {
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id DESC LIMIT 1", [msisdn]);
  return rows[0]?.text ?? '';
}

test('password login sets an httpOnly cookie and a bearer token, both authenticate', async () => {
  const s = await subscriberWithPassword();
  const res = await post('/api/v1/auth/login', { msisdn: `8${s.msisdn.slice(1)}`, password: 'secret-123' });
  assert.equal(res.statusCode, 200);
  const cookie = res.cookies.find((c) => c.name === 'abonent_session');
  assert.ok(cookie?.httpOnly && cookie.sameSite === 'Lax');
  const token = res.json<{ token: string }>().token;
  const byCookie = await app.inject({ url: '/api/v1/subscribers/me/balance', cookies: { abonent_session: cookie.value } });
  const byBearer = await app.inject({ url: '/api/v1/subscribers/me/balance', headers: { authorization: `Bearer ${token}` } });
  assert.equal(byCookie.json<{ msisdn: string }>().msisdn, s.msisdn);
  assert.equal(byBearer.json<{ msisdn: string }>().msisdn, s.msisdn);
  const stored = await core.db.query<{ password_hash: string }>('SELECT password_hash FROM subscriber_credential WHERE subscriber_id = $1', [s.subscriberId]);
  assert.match(stored[0]!.password_hash, /^\$argon2id\$/);
  const sessions = await core.db.query<{ id: string }>('SELECT id FROM session WHERE subject_id = $1', [s.subscriberId]);
  assert.ok(sessions.every((x) => x.id !== token), 'tokens are stored hashed');
});

test('wrong passwords lock the number out after the limit, even with the right password after', async () => {
  const s = await subscriberWithPassword();
  for (let i = 0; i < 5; i++) {
    const r = await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'wrong' });
    assert.equal(r.statusCode, 401);
    assert.equal(r.json<{ code: string }>().code, 'INVALID_CREDENTIALS');
  }
  const locked = await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' });
  assert.equal(locked.statusCode, 429);
  assert.equal(locked.json<{ code: string }>().code, 'LOCKED_OUT');
  assert.ok(Number(locked.headers['retry-after']) > 0);
  env.clock.advance(16 * 60_000);
  const ok = await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' });
  assert.equal(ok.statusCode, 200);
});

test('guesses of the current password in "change password" count towards the same lockout', async () => {
  const s = await subscriberWithPassword();
  const token = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).json<{ token: string }>().token;
  const change = (currentPassword: string) => post('/api/v1/auth/password/change', { currentPassword, newPassword: 'brand-new-456' }, { authorization: `Bearer ${token}` });
  for (let i = 0; i < 5; i++) assert.equal((await change(`guess-${i}`)).json<{ code: string }>().code, 'INVALID_CREDENTIALS');
  const locked = await change('secret-123');
  assert.equal(locked.statusCode, 429);
  assert.equal(locked.json<{ code: string }>().code, 'LOCKED_OUT');
  assert.equal((await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).statusCode, 429, 'login is locked too');
  const refused = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'auth.password_changed' AND outcome = 'refused'", [s.subscriberId]);
  assert.equal(refused[0]!.n, 5);
  env.clock.advance(16 * 60_000);
  assert.equal((await change('secret-123')).statusCode, 200);
  assert.equal((await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'brand-new-456' })).statusCode, 200);
});

test('an unknown number answers like a wrong password', async () => {
  const r = await post('/api/v1/auth/login', { msisdn: '79990000000', password: 'whatever' });
  assert.equal(r.statusCode, 401);
  assert.equal(r.json<{ code: string }>().code, 'INVALID_CREDENTIALS');
});

test('SMS code login: the code arrives by SMS, works once, and is stored hashed', async () => {
  const s = await makeSubscriber(core);
  const req = await post('/api/v1/auth/code', { msisdn: s.msisdn });
  assert.equal(req.statusCode, 200);
  const code = /(\d{6})/.exec(await lastSms(s.msisdn))![1]!;
  const stored = await core.db.query<{ code_hash: string }>("SELECT code_hash FROM otp WHERE subject = $1", [s.msisdn]);
  assert.ok(stored.every((r) => !r.code_hash.includes(code)));
  const ok = await post('/api/v1/auth/code/verify', { msisdn: s.msisdn, code });
  assert.equal(ok.statusCode, 200);
  const again = await post('/api/v1/auth/code/verify', { msisdn: s.msisdn, code });
  assert.equal(again.statusCode, 401, 'a code works once');
});

test('SMS codes expire, die after three wrong guesses, and requests are rate-limited', async () => {
  const s = await makeSubscriber(core);
  await post('/api/v1/auth/code', { msisdn: s.msisdn });
  const code = /(\d{6})/.exec(await lastSms(s.msisdn))![1]!;
  env.clock.advance(301_000);
  const expired = await post('/api/v1/auth/code/verify', { msisdn: s.msisdn, code });
  assert.equal(expired.json<{ code: string }>().code, 'OTP_EXPIRED');

  await post('/api/v1/auth/code', { msisdn: s.msisdn });
  const fresh = /(\d{6})/.exec(await lastSms(s.msisdn))![1]!;
  const wrong = fresh === '000000' ? '111111' : '000000';
  for (let i = 0; i < 3; i++) await post('/api/v1/auth/code/verify', { msisdn: s.msisdn, code: wrong });
  const burned = await post('/api/v1/auth/code/verify', { msisdn: s.msisdn, code: fresh });
  assert.equal(burned.statusCode, 401, 'the right code no longer works after three wrong ones');

  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await post('/api/v1/auth/code', { msisdn: s.msisdn })).statusCode);
  assert.ok(statuses.includes(429), `requests beyond the hourly limit are refused: ${statuses.join(',')}`);
});

test('asking for a code for an unknown number answers the same and sends nothing', async () => {
  const r = await post('/api/v1/auth/code', { msisdn: '79990000001' });
  assert.equal(r.statusCode, 200);
  assert.equal(await lastSms('79990000001'), '');
});

test('"send me a password by SMS" sets a password that then logs in', async () => {
  const s = await makeSubscriber(core);
  assert.equal((await post('/api/v1/auth/password/sms', { msisdn: s.msisdn })).statusCode, 200);
  const password = /: (\S+)$/.exec(await lastSms(s.msisdn))![1]!;
  const login = await post('/api/v1/auth/login', { msisdn: s.msisdn, password });
  assert.equal(login.statusCode, 200);
});

test('header enrichment logs in only from a trusted proxy address', async () => {
  const s = await makeSubscriber(core);
  const trusted = await post('/api/v1/auth/network', {}, { 'x-msisdn': s.msisdn }, '10.20.3.4');
  assert.equal(trusted.statusCode, 200);
  assert.equal(trusted.json<{ msisdn: string }>().msisdn, s.msisdn);
  const single = await post('/api/v1/auth/network', {}, { 'x-msisdn': s.msisdn }, '127.0.0.2');
  assert.equal(single.statusCode, 200);
  for (const addr of ['10.21.0.1', '127.0.0.1', '192.0.2.10', '::1']) {
    const r = await post('/api/v1/auth/network', {}, { 'x-msisdn': s.msisdn, 'x-forwarded-for': '10.20.3.4' }, addr);
    assert.equal(r.statusCode, 401, addr);
    assert.equal(r.cookies.length, 0);
  }
  // Asking first whether it is possible logs nobody in and fails nothing.
  const ask = async (headers: Record<string, string>, remoteAddress: string) => {
    const r = await app.inject({ url: '/api/v1/auth/network', headers, remoteAddress });
    assert.equal(r.statusCode, 200);
    assert.equal(r.cookies.length, 0);
    return r.json<{ available: boolean }>().available;
  };
  assert.equal(await ask({ 'x-msisdn': s.msisdn }, '10.20.3.4'), true);
  assert.equal(await ask({}, '10.20.3.4'), false);
  assert.equal(await ask({ 'x-msisdn': s.msisdn, 'x-forwarded-for': '10.20.3.4' }, '192.0.2.10'), false);
  // The header never authenticates an ordinary request, from anywhere.
  const plain = await app.inject({ url: '/api/v1/subscribers/me/balance', headers: { 'x-msisdn': s.msisdn }, remoteAddress: '10.20.3.4' });
  assert.equal(plain.statusCode, 401);
  const audit = await core.db.query<{ details: { method: string } }>("SELECT details FROM audit_event WHERE subscriber_id = $1 AND action = 'auth.login'", [s.subscriberId]);
  assert.ok(audit.some((a) => a.details.method === 'header_enrichment'));
});

test('logout ends one session; logout everywhere ends them all', async () => {
  const s = await subscriberWithPassword();
  const t1 = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).json<{ token: string }>().token;
  const t2 = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).json<{ token: string }>().token;
  const t3 = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).json<{ token: string }>().token;
  const bal = (t: string) => app.inject({ url: '/api/v1/subscribers/me/balance', headers: { authorization: `Bearer ${t}` } });
  await post('/api/v1/auth/logout', {}, { authorization: `Bearer ${t1}` });
  assert.equal((await bal(t1)).statusCode, 401);
  assert.equal((await bal(t2)).statusCode, 200);
  const all = await post('/api/v1/auth/logout-all', {}, { authorization: `Bearer ${t2}` });
  assert.equal(all.json<{ revoked: number }>().revoked, 2);
  assert.equal((await bal(t2)).statusCode, 401);
  assert.equal((await bal(t3)).statusCode, 401);
});

test('a logout on one instance ends the session on another at once', async () => {
  const other = await testApp(await secondCore(env));
  try {
    const s = await subscriberWithPassword();
    const t1 = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).json<{ token: string }>().token;
    const t2 = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).json<{ token: string }>().token;
    const balOn = (a: FastifyInstance, t: string) => a.inject({ url: '/api/v1/subscribers/me/balance', headers: { authorization: `Bearer ${t}` } });
    // Both instances have just answered with these sessions, so a per-process cache would hold them.
    for (const a of [app, other]) for (const t of [t1, t2]) assert.equal((await balOn(a, t)).statusCode, 200);
    await other.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${t1}` } });
    assert.equal((await balOn(app, t1)).statusCode, 401);
    assert.equal((await balOn(app, t2)).statusCode, 200);
    await other.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: { authorization: `Bearer ${t2}` } });
    assert.equal((await balOn(app, t2)).statusCode, 401);
  } finally {
    await other.close();
  }
});

test('sessions expire', async () => {
  const s = await subscriberWithPassword();
  const t = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).json<{ token: string }>().token;
  env.clock.advance(31 * 86_400_000);
  const r = await app.inject({ url: '/api/v1/subscribers/me/balance', headers: { authorization: `Bearer ${t}` } });
  assert.equal(r.statusCode, 401);
  env.clock.advance(-31 * 86_400_000);
});

test('business admin: password, then the SMS code to the admin phone; scoped to the company', async () => {
  const customer = (await core.db.query<{ id: number }>("INSERT INTO customer (kind, name) VALUES ('business', 'ООО Тест') RETURNING id"))[0]!.id;
  await core.db.query(
    "INSERT INTO business_admin (customer_id, email, phone, name, role, password_hash) VALUES ($1, 'boss@test.example', '79005550000', 'Boss', 'contract_admin', $2)",
    [customer, await hashPassword('boss-pass-1')],
  );
  const own = await makeSubscriber(core, { customerId: customer, tariffCode: 'business_smart' });
  const stranger = await makeSubscriber(core);
  const step1 = await post('/api/v1/auth/business/login', { email: 'Boss@Test.example', password: 'boss-pass-1' });
  assert.equal(step1.statusCode, 200);
  const { challenge } = step1.json<{ challenge: string }>();
  const code = /(\d{6})/.exec(await lastSms('79005550000'))![1]!;
  const bad = await post('/api/v1/auth/business/verify', { email: 'boss@test.example', challenge, code: code === '000000' ? '111111' : '000000' });
  assert.equal(bad.statusCode, 401);
  const step2 = await post('/api/v1/auth/business/verify', { email: 'boss@test.example', challenge, code });
  assert.equal(step2.statusCode, 200);
  const token = step2.json<{ token: string }>().token;
  const mine = await app.inject({ url: `/api/v1/subscribers/${own.msisdn}/balance`, headers: { authorization: `Bearer ${token}` } });
  assert.equal(mine.statusCode, 200);
  const theirs = await app.inject({ url: `/api/v1/subscribers/${stranger.msisdn}/balance`, headers: { authorization: `Bearer ${token}` } });
  assert.equal(theirs.statusCode, 404);
  const wrongPw = await post('/api/v1/auth/business/login', { email: 'boss@test.example', password: 'nope' });
  assert.equal(wrongPw.statusCode, 401);
});

test('staff login opens the audit log; subscribers may not read it', async () => {
  await core.db.query("INSERT INTO staff_user (email, name, password_hash) VALUES ('ops@test.example', 'Ops', $1)", [await hashPassword('ops-pass-1')]);
  const login = await post('/api/v1/auth/staff/login', { email: 'ops@test.example', password: 'ops-pass-1' });
  assert.equal(login.statusCode, 200);
  const token = login.json<{ token: string }>().token;
  const audit = await app.inject({ url: '/api/v1/audit?action=auth.login&limit=5', headers: { authorization: `Bearer ${token}` } });
  assert.equal(audit.statusCode, 200);
  const page = audit.json<{ items: Record<string, unknown>[]; nextBefore: number | null }>();
  assert.ok(page.items.length > 0 && page.items.every((i) => i.action === 'auth.login'));
  assert.deepEqual(Object.keys(page.items[0]!).sort(), ['action', 'actorId', 'actorKind', 'at', 'channel', 'customerId', 'details', 'id', 'outcome', 'requestId', 'subscriberId']);
  const first = await app.inject({ url: '/api/v1/audit?limit=1', headers: { authorization: `Bearer ${token}` } });
  const before = first.json<{ items: { id: number }[]; nextBefore: number | null }>();
  assert.equal(before.nextBefore, before.items[0]!.id, 'a full page says where the next, older one starts');
  const s = await subscriberWithPassword();
  const st = (await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' })).json<{ token: string }>().token;
  assert.equal((await app.inject({ url: '/api/v1/audit', headers: { authorization: `Bearer ${st}` } })).statusCode, 403);
});

test('operator API keys: shown once, stored hashed, revocable', async () => {
  const k = await createApiKey(core.db, { name: 'crm' });
  const stored = await core.db.query<{ key_hash: string }>('SELECT key_hash FROM api_key WHERE id = $1', [k.id]);
  assert.ok(!stored[0]!.key_hash.includes(k.key));
  assert.deepEqual(await resolveApiKey(core, k.key), { kind: 'operator_api', apiKeyId: k.id });
  assert.equal(await resolveApiKey(core, k.key.slice(0, -1) + (k.key.endsWith('A') ? 'B' : 'A')), null);
  const s = await makeSubscriber(core);
  const ok = await app.inject({ url: `/api/v1/subscribers/${s.msisdn}/balance`, headers: { authorization: `Bearer ${k.key}` } });
  assert.equal(ok.statusCode, 200);
  assert.ok(await revokeApiKey(core.db, k.prefix));
  const revoked = await app.inject({ url: `/api/v1/subscribers/${s.msisdn}/balance`, headers: { authorization: `Bearer ${k.key}` } });
  assert.equal(revoked.statusCode, 401);
});

test('whoami names every kind of caller as its schema states; sessions and the profile answer in full', async () => {
  const who = async (headers: Record<string, string> = {}) => {
    const res = await app.inject({ url: '/api/v1/auth/whoami', headers });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Record<string, unknown>>();
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  assert.deepEqual(await who(), { kind: 'anonymous', demo: true });

  const s = await subscriberWithPassword();
  const login = await post('/api/v1/auth/login', { msisdn: s.msisdn, password: 'secret-123' }, { 'user-agent': 'test-agent/1' });
  const token = login.json<{ token: string }>().token;
  const me = await who(bearer(token));
  assert.deepEqual(Object.keys(me).sort(), ['demo', 'kind', 'subscriberId', 'termsMustAccept']);
  assert.deepEqual([me.kind, me.subscriberId, typeof me.termsMustAccept], ['subscriber', s.subscriberId, 'boolean']);

  const sessions = await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(token) });
  assert.equal(sessions.statusCode, 200, sessions.body);
  const [open] = sessions.json<{ items: Record<string, unknown>[] }>().items;
  assert.ok(open);
  assert.deepEqual(Object.keys(open).sort(), ['channel', 'createdAt', 'expiresAt', 'ip', 'method', 'userAgent']);
  assert.deepEqual([open.method, open.userAgent], ['password', 'test-agent/1']);

  const profile = await app.inject({ url: '/api/v1/subscribers/me', headers: bearer(token) });
  assert.equal(profile.statusCode, 200, profile.body);
  const p = profile.json<Record<string, unknown>>();
  assert.deepEqual(Object.keys(p).sort(), ['activatedAt', 'contentBan', 'customerKind', 'email', 'employeeName', 'iccid', 'language', 'msisdn', 'region', 'script', 'status', 'tariff', 'timeZone']);
  assert.equal(p.msisdn, s.msisdn);

  const staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('who@test.example', 'Who', 'x') RETURNING id"))[0]!.id;
  const staff = await createSession(core.db, core, { kind: 'staff', subjectId: staffId, channel: 'staff', method: 'test' });
  assert.deepEqual(await who(bearer(staff.token)), { kind: 'staff', staffId, demo: true });

  const customer = (await core.db.query<{ id: number }>("INSERT INTO customer (kind, name) VALUES ('business', 'ООО Кто') RETURNING id"))[0]!.id;
  const adminId = (
    await core.db.query<{ id: number }>(
      "INSERT INTO business_admin (customer_id, email, phone, name, role, password_hash) VALUES ($1, 'who-admin@test.example', '79005550001', 'Admin', 'accountant', 'x') RETURNING id",
      [customer],
    )
  )[0]!.id;
  const admin = await createSession(core.db, core, { kind: 'business_admin', subjectId: adminId, channel: 'business', method: 'test' });
  assert.deepEqual(await who(bearer(admin.token)), { kind: 'business_admin', adminId, customerId: customer, role: 'accountant', departmentId: null, demo: true });

  const k = await createApiKey(core.db, { name: 'who' });
  assert.deepEqual(await who(bearer(k.key)), { kind: 'operator_api', apiKeyId: k.id, demo: true });
});
