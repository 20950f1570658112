import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';

// Bad input on the HTTP API: whatever arrives, the answer is a 4xx RFC 9457 problem with a stable
// type, in the caller's language, without a stack trace — and nothing is written.

type Sub = Awaited<ReturnType<typeof makeSubscriber>>;
interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  requestId: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  [k: string]: unknown;
}

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let a: Sub;
let l: Sub;
let auth: Record<string, string>;
let countsBefore: Record<string, number>;

const JSON_CT = { 'content-type': 'application/json' };
const KB10 = 'x'.repeat(10 * 1024);
const CYRILLIC = /[А-Яа-яЁё]/;

/**
 * Row counts of the tables a request could write: the ledger, product instances and subscribers,
 * every other table holding an account's rows (found in the schema, so new ones count too),
 * customers, sessions, credentials and idempotency keys.
 */
async function counts(): Promise<Record<string, number>> {
  const tables = await core.db.query<{ table_name: string }>(
    "SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'account_id'",
  );
  const names = [...new Set(['ledger_entry', 'product_instance', 'subscriber', 'customer', 'session', 'subscriber_credential', 'idempotency_record', ...tables.map((t) => t.table_name)])].sort();
  const out: Record<string, number> = {};
  for (const t of names) out[t] = (await core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`))[0]!.n;
  return out;
}

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  a = await makeSubscriber(core);
  l = await makeSubscriber(core);
  await setPasswordHash(core.db, l.subscriberId, await hashPassword('pw-L-123'), new Date());
  await setPasswordHash(core.db, a.subscriberId, await hashPassword('pw-A-123'), new Date());
  const s = await createSession(core.db, core, { kind: 'subscriber', subjectId: a.subscriberId, channel: 'web', method: 'test' });
  auth = { authorization: `Bearer ${s.token}` };
  countsBefore = await counts();
});

after(async () => {
  await app?.close();
  await env?.close();
});

function send(opts: InjectOptions): Promise<LightMyRequestResponse> {
  return app.inject(opts);
}

/** A raw body as given, with a JSON content type unless told otherwise. */
function raw(method: string, url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return send({ method: method as 'POST', url, payload: body, headers: { ...auth, ...JSON_CT, ...headers } });
}

function json(method: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return raw(method, url, JSON.stringify(body), headers);
}

function assertNoStack(text: string, label: string): void {
  assert.doesNotMatch(text, /\bat (?:async )?\S+ \(?\S+:\d+:\d+\)?/, `${label}: a stack frame in the answer`);
  assert.doesNotMatch(text, /\bat \S+:\d+:\d+/, `${label}: a stack frame in the answer`);
  assert.ok(!text.includes('.ts:'), `${label}: a source location in the answer`);
  assert.ok(!text.includes('node_modules'), `${label}: a module path in the answer`);
  assert.ok(!/"stack"\s*:/.test(text), `${label}: a stack property in the answer`);
}

/** A 4xx problem+json answer with every field the API promises; `code` when the test knows it. */
function assertProblem(res: LightMyRequestResponse, status: number, code: string | null, label: string): Problem {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${label}: expected a 4xx, got ${res.statusCode} ${res.body.slice(0, 300)}`);
  assert.equal(res.statusCode, status, `${label}: ${res.body.slice(0, 300)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json(;|$)/, `${label}: content-type ${String(res.headers['content-type'])}`);
  assertNoStack(res.body, label);
  const p = JSON.parse(res.body) as Problem;
  assert.equal(typeof p.code, 'string', label);
  if (code) assert.equal(p.code, code, `${label}: ${res.body.slice(0, 300)}`);
  assert.equal(p.type, `https://abonent.dev/problems/${p.code.toLowerCase().replace(/_/g, '-')}`, label);
  assert.ok(typeof p.title === 'string' && p.title.trim().length > 0, `${label}: title`);
  assert.equal(p.status, status, label);
  assert.ok(typeof p.requestId === 'string' && p.requestId.length >= 8, `${label}: requestId`);
  assert.equal(p.requestId, res.headers['x-request-id'], `${label}: requestId is the x-request-id`);
  return p;
}

/** Routes that take a JSON body. */
const jsonRoutes: [string, string][] = [
  ['POST', '/api/v1/subscribers/me/products'],
  ['PUT', '/api/v1/subscribers/me/tariff'],
  ['PUT', '/api/v1/subscribers/me/content-ban'],
  ['PATCH', '/api/v1/subscribers/me/preferences'],
  ['POST', '/api/v1/subscribers/me/paid-services/stop-content'],
  ['POST', '/api/v1/subscribers/me/bonus/exchange'],
  ['POST', '/api/v1/subscribers/me/installments'],
  ['POST', '/api/v1/subscribers/me/installments/1/pay'],
  ['POST', '/api/v1/subscribers/me/reports'],
  ['POST', '/api/v1/subscribers/me/promised-payment'],
  ['PUT', '/api/v1/subscribers/me/trust-limit'],
  ['POST', '/api/v1/subscribers/me/payments'],
  ['POST', '/api/v1/subscribers/me/payments/card'],
  ['PUT', '/api/v1/subscribers/me/auto-payment'],
  ['POST', '/api/v1/auth/login'],
  ['POST', '/api/v1/auth/code'],
  ['POST', '/api/v1/auth/code/verify'],
  ['POST', '/api/v1/auth/password/sms'],
  ['POST', '/api/v1/auth/business/login'],
  ['POST', '/api/v1/auth/password/change'],
];

/** True when the string holds no lone surrogate (String#isWellFormed is ES2024). */
const wellFormed = (s: string) => !/[\ud800-\udfff]/u.test(s);

test('malformed JSON on every JSON route is 400 MALFORMED_JSON', async () => {
  const bodies = [
    '{"productCode":',
    '{productCode:"ringback"}',
    "{'productCode':'ringback'}",
    '{"productCode":"ringback",}',
    '{"productCode":"ringback"}}',
    'nul',
    '{"productCode":"ring\u0001back"}', // a raw control character inside a string
    '\u0000',
    '{"__proto__":{"isAdmin":true},"productCode":"ringback"}',
    '{"constructor":{"prototype":{"isAdmin":true}},"productCode":"ringback"}',
  ];
  for (const [method, url] of jsonRoutes) {
    for (const body of bodies) assertProblem(await raw(method, url, body), 400, 'MALFORMED_JSON', `${method} ${url} ${JSON.stringify(body)}`);
    assertProblem(await raw(method, url, ''), 400, 'MALFORMED_JSON', `${method} ${url} empty body`);
  }
  assert.equal(({} as Record<string, unknown>).isAdmin, undefined, 'no prototype was polluted');
});

test('JSON of the wrong shape or types is 400 VALIDATION naming the field', async () => {
  const P = '/api/v1/subscribers/me';
  const cases: [string, string, unknown, string][] = [
    ['POST', `${P}/products`, { productCode: 12 }, 'productCode'],
    ['POST', `${P}/products`, { productCode: ['ringback'] }, 'productCode'],
    ['POST', `${P}/products`, { productCode: { code: 'ringback' } }, 'productCode'],
    ['POST', `${P}/products`, { productCode: null }, 'productCode'],
    ['POST', `${P}/products`, { productCode: true }, 'productCode'],
    ['POST', `${P}/products`, { productCode: '' }, 'productCode'],
    ['POST', `${P}/products`, { productCode: KB10 }, 'productCode'],
    ['POST', `${P}/products`, null, ''],
    ['POST', `${P}/products`, [], ''],
    ['POST', `${P}/products`, 'ringback', ''],
    ['POST', `${P}/products`, 42, ''],
    ['PUT', `${P}/tariff`, { tariffCode: 5 }, 'tariffCode'],
    ['PUT', `${P}/content-ban`, { enabled: 'true' }, 'enabled'],
    ['PUT', `${P}/content-ban`, { enabled: 1 }, 'enabled'],
    ['PUT', `${P}/content-ban`, { enabled: null }, 'enabled'],
    ['POST', `${P}/paid-services/stop-content`, { ban: 'yes' }, 'ban'],
    ['POST', `${P}/paid-services/stop-content`, { ban: 0 }, 'ban'],
    ['POST', `${P}/paid-services/stop-content`, null, ''],
    ['PATCH', `${P}/preferences`, { language: 'de' }, 'language'],
    ['PATCH', `${P}/preferences`, { language: 5 }, 'language'],
    ['PATCH', `${P}/preferences`, { script: 'arabic' }, 'script'],
    ['POST', `${P}/bonus/exchange`, { rewardCode: 5 }, 'rewardCode'],
    ['POST', `${P}/bonus/exchange`, { rewardCode: KB10 }, 'rewardCode'],
    ['POST', `${P}/installments`, { deviceName: 'Phone', total: '12000', months: 12 }, 'total'],
    ['POST', `${P}/installments`, { deviceName: 'Phone', total: 120.5, months: 12 }, 'total'],
    ['POST', `${P}/installments`, { deviceName: 'Phone', total: 1e300, months: 12 }, 'total'],
    ['POST', `${P}/installments`, { deviceName: 'Phone', total: -12000, months: 12 }, 'total'],
    ['POST', `${P}/installments`, { deviceName: 'Phone', total: 12000, months: 0 }, 'months'],
    ['POST', `${P}/installments`, { deviceName: 'Phone', total: 12000, months: 37 }, 'months'],
    ['POST', `${P}/installments`, { deviceName: '   ', total: 12000, months: 12 }, 'deviceName'],
    ['POST', `${P}/installments`, { deviceName: KB10, total: 12000, months: 12 }, 'deviceName'],
    ['POST', `${P}/installments`, { deviceName: ['Phone'], total: 12000, months: 12 }, 'deviceName'],
    ['POST', `${P}/installments/1/pay`, { early: 'yes' }, 'early'],
    ['POST', `${P}/reports`, { from: '01.03.2026', to: '2026-03-09' }, 'from'],
    ['POST', `${P}/reports`, { from: '2026-03-01', to: '2026-03-09', format: 'xlsx' }, 'format'],
    ['POST', `${P}/reports`, { from: 20260301, to: '2026-03-09' }, 'from'],
    ['POST', `${P}/promised-payment`, { amount: '10000' }, 'amount'],
    ['POST', `${P}/promised-payment`, { amount: 100.5 }, 'amount'],
    ['POST', `${P}/promised-payment`, { amount: 2 ** 53 + 2 }, 'amount'], // beyond the safe integers
    ['PUT', `${P}/trust-limit`, { limit: 'max' }, 'limit'],
    ['POST', `${P}/payments`, { amount: 10_000, returnUrl: 'javascript:alert(1)' }, 'returnUrl'],
    ['POST', `${P}/payments`, { amount: 10_000, saveCard: 'yes' }, 'saveCard'],
    ['POST', `${P}/payments`, { amount: 1e300 }, 'amount'],
    ['POST', `${P}/payments/card`, { amount: 10_000, cardId: '1' }, 'cardId'],
    ['POST', `${P}/payments/card`, { amount: 10_000, cardId: -1 }, 'cardId'],
    ['PUT', `${P}/auto-payment`, { mode: 'weekly', amount: 10_000, cardId: 1 }, 'mode'],
    ['PUT', `${P}/auto-payment`, { mode: 'monthly', amount: 10_000, dayOfMonth: 32, cardId: 1 }, 'dayOfMonth'],
    ['POST', '/api/v1/auth/login', { msisdn: 79550000002, password: 'pw-L-123' }, 'msisdn'],
    ['POST', '/api/v1/auth/login', { msisdn: l.msisdn, password: 12345678 }, 'password'],
    ['POST', '/api/v1/auth/login', { msisdn: l.msisdn, password: KB10 }, 'password'],
    ['POST', '/api/v1/auth/login', { msisdn: KB10, password: 'pw-L-123' }, 'msisdn'],
    ['POST', '/api/v1/auth/code/verify', { msisdn: l.msisdn, code: 123456 }, 'code'],
    ['POST', '/api/v1/auth/password/change', { currentPassword: 'pw-A-123', newPassword: 'short' }, 'newPassword'],
    ['POST', '/api/v1/auth/password/change', { currentPassword: 'pw-A-123', newPassword: KB10 }, 'newPassword'],
  ];
  for (const [method, url, body, path] of cases) {
    const label = `${method} ${url} ${JSON.stringify(body).slice(0, 60)}`;
    const p = assertProblem(await json(method, url, body), 400, 'VALIDATION', label);
    assert.ok(p.errors?.some((e) => e.path === path), `${label}: errors name "${path}": ${JSON.stringify(p.errors)}`);
    assert.ok((p.detail ?? '').length <= 1000, `${label}: detail is bounded`);
  }
  const queries: [string, string][] = [
    [`${P}/history?limit=abc`, 'limit'],
    [`${P}/history?limit=0`, 'limit'],
    [`${P}/history?limit=201`, 'limit'],
    [`${P}/history?limit=1.5`, 'limit'],
    [`${P}/history?limit=1&limit=2`, 'limit'],
    [`${P}/history?cursor=`, 'cursor'],
    [`${P}/history?cursor=${'A'.repeat(201)}`, 'cursor'],
    [`${P}/tariff/quote?tariffCode=${KB10}`, 'tariffCode'],
    [`/api/v1/demo/sms?msisdn=${a.msisdn}&afterId=x`, 'afterId'],
    [`${P}/installments/abc/pay`, 'id'],
    [`${P}/installments/0/pay`, 'id'],
    [`${P}/installments/99999999999999999999/pay`, 'id'],
    [`${P}/spending?month=2026-13`, 'month'],
    [`${P}/traffic?from=yesterday`, 'from'],
    [`${P}/reports/${'r'.repeat(65)}/download`, 'id'],
    [`${P}/payments/${'p'.repeat(41)}`, 'paymentId'],
  ];
  for (const [url, path] of queries) {
    const method = url.endsWith('/pay') ? 'POST' : 'GET';
    const p = assertProblem(await send({ method, url, headers: auth, ...(method === 'POST' ? { payload: {} } : {}) }), 400, 'VALIDATION', url.slice(0, 80));
    assert.ok(p.errors?.some((e) => e.path === path), `${url.slice(0, 80)}: errors name "${path}"`);
  }
});

test('missing fields are 400 VALIDATION naming what is missing', async () => {
  const P = '/api/v1/subscribers/me';
  const cases: [string, string, unknown, string[]][] = [
    ['POST', `${P}/products`, {}, ['productCode']],
    ['POST', `${P}/products`, { product: 'ringback' }, ['productCode']],
    ['PUT', `${P}/tariff`, {}, ['tariffCode']],
    ['PUT', `${P}/content-ban`, {}, ['enabled']],
    ['POST', '/api/v1/auth/login', { msisdn: l.msisdn }, ['password']],
    ['POST', '/api/v1/auth/login', { password: 'pw-L-123' }, ['msisdn']],
    ['POST', '/api/v1/auth/login', {}, ['msisdn', 'password']],
    ['POST', '/api/v1/auth/code', {}, ['msisdn']],
    ['POST', '/api/v1/auth/business/verify', { email: 'boss@example.com' }, ['challenge', 'code']],
    ['POST', '/api/v1/auth/password/change', { currentPassword: 'pw-A-123' }, ['newPassword']],
    ['POST', `${P}/bonus/exchange`, {}, ['rewardCode']],
    ['POST', `${P}/installments`, { deviceName: 'Phone' }, ['total', 'months']],
    ['POST', `${P}/reports`, { from: '2026-03-01' }, ['to']],
    ['POST', `${P}/promised-payment`, {}, ['amount']],
    ['POST', `${P}/payments/card`, { amount: 10_000 }, ['cardId']],
    ['PUT', `${P}/auto-payment`, { mode: 'threshold' }, ['amount', 'cardId']],
  ];
  for (const [method, url, body, paths] of cases) {
    const label = `${method} ${url} ${JSON.stringify(body)}`;
    const p = assertProblem(await json(method, url, body), 400, 'VALIDATION', label);
    for (const path of paths) assert.ok(p.errors?.some((e) => e.path === path), `${label}: errors name "${path}": ${JSON.stringify(p.errors)}`);
  }
  const noBody = await send({ method: 'POST', url: '/api/v1/auth/login', headers: auth });
  assertProblem(noBody, 400, 'VALIDATION', 'login without a body');
  const noQuery = assertProblem(await send({ url: `${P}/tariff/quote`, headers: auth }), 400, 'VALIDATION', 'quote without tariffCode');
  assert.ok(noQuery.errors?.some((e) => e.path === 'tariffCode'));
});

test('a body over 1 MiB is 413 BODY_TOO_LARGE; one just under the limit is parsed and validated', async () => {
  const huge = JSON.stringify({ productCode: 'x'.repeat(1024 * 1024) });
  assert.ok(Buffer.byteLength(huge) > 1024 * 1024);
  for (const [method, url] of jsonRoutes) assertProblem(await raw(method, url, huge), 413, 'BODY_TOO_LARGE', `${method} ${url}`);
  assertProblem(await raw('POST', '/api/v1/auth/login', huge, { authorization: '' }), 413, 'BODY_TOO_LARGE', 'anonymous login');
  assertProblem(await raw('POST', '/api/v1/subscribers/me/products', 'x'.repeat(3 * 1024 * 1024), { 'content-type': 'text/plain' }), 413, 'BODY_TOO_LARGE', 'large text body');
  const justUnder = JSON.stringify({ productCode: 'x'.repeat(1024 * 1024 - 100) });
  assert.ok(Buffer.byteLength(justUnder) < 1024 * 1024);
  assertProblem(await raw('POST', '/api/v1/subscribers/me/products', justUnder), 400, 'VALIDATION', 'just under the limit');
});

test('odd Unicode in the number (path and body): emoji, RTL marks, NUL, foreign digits, 10 KB — 400 VALIDATION, never a 500', async () => {
  const odd = [
    '😀',
    '\u200f' + a.msisdn,
    a.msisdn + '\u200e',
    `+7 955 000-00-01\u202e`,
    a.msisdn.slice(0, 4) + '\u0000' + a.msisdn.slice(4),
    '\u0000',
    'me\u0000',
    '٧٩٥٥٠٠٠٠٠٠١', // Arabic-Indic digits
    '７９５５００００００１', // full-width digits
    'null',
    '-1',
    '0',
  ];
  for (const m of odd) {
    const base = `/api/v1/subscribers/${encodeURIComponent(m)}`;
    for (const [method, url, body] of [
      ['GET', `${base}/balance`, undefined],
      ['POST', `${base}/products`, { productCode: 'ringback' }],
      ['DELETE', `${base}/products/caller_id`, undefined],
      ['PUT', `${base}/tariff`, { tariffCode: 'basic' }],
    ] as const) {
      const res = await send({ method, url, headers: auth, ...(body ? { payload: body } : {}) });
      const p = assertProblem(res, 400, 'VALIDATION', `${method} ${JSON.stringify(m)}`);
      assert.equal(p.field, 'msisdn');
    }
  }
  const tooLong = assertProblem(await send({ url: `/api/v1/subscribers/${'9'.repeat(33)}/balance`, headers: auth }), 400, 'VALIDATION', '33 digits');
  assert.ok(tooLong.errors?.some((e) => e.path === 'msisdn'));

  const bodyOdd = [...odd, '\ud800', '7955\udc000000001', KB10];
  for (const m of bodyOdd) {
    for (const url of ['/api/v1/auth/login', '/api/v1/auth/code', '/api/v1/auth/password/sms', '/api/v1/auth/code/verify']) {
      const body = { msisdn: m, password: 'pw-L-123', code: '123456' };
      assertProblem(await json('POST', url, body, { authorization: '' }), 400, 'VALIDATION', `${url} msisdn ${JSON.stringify(m).slice(0, 40)}`);
    }
  }
});

test('odd Unicode in product codes: 404 PRODUCT_NOT_FOUND echoing the code, 409 when disabling; refusals are audited', async () => {
  const codes = ['😀', '\u200fringback', 'ring\u202eback', 'ringback\u200b', 'RINGBACK', ' ringback', 'ringback\n', 'рингбэк', '\ud800', '\udc00x', 'ringback\ud83d'];
  const auditable: string[] = [];
  for (const code of codes) {
    const res = await json('POST', '/api/v1/subscribers/me/products', { productCode: code });
    if (wellFormed(code)) {
      const p = assertProblem(res, 404, 'PRODUCT_NOT_FOUND', `POST ${JSON.stringify(code)}`);
      assert.equal(p.product, code, 'the code comes back as sent');
      auditable.push(p.requestId);
    } else {
      // Malformed UTF-16 may be turned away by the schema as well; either way a 4xx problem.
      const expected = res.statusCode === 400 ? 'VALIDATION' : 'PRODUCT_NOT_FOUND';
      assertProblem(res, expected === 'VALIDATION' ? 400 : 404, expected, `POST ${JSON.stringify(code)}`);
    }
  }
  for (const code of ['😀', '\u200fringback', 'рингбэк', 'RINGBACK']) {
    const res = await send({ method: 'DELETE', url: `/api/v1/subscribers/me/products/${encodeURIComponent(code)}`, headers: auth });
    const p = assertProblem(res, 409, 'PRODUCT_NOT_CONNECTED', `DELETE ${JSON.stringify(code)}`);
    assert.equal(p.product, code);
    auditable.push(p.requestId);
  }
  assertProblem(await send({ method: 'DELETE', url: `/api/v1/subscribers/me/products/${'x'.repeat(41)}`, headers: auth }), 400, 'VALIDATION', 'DELETE 41 chars');
  const audited = await core.db.query<{ request_id: string; outcome: string }>('SELECT request_id, outcome FROM audit_event WHERE request_id = ANY($1::text[])', [auditable]);
  assert.deepEqual(audited.map((r) => r.outcome), auditable.map(() => 'refused'), 'each refused attempt is in the audit log');
  assert.deepEqual(new Set(audited.map((r) => r.request_id)), new Set(auditable));
});

test('odd Unicode and oversize passwords: 401 INVALID_CREDENTIALS or 400, never a session', async () => {
  // Four wrong ones: below the lockout. NUL and lone surrogates may also be refused as malformed (400).
  const wrong = ['🔑🔑🔑🔑', '\u200fpw-L-123', 'pw-L-123\u0000', 'pw-L-\ud800'];
  for (const password of wrong) {
    const res = await json('POST', '/api/v1/auth/login', { msisdn: l.msisdn, password }, { authorization: '' });
    const malformed = password.includes('\u0000') || !wellFormed(password);
    if (malformed && res.statusCode === 400) assertProblem(res, 400, 'VALIDATION', JSON.stringify(password));
    else assertProblem(res, 401, 'INVALID_CREDENTIALS', JSON.stringify(password));
  }
  assertProblem(await json('POST', '/api/v1/auth/login', { msisdn: l.msisdn, password: KB10 }, { authorization: '' }), 400, 'VALIDATION', '10 KB password');
  assertProblem(await json('POST', '/api/v1/auth/login', { msisdn: l.msisdn, password: '' }, { authorization: '' }), 400, 'VALIDATION', 'empty password');
  for (const password of ['😀', '\u0000', '\udfff']) {
    const res = await json('POST', '/api/v1/auth/login', { msisdn: '79559999999', password }, { authorization: '' });
    if (password !== '😀' && res.statusCode === 400) assertProblem(res, 400, 'VALIDATION', `unknown number ${JSON.stringify(password)}`);
    else assertProblem(res, 401, 'INVALID_CREDENTIALS', `unknown number ${JSON.stringify(password)}`);
  }
  for (const currentPassword of ['pw-A-123\u0000', '😀', '\ud800']) {
    const res = await json('POST', '/api/v1/auth/password/change', { currentPassword, newPassword: 'new-pass-123' });
    if (currentPassword !== '😀' && res.statusCode === 400) assertProblem(res, 400, 'VALIDATION', `change ${JSON.stringify(currentPassword)}`);
    else assertProblem(res, 401, 'INVALID_CREDENTIALS', `change ${JSON.stringify(currentPassword)}`);
  }
  const sessions = await core.db.query('SELECT 1 FROM session WHERE subject_id = $1', [l.subscriberId]);
  assert.equal(sessions.length, 0, 'no bad password opened a session');
});

test('unknown product, tariff, reward, plan, report, payment and card: 404 with the right code', async () => {
  for (const productCode of ['no_such', 'ringback2', 'smart']) {
    const p = assertProblem(await json('POST', '/api/v1/subscribers/me/products', { productCode }), 404, 'PRODUCT_NOT_FOUND', productCode);
    assert.equal(p.product, productCode);
  }
  // With an Idempotency-Key too: a refusal is not stored as a result.
  for (let i = 0; i < 2; i++) {
    assertProblem(await json('POST', '/api/v1/subscribers/me/products', { productCode: 'no_such' }, { 'idempotency-key': 'bad-input-1' }), 404, 'PRODUCT_NOT_FOUND', `keyed ${i}`);
  }
  assertProblem(await send({ method: 'DELETE', url: '/api/v1/subscribers/me/products/no_such', headers: auth }), 409, 'PRODUCT_NOT_CONNECTED', 'DELETE unknown');
  for (const tariffCode of ['no_such', 'SMART', 'ringback']) {
    assertProblem(await json('PUT', '/api/v1/subscribers/me/tariff', { tariffCode }), 404, 'TARIFF_NOT_FOUND', `PUT ${tariffCode}`);
    assertProblem(await send({ url: `/api/v1/subscribers/me/tariff/quote?tariffCode=${tariffCode}`, headers: auth }), 404, 'TARIFF_NOT_FOUND', `quote ${tariffCode}`);
  }
  for (const rewardCode of ['no_such', 'SMS_100', 'ringback']) {
    assertProblem(await json('POST', '/api/v1/subscribers/me/bonus/exchange', { rewardCode }), 404, 'REWARD_NOT_FOUND', `reward ${rewardCode}`);
  }
  assertProblem(await json('POST', '/api/v1/subscribers/me/installments/999999/pay', {}), 404, 'INSTALLMENT_NOT_FOUND', 'plan 999999');
  // Not a plan number at all: ids are digits only ("1e3" is not 1000).
  assertProblem(await json('POST', '/api/v1/subscribers/me/installments/1e3/pay', {}), 400, 'VALIDATION', 'plan 1e3');
  for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000', encodeURIComponent('😀')]) {
    assertProblem(await send({ url: `/api/v1/subscribers/me/reports/${id}/download`, headers: auth }), 404, 'NOT_FOUND', `report ${id}`);
    assertProblem(await send({ url: `/api/v1/subscribers/me/payments/${id}`, headers: auth }), 404, 'PAYMENT_NOT_FOUND', `payment ${id}`);
  }
  assertProblem(await send({ method: 'DELETE', url: '/api/v1/subscribers/me/cards/999999', headers: auth }), 404, 'CARD_NOT_FOUND', 'DELETE card');
  assertProblem(await json('POST', '/api/v1/subscribers/me/payments/card', { amount: 10_000, cardId: 999999 }), 404, 'CARD_NOT_FOUND', 'pay with unknown card');
  assertProblem(await json('PUT', '/api/v1/subscribers/me/auto-payment', { mode: 'threshold', amount: 10_000, threshold: 5_000, cardId: 999999 }), 404, 'CARD_NOT_FOUND', 'auto-payment with unknown card');
});

