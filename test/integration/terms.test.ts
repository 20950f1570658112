import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { acceptTerms } from '../../src/domain/terms/accept-terms.ts';
import { publishTerms } from '../../src/domain/terms/publish-terms.ts';
import { loadTermsFile } from '../../src/domain/terms/terms-file.ts';
import type { TermsView } from '../../src/domain/terms/get-terms.ts';
import { ctxAs, makeSubscriber, refusal, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
const shipped = loadTermsFile();

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
});
after(async () => {
  await app?.close();
  await env?.close();
});

async function login(password = 'terms-pw-1'): Promise<{ sub: Awaited<ReturnType<typeof makeSubscriber>>; token: string }> {
  const sub = await makeSubscriber(core);
  await setPasswordHash(core.db, sub.subscriberId, await hashPassword(password), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: sub.msisdn, password } });
  assert.equal(res.statusCode, 200, res.body);
  return { sub, token: res.json<{ token: string }>().token };
}

const get = (url: string, token?: string) => app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });
const accept = (version: string, token?: string) =>
  app.inject({ method: 'POST', url: '/api/v1/terms/accept', headers: token ? { authorization: `Bearer ${token}` } : {}, payload: { version } });

function problem(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(res.statusCode, status, res.body.slice(0, 300));
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const p = res.json<Record<string, unknown>>();
  assert.equal(p.code, code);
  return p;
}

test('the shipped terms are in force; a subscriber must accept them, and whoami says so until they do', async () => {
  assert.ok(new Date(shipped.publishedAt) <= core.clock.now(), 'the shipped version is already published at the test clock');
  const { sub, token } = await login();
  const terms = await get('/api/v1/terms', token);
  assert.equal(terms.statusCode, 200, terms.body);
  assert.deepEqual(terms.json<TermsView>(), {
    version: shipped.version,
    publishedAt: new Date(shipped.publishedAt).toISOString(),
    text: shipped.text,
    acceptedVersion: null,
    mustAccept: true,
  });
  assert.equal((await get('/api/v1/auth/whoami', token)).json<{ termsMustAccept: boolean }>().termsMustAccept, true);

  env.clock.advance(5_000);
  const ok = await accept(shipped.version, token);
  assert.equal(ok.statusCode, 204, ok.body);
  assert.equal(ok.body, '');
  const afterAccept = (await get('/api/v1/terms', token)).json<TermsView>();
  assert.deepEqual([afterAccept.acceptedVersion, afterAccept.mustAccept], [shipped.version, false]);
  const who = (await get('/api/v1/auth/whoami', token)).json<{ kind: string; subscriberId: number; termsMustAccept: boolean; demo: boolean }>();
  assert.deepEqual(who, { kind: 'subscriber', subscriberId: sub.subscriberId, termsMustAccept: false, demo: true });

  const rows = await core.db.query<{ version: string; accepted_at: Date; channel: string }>('SELECT version, accepted_at, channel FROM terms_acceptance WHERE subscriber_id = $1', [sub.subscriberId]);
  assert.deepEqual(rows, [{ version: shipped.version, accepted_at: core.clock.now(), channel: 'web' }]);
  // Accepting again records nothing new.
  assert.equal((await accept(shipped.version, token)).statusCode, 204);
  const audit = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'terms.accept' AND outcome = 'ok'", [sub.subscriberId]);
  assert.equal(audit[0]!.n, 1);
});

test('a version other than the current one is refused with 409 and records nothing', async () => {
  const { sub, token } = await login();
  const p = problem(await accept('1999-01', token), 409, 'CONFLICT');
  assert.equal(p.currentVersion, shipped.version);
  problem(await accept('', token), 400, 'VALIDATION');
  assert.deepEqual(await core.db.query('SELECT * FROM terms_acceptance WHERE subscriber_id = $1', [sub.subscriberId]), []);
  assert.equal((await get('/api/v1/auth/whoami', token)).json<{ termsMustAccept: boolean }>().termsMustAccept, true);
});

test('only a subscriber accepts; anyone may read the text', async () => {
  const anon = (await get('/api/v1/terms')).json<TermsView>();
  assert.deepEqual([anon.version, anon.acceptedVersion, anon.mustAccept], [shipped.version, null, false]);
  problem(await accept(shipped.version), 401, 'UNAUTHENTICATED');
  const staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('t@test.example', 'T', 'x') RETURNING id"))[0]!.id;
  const { token } = await createSession(core.db, core, { kind: 'staff', subjectId: staffId, channel: 'staff', method: 'test' });
  problem(await accept(shipped.version, token), 403, 'FORBIDDEN');
  assert.equal('termsMustAccept' in (await get('/api/v1/auth/whoami', token)).json<object>(), false);
  // Subscribers cannot publish terms.
  const s = await makeSubscriber(core);
  await assert.rejects(publishTerms(core, subscriberCtx(s.subscriberId), { version: 'x-1', publishedAt: '2026-01-01T00:00:00Z', text: { ru: 'а', en: 'a' } }), refusal('FORBIDDEN'));
});

