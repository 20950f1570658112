// Cross-site request forgery: a browser attaches the session cookie to a form another site posts,
// so cookie-authenticated unsafe requests must come from our own pages (Sec-Fetch-Site, else
// Origin, else no form content type); bearer tokens and API keys are not affected, and the login
// routes refuse cross-site posts even without a cookie.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApiKey } from '../../src/domain/auth/api-keys.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { submitIdea } from '../../src/domain/support/submit-idea.ts';
import { buildServer } from '../../src/server.ts';
import { makeCompany } from '../helpers/business.ts';
import { makeSubscriber, subscriberCtx, testApp, testConfig, testCore, type TestEnv } from '../helpers/core.ts';

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

/** What a page on another site sends with a `<form enctype="text/plain" method="post">`. */
const FORGED = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' };

function send(url: string, o: { cookie?: string; headers?: Record<string, string>; body?: string; on?: FastifyInstance } = {}) {
  return (o.on ?? app).inject({
    method: 'POST',
    url,
    headers: o.headers ?? {},
    ...(o.cookie ? { cookies: { abonent_session: o.cookie } } : {}),
    ...(o.body !== undefined ? { payload: o.body } : {}),
  });
}

function assertCrossSite(res: LightMyRequestResponse, label: string) {
  assert.equal(res.statusCode, 403, `${label}: ${res.body}`);
  assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', label);
  const p = res.json<{ type: string; code: string; title: string }>();
  assert.equal(p.code, 'CROSS_SITE_REQUEST', label);
  assert.equal(p.type, 'https://abonent.dev/problems/cross-site-request', label);
  assert.match(p.title, /другого сайта/);
}

async function subscriberSession() {
  const s = await makeSubscriber(core);
  const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  return { ...s, token };
}

async function isBlocked(msisdn: string): Promise<boolean> {
  const rows = await core.db.query<{ status: string }>('SELECT status FROM subscriber WHERE msisdn = $1', [msisdn]);
  return rows[0]!.status === 'suspended';
}

async function votes(id: string): Promise<number> {
  return (await core.db.query<{ votes: number }>('SELECT votes FROM idea WHERE id = $1', [Number(id)]))[0]!.votes;
}

const sessionAlive = async (token: string) => (await app.inject({ url: '/api/v1/auth/whoami', cookies: { abonent_session: token } })).json<{ kind: string }>().kind !== 'anonymous';