test('unknown routes and methods are 404 ROUTE_NOT_FOUND, signed in or not', async () => {
  const cases: [string, string][] = [
    ['GET', '/api/v1/nope'],
    ['GET', '/api/v2/subscribers/me/balance'],
    ['GET', '/api/v1/subscribers'],
    ['GET', '/api/v1/subscribers/me/nope'],
    ['GET', '/api/v1/subscribers/me/balance/'],
    ['GET', '/api/v1//subscribers/me/balance'],
    ['GET', '/api/v1/subscribers/me/products/ringback'],
    ['PUT', '/api/v1/subscribers/me/balance'],
    ['DELETE', '/api/v1/subscribers/me/products'],
    ['POST', '/api/v1/catalog/tariffs'],
    ['GET', `/${encodeURIComponent('😀')}`],
    ['GET', `/api/v1/${encodeURIComponent('\u200f')}`],
    ['GET', `/api/v1/${'z'.repeat(10 * 1024)}`],
    ['OPTIONS', '/api/v1/subscribers/me/balance'],
  ];
  for (const [method, url] of cases) {
    for (const headers of [auth, {}]) {
      assertProblem(await send({ method: method as 'GET', url, headers }), 404, 'ROUTE_NOT_FOUND', `${method} ${url.slice(0, 60)}`);
    }
  }
});

