import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { createCore } from '../../src/runtime.ts';
import { buildServer } from '../../src/server.ts';
import { catalogStore, makeSubscriber, quietLog, testApp, testCore, type TestStore } from '../helpers/core.ts';
import { startTestProvider, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type TestProvider } from '../helpers/oidc-provider.ts';

/**
 * Social login against a real OpenID Connect provider (oidc-provider) on loopback, behind the relay
 * of test/helpers/oidc-provider.ts: some tests have it rewrite the ID token of the token endpoint's
 * answer — re-signed with the provider's own key (a claim changed: nonce, expiry) or with a key
 * that is not the provider's.
 */
const PUBLIC_URL = 'http://abonent.test';
const PASSWORD = 'secret-123';

let store: TestStore;
let core: Core;
let app: FastifyInstance;
let op: TestProvider;

before(async () => {
  op = await startTestProvider({ redirectUris: [`${PUBLIC_URL}/api/v1/auth/social/test/callback`] });
  store = await catalogStore();
  const config = loadConfig({
    NODE_ENV: 'test',
    STORE: 'memory',
    LOG_LEVEL: 'silent',
    PUBLIC_URL,
    OIDC_PROVIDERS: 'test',
    OIDC_TEST_ISSUER: op.issuer,
    OIDC_TEST_CLIENT_ID: TEST_CLIENT_ID,
    OIDC_TEST_CLIENT_SECRET: TEST_CLIENT_SECRET,
    OIDC_TEST_NAME: 'Test ID',
  } as NodeJS.ProcessEnv);
  // ID tokens carry the real time: the platform's clock must be near it.
  core = await createCore(config, { db: store.db, clock: new ManualClock(new Date().toISOString()), log: quietLog });
  app = await buildServer(core, config);
  await app.ready();
});

after(async () => {
  await app.close();
  await store.drop();
  await op.close();
});

/** The person at the provider: logs in as `login` in its (development) login form and consents. Returns where the provider sends the browser back. */
async function atProvider(authorizationUrl: string, login: string): Promise<string> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = new URL(authorizationUrl);
  let form: URLSearchParams | null = null;
  for (let step = 0; step < 12; step++) {
    const res: Response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookie(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: form.toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    form = null;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      if (next.href.startsWith(PUBLIC_URL)) return next.href;
      url = next;
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, html.slice(0, 500));
    const action = /action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    assert.ok(action && prompt, 'an interaction form');
    url = new URL(action, url);
    form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
  }
  throw new Error('the provider never sent the browser back');
}

interface Browser {
  session?: string;
  state?: string;
}

async function startLogin(b: Browser): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/social/test/login', payload: {} });
  assert.equal(res.statusCode, 200, res.body);
  b.state = res.cookies.find((c) => c.name === 'abonent_social_state')?.value;
  assert.ok(b.state);
  return res.json<{ authorizationUrl: string }>().authorizationUrl;
}

async function callback(b: Browser, url: string) {
  const u = new URL(url);
  const cookies: Record<string, string> = {};
  if (b.state) cookies.abonent_social_state = b.state;
  if (b.session) cookies.abonent_session = b.session;
  const res = await app.inject({ method: 'GET', url: u.pathname + u.search, cookies });
  const session = res.cookies.find((c) => c.name === 'abonent_session' && c.value)?.value;
  return { status: res.statusCode, location: res.headers.location as string | undefined, session };
}

async function subscriberWithPassword() {
  const s = await makeSubscriber(core);
  await setPasswordHash(core.db, s.subscriberId, await hashPassword(PASSWORD), core.clock.now());
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: PASSWORD } });
  return { ...s, session: login.cookies.find((c) => c.name === 'abonent_session')!.value };
}

async function link(s: { session: string }, login: string, proof: Record<string, string> = { password: PASSWORD }) {
  const b: Browser = { session: s.session };
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/social/test/link', payload: proof, cookies: { abonent_session: s.session } });
  assert.equal(res.statusCode, 200, res.body);
  b.state = res.cookies.find((c) => c.name === 'abonent_social_state')!.value;
  return callback(b, await atProvider(res.json<{ authorizationUrl: string }>().authorizationUrl, login));
}

async function whoami(session: string | undefined) {
  return (await app.inject({ url: '/api/v1/auth/whoami', cookies: session ? { abonent_session: session } : {} })).json<{ kind: string; subscriberId?: number }>();
}

async function loginAs(login: string): Promise<Awaited<ReturnType<typeof callback>>> {
  const b: Browser = {};
  return callback(b, await atProvider(await startLogin(b), login));
}