test('a forged cross-site form post with the cookie is refused on block, logout-all and idea vote, and changes nothing', async () => {
  const company = await makeCompany(core, 'ООО Форма');
  const admin = await company.admin('contract_admin');
  const number = await company.number();
  const sub = await subscriberSession();
  const author = await makeSubscriber(core);
  const idea = await submitIdea(core, subscriberCtx(author.subscriberId), { title: 'Тёмная тема', text: 'Сделайте тёмную тему в кабинете' });

  assertCrossSite(await send(`/api/v1/business/numbers/${number.msisdn}/block`, { cookie: admin.token, headers: FORGED, body: '' }), 'block');
  assertCrossSite(await send('/api/v1/auth/logout-all', { cookie: sub.token, headers: FORGED, body: '' }), 'logout-all');
  assertCrossSite(await send(`/api/v1/ideas/${idea.id}/vote`, { cookie: sub.token, headers: FORGED, body: '' }), 'vote');
  assert.equal(await isBlocked(number.msisdn), false);
  assert.equal(await sessionAlive(sub.token), true);
  assert.equal(await votes(idea.id), 0);

  // Each signal alone is enough.
  const variants: [string, Record<string, string>][] = [
    ['Sec-Fetch-Site: cross-site alone', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site: same-site beats a matching Origin', { 'sec-fetch-site': 'same-site', origin: 'http://localhost:80' }],
    ['a foreign Origin alone', { origin: 'https://evil.example' }],
    ['Origin: null (sandboxed frame)', { origin: 'null' }],
    ['an Origin on our host but another port', { origin: 'http://localhost:8081' }],
    ['no Origin, a text/plain form', { 'content-type': 'text/plain' }],
    ['no Origin, an urlencoded form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no Origin, a multipart form', { 'content-type': 'multipart/form-data; boundary=x' }],
  ];
  for (const [label, headers] of variants) {
    assertCrossSite(await send(`/api/v1/business/numbers/${number.msisdn}/block`, { cookie: admin.token, headers, body: '' }), `block, ${label}`);
    assertCrossSite(await send(`/api/v1/ideas/${idea.id}/vote`, { cookie: sub.token, headers, body: '' }), `vote, ${label}`);
  }
  assert.equal(await isBlocked(number.msisdn), false);
  assert.equal(await votes(idea.id), 0);
  assert.equal(await sessionAlive(sub.token), true);
});

test('the same requests from our own pages go through: Sec-Fetch-Site same-origin, or our Origin', async () => {
  const company = await makeCompany(core, 'ООО Своя');
  const admin = await company.admin('contract_admin');
  const first = await company.number();
  const second = await company.number();
  const sub = await subscriberSession();
  const author = await makeSubscriber(core);
  const idea = await submitIdea(core, subscriberCtx(author.subscriberId), { title: 'Виджет', text: 'Виджет баланса на экран' });

  // What the web app's fetch() sends: Sec-Fetch-Site same-origin (and, for a POST, our Origin).
  const ours = { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' };
  assert.equal((await send(`/api/v1/business/numbers/${first.msisdn}/block`, { cookie: admin.token, headers: ours })).statusCode, 200);
  assert.equal(await isBlocked(first.msisdn), true);
  // A browser without Fetch Metadata: the Origin is ours (the Host the request went to).
  assert.equal((await send(`/api/v1/business/numbers/${second.msisdn}/block`, { cookie: admin.token, headers: { origin: 'http://localhost:80' } })).statusCode, 200);
  assert.equal(await isBlocked(second.msisdn), true);
  // Sec-Fetch-Site: none is a navigation the person started; a JSON body without either header is no form.
  const vote = await send(`/api/v1/ideas/${idea.id}/vote`, { cookie: sub.token, headers: { 'sec-fetch-site': 'none' } });
  assert.equal(vote.statusCode, 200, vote.body);
  assert.equal(await votes(idea.id), 1);
  const json = await send('/api/v1/auth/logout-all', { cookie: sub.token, headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(json.statusCode, 200, json.body);
  assert.equal(await sessionAlive(sub.token), false);
});

test('with PUBLIC_URL, its origin is ours even when the Host differs (behind a TLS proxy)', async () => {
  const proxied = await buildServer(core, { ...testConfig, PUBLIC_URL: 'https://my.operator.example' });
  await proxied.ready();
  try {
    const sub = await subscriberSession();
    const author = await makeSubscriber(core);
    const idea = await submitIdea(core, subscriberCtx(author.subscriberId), { title: 'Прокси', text: 'За прокси тоже работает' });
    const ok = await send(`/api/v1/ideas/${idea.id}/vote`, { on: proxied, cookie: sub.token, headers: { origin: 'https://my.operator.example', host: '127.0.0.1:8080' } });
    assert.equal(ok.statusCode, 200, ok.body);
    assertCrossSite(await send('/api/v1/auth/logout-all', { on: proxied, cookie: sub.token, headers: { origin: 'http://my.operator.example', host: '127.0.0.1:8080' } }), 'http is not the https origin');
  } finally {
    await proxied.close();
  }
});

test('bearer tokens and API keys are not cookie-authenticated: the same headers do not stop them', async () => {
  const company = await makeCompany(core, 'ООО Приложение');
  const admin = await company.admin('contract_admin');
  const number = await company.number();
  const res = await send(`/api/v1/business/numbers/${number.msisdn}/block`, { headers: { ...FORGED, authorization: `Bearer ${admin.token}` }, body: '' });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(await isBlocked(number.msisdn), true);
  // A bearer token wins over a cookie sent alongside (the cookie is not what authenticates).
  const sub = await subscriberSession();
  const other = await subscriberSession();
  const both = await send('/api/v1/auth/logout-all', { cookie: other.token, headers: { ...FORGED, authorization: `Bearer ${sub.token}` }, body: '' });
  assert.equal(both.statusCode, 200, both.body);
  assert.equal(await sessionAlive(sub.token), false);
  assert.equal(await sessionAlive(other.token), true);
  // An operator API key from a server (no browser headers at all), and with a form body.
  const key = (await createApiKey(core.db, { name: 'crm' })).key;
  const target = await makeSubscriber(core);
  const byKey = await app.inject({ method: 'GET', url: `/api/v1/subscribers/${target.msisdn}/balance`, headers: { authorization: `Bearer ${key}`, ...FORGED } });
  assert.equal(byKey.statusCode, 200, byKey.body);
});

test('login routes refuse cross-site posts even without a cookie (login CSRF); ordinary clients log in as before', async () => {
  const s = await makeSubscriber(core);
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('right-pass-1'), core.clock.now());
  await core.db.query("INSERT INTO staff_user (email, name, password_hash) VALUES ('csrf-ops@test.example', 'Ops', $1)", [await hashPassword('ops-pass-1')]);
  const body = JSON.stringify({ msisdn: s.msisdn, password: 'right-pass-1' });
  for (const headers of [
    { 'content-type': 'application/json', origin: 'https://evil.example' } as Record<string, string>,
    { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
  ]) {
    const res = await send('/api/v1/auth/login', { headers, body });
    assertCrossSite(res, `login ${JSON.stringify(headers)}`);
    assert.equal(res.cookies.length, 0, 'no session cookie set');
    assertCrossSite(await send('/api/v1/auth/staff/login', { headers, body: JSON.stringify({ email: 'csrf-ops@test.example', password: 'ops-pass-1' }) }), 'staff login');
  }
  const sessions = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM session WHERE kind = 'subscriber' AND subject_id = $1", [s.subscriberId]);
  assert.equal(sessions[0]!.n, 0);
  // From our page, and from a native app or curl (no browser headers): logged in.
  assert.equal((await send('/api/v1/auth/login', { headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' }, body })).statusCode, 200);
  assert.equal((await send('/api/v1/auth/login', { headers: { 'content-type': 'application/json' }, body })).statusCode, 200);
});

test('GET stays open cross-site (it changes nothing); requests without a cookie outside the login routes are not affected', async () => {
  const sub = await subscriberSession();
  const read = await app.inject({ url: '/api/v1/subscribers/me/balance', cookies: { abonent_session: sub.token }, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } });
  assert.equal(read.statusCode, 200);
  // The payment provider's webhook (server to server, no cookie): reaches its signature check, not a CSRF refusal.
  const hook = await send('/api/v1/payments/webhook/sandbox', { headers: { 'content-type': 'application/json', origin: 'https://pay.example', 'sec-fetch-site': 'cross-site' }, body: '{}' });
  assert.notEqual(hook.json<{ code?: string }>().code, 'CROSS_SITE_REQUEST');
});