test('a body that is not JSON is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
  const cases: [string, string][] = [
    ['application/x-www-form-urlencoded', 'productCode=ringback'],
    ['application/xml', '<productCode>ringback</productCode>'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="productCode"\r\n\r\nringback\r\n--b--'],
    ['application/octet-stream', '{"productCode":"ringback"}'],
    ['application/jsonx', '{"productCode":"ringback"}'],
    ['image/png', '\u0089PNG'],
    ['', '{"productCode":"ringback"}'],
  ];
  for (const [ct, body] of cases) {
    assertProblem(await raw('POST', '/api/v1/subscribers/me/products', body, { 'content-type': ct }), 415, 'UNSUPPORTED_MEDIA_TYPE', `products as ${ct}`);
    assertProblem(await raw('POST', '/api/v1/auth/login', body, { 'content-type': ct, authorization: '' }), 415, 'UNSUPPORTED_MEDIA_TYPE', `login as ${ct}`);
  }
  // Fastify still parses text/plain; the route's schema refuses a string body either way.
  const text = await raw('POST', '/api/v1/subscribers/me/products', '{"productCode":"ringback"}', { 'content-type': 'text/plain' });
  assert.ok([400, 415].includes(text.statusCode), `text/plain: ${text.statusCode}`);
  assertProblem(text, text.statusCode, null, 'text/plain');
});