test('the provider is listed, and a link then a login opens the same kind of session as a password login', async () => {
  const providers = await app.inject({ url: '/api/v1/auth/social/providers' });
  assert.deepEqual(providers.json(), { items: [{ id: 'test', name: 'Test ID' }] });

  const s = await subscriberWithPassword();
  const linked = await link(s, 'alice');
  assert.equal(linked.status, 303);
  assert.equal(linked.location, `${PUBLIC_URL}/settings?social=linked`);
  const links = await app.inject({ url: '/api/v1/auth/social/links', cookies: { abonent_session: s.session } });
  assert.equal(links.json<{ items: { provider: string; name: string }[] }>().items[0]?.name, 'Test ID');

  const res = await loginAs('alice');
  assert.equal(res.status, 303);
  assert.equal(res.location, `${PUBLIC_URL}/`);
  assert.ok(res.session, 'a session cookie is set');
  assert.equal((await whoami(res.session)).subscriberId, s.subscriberId);
  const sessions = await core.db.query<{ kind: string; channel: string; method: string }>(
    'SELECT kind, channel, method FROM session WHERE subject_id = $1 ORDER BY created_at, method',
    [s.subscriberId],
  );
  assert.deepEqual(
    sessions.map((x) => [x.kind, x.channel]),
    [
      ['subscriber', 'web'],
      ['subscriber', 'web'],
    ],
  );
  assert.deepEqual(sessions.map((x) => x.method).sort(), ['password', 'social']);
  const audit = await core.db.query<{ details: { method: string; provider?: string } }>("SELECT details FROM audit_event WHERE action = 'auth.login' AND subscriber_id = $1 AND outcome = 'ok' ORDER BY id", [s.subscriberId]);
  assert.deepEqual(audit.at(-1)?.details, { method: 'social', provider: 'test' });
});

test('an account linked to no number logs nobody in and creates no number', async () => {
  const before = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriber');
  const res = await loginAs('stranger');
  assert.equal(res.status, 303);
  assert.equal(res.location, `${PUBLIC_URL}/login?socialError=SOCIAL_NOT_LINKED`);
  assert.equal(res.session, undefined);
  const after = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriber');
  assert.equal(after[0]!.n, before[0]!.n);
});

test('a forged state, a state from another browser and a replayed callback are refused', async () => {
  const s = await subscriberWithPassword();
  assert.equal((await link(s, 'bob')).location, `${PUBLIC_URL}/settings?social=linked`);

  // The address names a state this browser was not given.
  const b: Browser = {};
  const back = await atProvider(await startLogin(b), 'bob');
  const forged = new URL(back);
  forged.searchParams.set('state', 'x'.repeat(43));
  const r1 = await callback(b, forged.href);
  assert.equal(r1.location, `${PUBLIC_URL}/login?socialError=SOCIAL_LOGIN_FAILED`);
  assert.equal(r1.session, undefined);
  // The real callback in a browser without the state cookie (sent to a victim, say).
  const r2 = await callback({}, back);
  assert.equal(r2.location, `${PUBLIC_URL}/login?socialError=SOCIAL_LOGIN_FAILED`);
  assert.equal(r2.session, undefined);

  // The right browser succeeds once; the same callback again is refused.
  const b2: Browser = {};
  const back2 = await atProvider(await startLogin(b2), 'bob');
  const ok = await callback(b2, back2);
  assert.equal(ok.location, `${PUBLIC_URL}/`);
  assert.ok(ok.session);
  const again = await callback(b2, back2);
  assert.equal(again.location, `${PUBLIC_URL}/login?socialError=SOCIAL_LOGIN_FAILED`);
  const refused = await core.db.query<{ details: { reason?: string } }>("SELECT details FROM audit_event WHERE action = 'auth.login' AND outcome = 'refused' AND details->>'method' = 'social' ORDER BY id");
  assert.ok(refused.some((r) => /state does not match|no state/.test(r.details.reason ?? '')));
  assert.ok(refused.some((r) => /used or expired/.test(r.details.reason ?? '')));
});