test('a new version must be accepted at the next login: from its publication on, not before', async () => {
  const { sub } = await login('next-login-1');
  await acceptTerms(core, subscriberCtx(sub.subscriberId), { version: shipped.version });
  const at = new Date(core.clock.now().getTime() + 86_400_000);
  const next = { version: '2026-03-rev2', publishedAt: at.toISOString(), text: { ru: 'Новая редакция', en: 'New version' } };
  const staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('pub@test.example', 'P', 'x') RETURNING id"))[0]!.id;
  assert.deepEqual(await publishTerms(core, ctxAs({ kind: 'staff', staffId }, { channel: 'staff' }), next), { version: next.version, created: true });
  // Published again with the same text: nothing changes; with another text: refused.
  assert.deepEqual(await publishTerms(core, systemCtx('test'), next), { version: next.version, created: false });
  await assert.rejects(publishTerms(core, systemCtx('test'), { ...next, text: { ru: 'Другой текст', en: 'Other' } }), refusal('CONFLICT'));

  // Before the new version takes effect, the old acceptance stands.
  const before = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: sub.msisdn, password: 'next-login-1' } });
  const tokenBefore = before.json<{ token: string }>().token;
  assert.equal((await get('/api/v1/auth/whoami', tokenBefore)).json<{ termsMustAccept: boolean }>().termsMustAccept, false);
  problem(await accept(next.version, tokenBefore), 409, 'CONFLICT');

  env.clock.set(new Date(at.getTime() + 1000));
  const relog = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: sub.msisdn, password: 'next-login-1' } });
  const token = relog.json<{ token: string }>().token;
  assert.equal((await get('/api/v1/auth/whoami', token)).json<{ termsMustAccept: boolean }>().termsMustAccept, true);
  const view = (await get('/api/v1/terms', token)).json<TermsView>();
  assert.deepEqual([view.version, view.text.ru, view.acceptedVersion, view.mustAccept], [next.version, 'Новая редакция', shipped.version, true]);
  problem(await accept(shipped.version, token), 409, 'CONFLICT');
  assert.equal((await accept(next.version, token)).statusCode, 204);
  assert.equal((await get('/api/v1/auth/whoami', token)).json<{ termsMustAccept: boolean }>().termsMustAccept, false);
  const versions = await core.db.query<{ version: string }>('SELECT version FROM terms_acceptance WHERE subscriber_id = $1 ORDER BY accepted_at', [sub.subscriberId]);
  assert.deepEqual(versions.map((v) => v.version), [shipped.version, next.version]);
});

test('staff publish a version over HTTP; subscribers, API keys and anonymous callers cannot', async () => {
  const staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('http-pub@test.example', 'H', 'x') RETURNING id"))[0]!.id;
  const { token: staff } = await createSession(core.db, core, { kind: 'staff', subjectId: staffId, channel: 'staff', method: 'test' });
  const { sub, token } = await login('http-pub-1');
  const body = { version: '2026-http', publishedAt: core.clock.now().toISOString(), text: { ru: 'Редакция через API', en: 'Published over the API' } };
  const post = (t: string | null, b: unknown = body) => app.inject({ method: 'POST', url: '/api/v1/staff/terms', headers: t ? { authorization: `Bearer ${t}` } : {}, payload: b as object });
  problem(await post(null), 401, 'UNAUTHENTICATED');
  problem(await post(token), 403, 'FORBIDDEN');
  problem(await post(staff, { ...body, version: 'has space' }), 400, 'VALIDATION');
  problem(await post(staff, { ...body, text: { ru: 'только русский' } }), 400, 'VALIDATION');
  assert.equal((await core.db.query('SELECT 1 FROM terms_version WHERE version = $1', [body.version])).length, 0);
  const res = await post(staff);
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual(res.json(), { version: body.version, created: true });
  assert.equal((await get('/api/v1/terms', token)).json<TermsView>().version, body.version);
  assert.equal((await get('/api/v1/auth/whoami', token)).json<{ termsMustAccept: boolean }>().termsMustAccept, true);
  problem(await post(staff, { ...body, text: { ru: 'Иначе', en: 'Otherwise' } }), 409, 'CONFLICT');
  const audit = await core.db.query<{ actor_kind: string; channel: string; outcome: string }>(
    "SELECT actor_kind, channel, outcome FROM audit_event WHERE action = 'terms.publish' AND details->>'version' = $1 ORDER BY id",
    [body.version],
  );
  assert.deepEqual(audit.map((r) => [r.actor_kind, r.channel, r.outcome]), [['staff', 'staff', 'ok'], ['staff', 'staff', 'refused']]);
  assert.ok(sub.subscriberId > 0);
});