test('an invalid Idempotency-Key is 400 VALIDATION on writes and reads', async () => {
  const keys: (string | string[])[] = ['', ' ', 'has space', 'ключ', '😀', 'a\tb', 'a\u007fb', 'a\u0000b', 'k'.repeat(201), ['k1', 'k2']];
  for (const key of keys) {
    const label = `key ${JSON.stringify(key).slice(0, 40)}`;
    const headers = { ...auth, 'idempotency-key': key } as Record<string, string>;
    for (const res of [
      await send({ method: 'POST', url: '/api/v1/subscribers/me/products', payload: { productCode: 'ringback' }, headers }),
      await send({ method: 'PUT', url: '/api/v1/subscribers/me/tariff', payload: { tariffCode: 'basic' }, headers }),
      await send({ method: 'DELETE', url: '/api/v1/subscribers/me/products/caller_id', headers }),
      await send({ url: '/api/v1/subscribers/me/balance', headers }),
    ]) {
      const p = assertProblem(res, 400, 'VALIDATION', label);
      assert.equal(p.field, 'Idempotency-Key', label);
    }
  }
  // The longest valid key is accepted (on a read, so nothing is written).
  assert.equal((await send({ url: '/api/v1/subscribers/me/balance', headers: { ...auth, 'idempotency-key': 'k'.repeat(200) } })).statusCode, 200);
});