test('an ID token re-signed by the provider key unchanged passes; a wrong nonce, an expired token or a foreign signature is refused', async () => {
  const s = await subscriberWithPassword();
  assert.equal((await link(s, 'carol')).location, `${PUBLIC_URL}/settings?social=linked`);
  const withToken = async (t: TestProvider['tamper']) => {
    const b: Browser = {};
    const back = await atProvider(await startLogin(b), 'carol');
    op.tamper = t;
    const res = await callback(b, back);
    assert.equal(op.tamper, null, 'the token response went through the relay');
    return res;
  };
  const same = await withToken((header, claims) => ({ header, claims, key: op.providerKey }));
  assert.equal(same.location, `${PUBLIC_URL}/`, 'the relay itself keeps a good token good');

  const nonce = await withToken((header, claims) => ({ header, claims: { ...claims, nonce: 'not-the-nonce-we-sent' }, key: op.providerKey }));
  assert.equal(nonce.location, `${PUBLIC_URL}/login?socialError=SOCIAL_LOGIN_FAILED`);
  assert.equal(nonce.session, undefined);

  const now = Math.floor(core.clock.now().getTime() / 1000);
  const expired = await withToken((header, claims) => ({ header, claims: { ...claims, iat: now - 3600, exp: now - 600 }, key: op.providerKey }));
  assert.equal(expired.location, `${PUBLIC_URL}/login?socialError=SOCIAL_LOGIN_FAILED`);
  assert.equal(expired.session, undefined);

  const foreign = await withToken((header, claims) => ({ header, claims, key: op.otherKey }));
  assert.equal(foreign.location, `${PUBLIC_URL}/login?socialError=SOCIAL_LOGIN_FAILED`);
  assert.equal(foreign.session, undefined);

  const reasons = (await core.db.query<{ details: { reason?: string } }>("SELECT details FROM audit_event WHERE action = 'auth.login' AND outcome = 'refused' AND details->>'method' = 'social' ORDER BY id DESC LIMIT 3")).map(
    (r) => r.details.reason ?? '',
  );
  assert.match(reasons[2]!, /nonce/i);
  assert.match(reasons[1]!, /exp|timestamp/i);
  assert.match(reasons[0]!, /signature/i);
});

test('linking needs the number\'s own proof: no proof, a wrong password or code, no session are refused; an SMS code works', async () => {
  const s = await subscriberWithPassword();
  const post = (payload: object, session?: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/social/test/link', payload, ...(session ? { cookies: { abonent_session: session } } : {}) });
  const none = await post({}, s.session);
  assert.equal(none.statusCode, 400);
  assert.equal(none.json<{ code: string }>().code, 'VALIDATION');
  const wrong = await post({ password: 'not-it' }, s.session);
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json<{ code: string }>().code, 'INVALID_CREDENTIALS');
  assert.equal(wrong.cookies.find((c) => c.name === 'abonent_social_state'), undefined);
  const badCode = await post({ code: '000000' }, s.session);
  assert.equal(badCode.json<{ code: string }>().code, 'OTP_INVALID');
  const anonymous = await post({ password: PASSWORD });
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.json<{ code: string }>().code, 'UNAUTHENTICATED');

  const sent = await app.inject({ method: 'POST', url: '/api/v1/auth/social/link-code', cookies: { abonent_session: s.session } });
  assert.equal(sent.statusCode, 200);
  const sms = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id DESC LIMIT 1", [s.msisdn]);
  const code = /(\d{6})/.exec(sms[0]!.text)![1]!;
  assert.equal((await link(s, 'dave', { code })).location, `${PUBLIC_URL}/settings?social=linked`);
  assert.equal((await whoami((await loginAs('dave')).session)).subscriberId, s.subscriberId);
});

test('a link callback finished by another logged-in subscriber is refused', async () => {
  const s = await subscriberWithPassword();
  const other = await subscriberWithPassword();
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/social/test/link', payload: { password: PASSWORD }, cookies: { abonent_session: s.session } });
  const back = await atProvider(res.json<{ authorizationUrl: string }>().authorizationUrl, 'erin');
  const r = await callback({ session: other.session, state: res.cookies.find((c) => c.name === 'abonent_social_state')!.value }, back);
  assert.equal(r.location, `${PUBLIC_URL}/settings?socialError=FORBIDDEN`);
  assert.equal((await loginAs('erin')).location, `${PUBLIC_URL}/login?socialError=SOCIAL_NOT_LINKED`);
});

test('an account linked to one number cannot be linked to another', async () => {
  const a = await subscriberWithPassword();
  const b = await subscriberWithPassword();
  assert.equal((await link(a, 'frank')).location, `${PUBLIC_URL}/settings?social=linked`);
  assert.equal((await link(b, 'frank')).location, `${PUBLIC_URL}/settings?socialError=SOCIAL_ACCOUNT_TAKEN`);
  assert.equal((await whoami((await loginAs('frank')).session)).subscriberId, a.subscriberId);
});