test('Accept-Language: en gives English titles; Russian is the default', async () => {
  let unknown = 0; // a new unknown number per login attempt, so no lockout interferes
  const requests: [string, (h: Record<string, string>) => Promise<LightMyRequestResponse>, string][] = [
    ['ROUTE_NOT_FOUND', (h) => send({ url: '/api/v1/nope', headers: { ...auth, ...h } }), 'No such endpoint'],
    ['PRODUCT_NOT_FOUND', (h) => json('POST', '/api/v1/subscribers/me/products', { productCode: 'no_such' }, h), 'Service "no_such" not found'],
    ['VALIDATION', (h) => json('POST', '/api/v1/subscribers/me/products', {}, h), 'Invalid request data'],
    ['VALIDATION', (h) => send({ url: '/api/v1/subscribers/%F0%9F%98%80/balance', headers: { ...auth, ...h } }), 'Invalid value of "msisdn"'],
    ['VALIDATION', (h) => send({ url: '/api/v1/subscribers/me/balance', headers: { ...auth, 'idempotency-key': 'a b', ...h } }), 'Invalid value of "Idempotency-Key"'],
    ['MALFORMED_JSON', (h) => raw('POST', '/api/v1/subscribers/me/products', '{', h), 'The request body is not valid JSON'],
    ['MALFORMED_JSON', (h) => raw('POST', '/api/v1/subscribers/me/products', '', h), 'Empty JSON body'],
    ['UNSUPPORTED_MEDIA_TYPE', (h) => raw('POST', '/api/v1/subscribers/me/products', '<x/>', { 'content-type': 'application/xml', ...h }), 'Unsupported content type'],
    ['BODY_TOO_LARGE', (h) => raw('POST', '/api/v1/subscribers/me/products', JSON.stringify({ productCode: KB10.repeat(110) }), h), 'The request body is too large'],
    ['UNAUTHENTICATED', (h) => send({ url: '/api/v1/subscribers/me/balance', headers: h }), 'Please log in'],
    ['INVALID_CREDENTIALS', (h) => json('POST', '/api/v1/auth/login', { msisdn: `7955888${String(++unknown).padStart(4, '0')}`, password: 'nope' }, { authorization: '', ...h }), 'Wrong number or password'],
  ];
  for (const [code, req, english] of requests) {
    const status = (r: LightMyRequestResponse) => r.statusCode;
    const ru = await req({});
    const pRu = assertProblem(ru, status(ru), code, `${code} default`);
    assert.match(pRu.title, CYRILLIC, `${code}: Russian by default, got "${pRu.title}"`);
    for (const h of [{ 'accept-language': 'ru' }, { 'accept-language': 'fr-FR,fr;q=0.9' }]) {
      const r = await req(h);
      assert.match(assertProblem(r, status(r), code, `${code} ${h['accept-language']}`).title, CYRILLIC);
    }
    for (const h of [{ 'accept-language': 'en' }, { 'accept-language': 'en-US,en;q=0.9' }, { 'accept-language': 'de-DE, en;q=0.5' }]) {
      const r = await req(h);
      const p = assertProblem(r, status(r), code, `${code} ${h['accept-language']}`);
      assert.equal(p.title, english, `${code} in English for "${h['accept-language']}"`);
      assert.doesNotMatch(p.title, CYRILLIC);
    }
  }
  const byQuery = assertProblem(await send({ url: '/api/v1/nope?lang=en', headers: auth }), 404, 'ROUTE_NOT_FOUND', '?lang=en');
  assert.equal(byQuery.title, 'No such endpoint');
});

// --- Known product bugs: these assert the promised behaviour and fail until src/ is fixed. ---

test('a malformed or over-long URL is still a problem+json answer', async () => {
  const cases: [string, string, number][] = [
    ['GET', '/api/v1/subscribers/%ED%A0%80/balance', 400], // a lone surrogate, percent-encoded
    ['DELETE', '/api/v1/subscribers/me/products/%ED%A0%80', 400],
    ['GET', '/api/v1/subscribers/%E0%A4%A/balance', 400], // a broken percent escape
    ['GET', `/api/v1/subscribers/${'9'.repeat(10 * 1024)}/balance`, 414], // 10 KB number in the path
    ['DELETE', `/api/v1/subscribers/me/products/${'x'.repeat(10 * 1024)}`, 414],
  ];
  const failures: string[] = [];
  for (const [method, url, status] of cases) {
    const res = await send({ method: method as 'GET', url, headers: auth });
    try {
      assertProblem(res, status, null, `${method} ${url.slice(0, 60)}`);
      assert.ok(res.body.length < 2000, 'the answer does not echo a 10 KB URL');
    } catch (e) {
      failures.push(`${method} ${url.slice(0, 60)} → ${res.statusCode} ${String(res.headers['content-type'])} ${res.body.slice(0, 120)} (${(e as Error).message.split('\n')[0]})`);
    }
  }
  assert.deepEqual(failures, []);
});