test('unlinking ends logins with that account; unlinking twice says it is not linked', async () => {
  const s = await subscriberWithPassword();
  assert.equal((await link(s, 'grace')).location, `${PUBLIC_URL}/settings?social=linked`);
  const del = await app.inject({ method: 'DELETE', url: '/api/v1/auth/social/links/test', cookies: { abonent_session: s.session } });
  assert.equal(del.statusCode, 200);
  assert.deepEqual(del.json(), { unlinked: true });
  assert.equal((await loginAs('grace')).location, `${PUBLIC_URL}/login?socialError=SOCIAL_NOT_LINKED`);
  const again = await app.inject({ method: 'DELETE', url: '/api/v1/auth/social/links/test', cookies: { abonent_session: s.session }, headers: { 'accept-language': 'en' } });
  assert.equal(again.statusCode, 404);
  assert.equal(again.json<{ code: string }>().code, 'SOCIAL_NOT_LINKED');
  const audit = await core.db.query<{ action: string }>("SELECT action FROM audit_event WHERE subscriber_id = $1 AND action LIKE 'auth.social%' AND outcome = 'ok' ORDER BY id", [s.subscriberId]);
  assert.deepEqual(audit.map((r) => r.action), ['auth.social_linked', 'auth.social_unlinked']);
});

test('a provider that is not configured gets a clear error in both languages', async () => {
  const ru = await app.inject({ method: 'POST', url: '/api/v1/auth/social/nope/login', payload: {} });
  assert.equal(ru.statusCode, 404);
  assert.equal(ru.json<{ code: string }>().code, 'SOCIAL_PROVIDER_UNKNOWN');
  assert.equal(ru.json<{ title: string }>().title, 'Вход через «nope» не настроен у оператора');
  const en = await app.inject({ method: 'POST', url: '/api/v1/auth/social/nope/login', payload: {}, headers: { 'accept-language': 'en' } });
  assert.equal(en.json<{ title: string }>().title, 'Login with "nope" is not set up by the operator');
  // A server with no provider at all lists none and refuses the same way.
  const plain = await testCore();
  const bare = await testApp(plain.core);
  try {
    assert.deepEqual((await bare.inject({ url: '/api/v1/auth/social/providers' })).json(), { items: [] });
    const r = await bare.inject({ method: 'POST', url: '/api/v1/auth/social/yandex/login', payload: {} });
    assert.equal(r.json<{ code: string }>().code, 'SOCIAL_PROVIDER_UNKNOWN');
  } finally {
    await bare.close();
    await plain.close();
  }
});

test('provider settings are checked at start, naming the missing variable', () => {
  const base = { NODE_ENV: 'test', STORE: 'memory', PUBLIC_URL } as Record<string, string>;
  assert.deepEqual(loadConfig(base as NodeJS.ProcessEnv).oidcProviders, [], 'none by default');
  assert.throws(() => loadConfig({ ...base, OIDC_PROVIDERS: 'yandex' } as NodeJS.ProcessEnv), (e: unknown) => e instanceof ConfigError && /OIDC_YANDEX_ISSUER: required/.test(e.message) && /OIDC_YANDEX_CLIENT_SECRET: required/.test(e.message));
  const full = { OIDC_PROVIDERS: 'yandex,vk', OIDC_YANDEX_ISSUER: 'https://id.example/yandex', OIDC_YANDEX_CLIENT_ID: 'a', OIDC_YANDEX_CLIENT_SECRET: 'b', OIDC_VK_ISSUER: 'https://id.example/vk', OIDC_VK_CLIENT_ID: 'c', OIDC_VK_CLIENT_SECRET: 'd' };
  assert.deepEqual(
    loadConfig({ ...base, ...full } as NodeJS.ProcessEnv).oidcProviders.map((p) => [p.id, p.name]),
    [
      ['yandex', 'Яндекс ID'],
      ['vk', 'VK ID'],
    ],
  );
  assert.throws(() => loadConfig({ NODE_ENV: 'test', STORE: 'memory', ...full } as NodeJS.ProcessEnv), /PUBLIC_URL: required when OIDC_PROVIDERS is set/);
  assert.throws(
    () => loadConfig({ ...base, ...full, NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40), OIDC_VK_ISSUER: 'http://id.example/vk' } as NodeJS.ProcessEnv),
    /OIDC_VK_ISSUER: must be an https:\/\/ address in production/,
  );
});