test('a NUL character or a lone surrogate in a text field is refused as bad input, not a 500', async () => {
  const cases: [string, () => Promise<LightMyRequestResponse>][] = [
    ['POST products ringback\\0', () => json('POST', '/api/v1/subscribers/me/products', { productCode: 'ringback\u0000' })],
    ['POST products \\0', () => json('POST', '/api/v1/subscribers/me/products', { productCode: '\u0000' })],
    ['PUT tariff basic\\0', () => json('PUT', '/api/v1/subscribers/me/tariff', { tariffCode: 'basic\u0000' })],
    ['GET quote basic%00', () => send({ url: '/api/v1/subscribers/me/tariff/quote?tariffCode=basic%00', headers: auth })],
    ['business login', () => json('POST', '/api/v1/auth/business/login', { email: 'boss\u0000@x.example', password: 'x' }, { authorization: '' })],
    ['business verify', () => json('POST', '/api/v1/auth/business/verify', { email: 'boss\u0000@x.example', challenge: '1.x', code: '123456' }, { authorization: '' })],
    ['staff login', () => json('POST', '/api/v1/auth/staff/login', { email: 'ops\u0000@x.example', password: 'x' }, { authorization: '' })],
    ['installment device "Phone\\0"', () => json('POST', '/api/v1/subscribers/me/installments', { deviceName: 'Phone\u0000', total: 12_000, months: 12 })],
    ['installment device "Phone\\ud800"', () => json('POST', '/api/v1/subscribers/me/installments', { deviceName: 'Phone \ud800', total: 12_000, months: 12 })],
  ];
  const failures: string[] = [];
  for (const [label, req] of cases) {
    const res = await req();
    if (res.statusCode < 400 || res.statusCode >= 500) failures.push(`${label} → ${res.statusCode} ${res.body.slice(0, 120)}`);
    else assertProblem(res, res.statusCode, null, label);
  }
  assert.deepEqual(failures, []);
});

test('a refused write is audited even when the input holds NUL or a lone surrogate', async () => {
  const attempts: [string, LightMyRequestResponse][] = [
    ['POST products "\\ud800"', await json('POST', '/api/v1/subscribers/me/products', { productCode: '\ud800' })],
    ['PUT tariff "\\udc00x"', await json('PUT', '/api/v1/subscribers/me/tariff', { tariffCode: '\udc00x' })],
    ['DELETE products/a%00b', await send({ method: 'DELETE', url: '/api/v1/subscribers/me/products/a%00b', headers: auth })],
    ['POST bonus/exchange "sms_100\\0"', await json('POST', '/api/v1/subscribers/me/bonus/exchange', { rewardCode: 'sms_100\u0000' })],
  ];
  // A request the route's schema turns away (400 with `errors`) never reaches a use case; every
  // other refusal is the use case's own and must be in the audit log.
  const refusedByUseCase = attempts.filter(([label, r]) => assertProblem(r, r.statusCode, null, label).errors === undefined);
  const ids = refusedByUseCase.map(([label, r]) => [label, String(r.headers['x-request-id'])] as const);
  const audited = await core.db.query<{ request_id: string }>("SELECT request_id FROM audit_event WHERE outcome = 'refused' AND request_id = ANY($1::text[])", [ids.map(([, id]) => id)]);
  const missing = ids.filter(([, id]) => !audited.some((r) => r.request_id === id)).map(([label]) => label);
  assert.deepEqual(missing, [], 'refusals missing from the audit log');
});

test('after all of it, nothing was written: ledger entries, product instances, subscribers and every other account table unchanged', async () => {
  assert.deepEqual(await counts(), countsBefore);
});
