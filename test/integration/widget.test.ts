import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { earnPoints } from '../../src/domain/bonus/earn-points.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import type { Core } from '../../src/domain/core.ts';
import { formatMoney } from '../../src/domain/shared/money.ts';
import { createWidgetToken, WIDGET_TOKENS_MAX } from '../../src/domain/widget/create-widget-token.ts';
import { ctxAs, makeSubscriber, refusal, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
type Sub = Awaited<ReturnType<typeof makeSubscriber>> & { token: string };
let a: Sub;
let b: Sub;

async function withSession(s: Awaited<ReturnType<typeof makeSubscriber>>): Promise<Sub> {
  const { token } = await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' });
  return { ...s, token };
}

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  a = await withSession(await makeSubscriber(core, { tariffCode: 'premium', openingBalance: 123_456 }));
  b = await withSession(await makeSubscriber(core));
  await earnPoints(core.db, { pointsPerRuble: 1, expiryMonths: 12 }, { accountId: a.accountId, subscriberId: a.subscriberId, spent: 4_321_00, at: core.clock.now() });
});
after(async () => {
  await app?.close();
  await env?.close();
});

interface Created {
  id: string;
  label: string;
  token: string;
  createdAt: string;
  embed: { iframe: string; script: string };
}
interface Info {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const api = (method: 'GET' | 'POST' | 'DELETE', url: string, who: { token: string } | null, payload?: object) =>
  app.inject({ method, url: `/api/v1${url}`, headers: who ? { authorization: `Bearer ${who.token}` } : {}, ...(payload ? { payload } : {}) });
const card = (token: string, extra = '', headers: Record<string, string> = {}) => app.inject({ url: `/widget/card?token=${encodeURIComponent(token)}${extra}`, headers });

function problem(res: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(res.statusCode, status, res.body.slice(0, 300));
  assert.equal(res.json<{ code: string }>().code, code);
}

async function make(s: Sub, label = 'Мой блог'): Promise<Created> {
  const res = await api('POST', '/subscribers/me/widget-tokens', s, { label });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<Created>();
}

test('a token is shown once with its embed code, listed without the secret, and stored only as a keyed hash', async () => {
  const made = await make(a);
  assert.match(made.token, /^wgt_[A-Za-z0-9_-]{43}$/);
  assert.equal(made.label, 'Мой блог');
  assert.match(made.embed.iframe, new RegExp(`^<iframe src="http://localhost(:80)?/widget/card\\?token=${made.token}" width="320" height="180" `));
  assert.match(made.embed.script, new RegExp(`^<script src="[^"]+/widget\\.js" data-token="${made.token}" async></script>$`));

  const list = await api('GET', '/subscribers/me/widget-tokens', a);
  assert.equal(list.statusCode, 200);
  const items = list.json<{ items: Info[] }>().items;
  assert.deepEqual(items.find((i) => i.id === made.id), { id: made.id, label: 'Мой блог', createdAt: made.createdAt, lastUsedAt: null, revokedAt: null });
  assert.ok(!list.body.includes(made.token));

  const stored = await core.db.query<{ r: string }>('SELECT to_jsonb(w)::text AS r FROM widget_token w WHERE id = $1', [Number(made.id)]);
  assert.equal(stored.length, 1);
  assert.ok(!stored[0]!.r.includes(made.token) && !stored[0]!.r.includes(made.token.slice(4)), 'the token itself is nowhere in the row');
  const audit = await core.db.query<{ r: string }>("SELECT details::text AS r FROM audit_event WHERE action = 'widget.token_create' AND subscriber_id = $1", [a.subscriberId]);
  assert.equal(audit.length, 1);
  assert.ok(!audit[0]!.r.includes(made.token.slice(4)), 'nor in the audit log');
});

test('the card shows balance with its time, bonus points and tariff, the number masked, and nothing else', async () => {
  const made = await make(a);
  const res = await card(made.token);
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  const html = res.body;
  assert.ok(html.includes(formatMoney(123_456, 'ru')), 'balance');
  assert.ok(html.includes('4\u00a0321') || html.includes('4 321'), `points in ${html}`);
  assert.ok(html.includes('Премиум'), 'tariff name');
  assert.ok(html.includes(`datetime="${core.clock.now().toISOString()}"`), 'as of');
  assert.ok(html.includes(`+7 *** ***-**-${a.msisdn.slice(-2)}`), 'masked number');
  assert.ok(!html.includes(a.msisdn) && !html.includes(a.msisdn.slice(1)) && !html.includes(a.msisdn.slice(-7)), 'no full number');
  // Everything a reader can see, in order: exactly these pieces and nothing more.
  const visible = html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<title>[\s\S]*?<\/title>/, '')
    .replace(/<[^>]+>/g, '\n')
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);
  assert.deepEqual(visible.map((x) => x.replace(/\d{2}\.\d{2}, \d{2}:\d{2}/, 'TIME')), [
    `+7 *** ***-**-${a.msisdn.slice(-2)}`,
    'Баланс',
    formatMoney(123_456, 'ru'),
    'на',
    'TIME',
    'МСК',
    'Бонусные баллы',
    '4\u00a0321',
    'Тариф',
    'Премиум',
  ]);
  // The title says the balance too; attributes carry no data but the time.
  assert.match(html, new RegExp(`<title>Баланс: ${formatMoney(123_456, 'ru')}</title>`));
  const attributes = [...html.matchAll(/\s([a-z-]+)="([^"]*)"/g)].map((m) => `${m[1]}=${m[2]}`);
  assert.deepEqual(attributes.filter((x) => !/^(lang|charset|name|content|class|style)=/.test(x)), [`datetime=${core.clock.now().toISOString()}`]);
  assert.equal(res.headers['set-cookie'], undefined);
  assert.equal(res.headers['x-frame-options'], undefined);
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /frame-ancestors \*/);
  assert.match(csp, /default-src 'none'/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');

  const en = await card(made.token, '&lang=en');
  assert.ok(en.body.includes('Balance') && en.body.includes(formatMoney(123_456, 'en')) && en.body.includes('Premium'));
  assert.match(en.body, /<html lang="en">/);

  // A session cookie sent along is ignored: the card is the same and no cookie comes back.
  const withCookie = await card(made.token, '', { cookie: `abonent_session=${a.token}` });
  assert.equal(withCookie.body.replace(/datetime="[^"]+"/, ''), html.replace(/datetime="[^"]+"/, ''));
  assert.equal(withCookie.headers['set-cookie'], undefined);

  const used = (await api('GET', '/subscribers/me/widget-tokens', a)).json<{ items: Info[] }>().items.find((i) => i.id === made.id)!;
  assert.equal(used.lastUsedAt, core.clock.now().toISOString());
});

test('the card tells the time of the subscriber’s own region, named against Moscow', async () => {
  // 09:00 UTC: 12:00 in Moscow, 19:00 in Vladivostok (UTC+10), 11:00 in Kaliningrad (UTC+2).
  const at = core.clock.now();
  assert.equal(at.toISOString(), '2026-03-10T09:00:00.000Z');
  for (const [region, time, ru, en] of [
    ['25', '19:00', 'МСК+7', 'MSK+7'],
    ['39', '11:00', 'МСК−1', 'MSK−1'],
    ['77', '12:00', 'МСК', 'MSK'],
  ] as const) {
    const s = await withSession(await makeSubscriber(core, { regionCode: region }));
    const made = await make(s, `Регион ${region}`);
    const html = (await card(made.token)).body;
    assert.ok(html.includes(`>10.03, ${time}</time> ${ru}</div>`), `${region} in Russian`);
    const english = (await card(made.token, '&lang=en')).body;
    assert.ok(english.includes(`>10/03, ${time}</time> ${en}</div>`), `${region} in English`);
  }
});

test('a widget token is no key to the API: as bearer or cookie it is anonymous', async () => {
  const made = await make(a);
  for (const headers of [{ authorization: `Bearer ${made.token}` }, { cookie: `abonent_session=${made.token}` }]) {
    for (const url of ['/api/v1/subscribers/me/balance', `/api/v1/subscribers/${a.msisdn}`, '/api/v1/subscribers/me/widget-tokens']) {
      const res = await app.inject({ url, headers });
      assert.equal(res.statusCode, 401, `${url}: ${res.body}`);
    }
    assert.equal((await app.inject({ url: '/api/v1/auth/whoami', headers })).json<{ kind: string }>().kind, 'anonymous');
  }
});

test('a revoked token shows the same "switched off" card as one that never existed', async () => {
  const made = await make(a, 'Старый сайт');
  assert.equal((await card(made.token)).statusCode, 200);
  const revoked = await api('DELETE', `/subscribers/me/widget-tokens/${made.id}`, a);
  assert.equal(revoked.statusCode, 204, revoked.body);
  const off = await card(made.token);
  assert.equal(off.statusCode, 404);
  assert.match(String(off.headers['content-type']), /^text\/html/);
  assert.ok(off.body.includes('Виджет отключён'));
  assert.ok(!off.body.includes(formatMoney(123_456, 'ru')));
  const unknown = await card(`wgt_${'A'.repeat(43)}`);
  const malformed = await card('nonsense');
  const missing = await app.inject({ url: '/widget/card' });
  for (const other of [unknown, malformed, missing]) {
    assert.equal(other.statusCode, 404);
    assert.equal(other.body, off.body);
  }
  assert.ok((await card('x', '&lang=en')).body.includes('Widget switched off'));
  // Revoking again is fine; the list shows when.
  assert.equal((await api('DELETE', `/subscribers/me/widget-tokens/${made.id}`, a)).statusCode, 204);
  const info = (await api('GET', '/subscribers/me/widget-tokens', a)).json<{ items: Info[] }>().items.find((i) => i.id === made.id)!;
  assert.equal(info.revokedAt, core.clock.now().toISOString());
  const audit = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'widget.token_revoke' AND details->>'tokenId' = $1", [made.id]);
  assert.equal(audit[0]!.n, 1);
});

test("another subscriber can neither list nor revoke A's tokens", async () => {
  const made = await make(a, 'Чужой');
  problem(await api('GET', `/subscribers/${a.msisdn}/widget-tokens`, b), 404, 'SUBSCRIBER_NOT_FOUND');
  problem(await api('DELETE', `/subscribers/${a.msisdn}/widget-tokens/${made.id}`, b), 404, 'SUBSCRIBER_NOT_FOUND');
  problem(await api('DELETE', `/subscribers/me/widget-tokens/${made.id}`, b), 404, 'NOT_FOUND');
  problem(await api('POST', `/subscribers/${a.msisdn}/widget-tokens`, b, { label: 'x' }), 404, 'SUBSCRIBER_NOT_FOUND');
  assert.ok(!(await api('GET', '/subscribers/me/widget-tokens', b)).json<{ items: Info[] }>().items.some((i) => i.id === made.id));
  assert.equal((await card(made.token)).statusCode, 200, 'still works');
});

test('only the subscriber makes tokens; labels are checked; a number holds at most a few live ones', async () => {
  const s = await withSession(await makeSubscriber(core));
  const staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('w@test.example', 'W', 'x') RETURNING id"))[0]!.id;
  await assert.rejects(createWidgetToken(core, ctxAs({ kind: 'staff', staffId }), { msisdn: s.msisdn, label: 'x' }), refusal('FORBIDDEN'));
  problem(await api('POST', '/subscribers/me/widget-tokens', s, { label: '' }), 400, 'VALIDATION');
  problem(await api('POST', '/subscribers/me/widget-tokens', s, { label: 'tab\u0009label' }), 400, 'VALIDATION');
  problem(await api('POST', '/subscribers/me/widget-tokens', s, { label: 'x'.repeat(101) }), 400, 'VALIDATION');
  const made: Created[] = [];
  for (let i = 0; i < WIDGET_TOKENS_MAX; i++) made.push(await make(s, `w${i}`));
  problem(await api('POST', '/subscribers/me/widget-tokens', s, { label: 'one too many' }), 409, 'CONFLICT');
  assert.equal((await api('DELETE', `/subscribers/me/widget-tokens/${made[0]!.id}`, s)).statusCode, 204);
  await createWidgetToken(core, subscriberCtx(s.subscriberId), { msisdn: 'me', label: 'after a revoke' });
});

test('widget.js inserts the card next to its own script tag', async () => {
  const res = await app.inject({ url: '/widget.js' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/javascript/);
  assert.equal(res.headers['set-cookie'], undefined);
  const js = res.body;
  assert.equal(js.trim().split('\n').length, 1, 'one line');
  assert.ok(js.includes('document.currentScript') && js.includes('data-token') && js.includes('/widget/card') && js.includes('insertBefore'));
  // Run it against a minimal document: it must put an iframe with the token right after the script.
  const inserted: { src?: string; width?: string }[] = [];
  const script = {
    src: 'https://operator.example/widget.js',
    getAttribute: (n: string) => (n === 'data-token' ? 'wgt_abc' : n === 'data-lang' ? 'en' : null),
    nextSibling: 'NEXT',
    parentNode: { insertBefore: (el: { src?: string }, ref: unknown) => { assert.equal(ref, 'NEXT'); inserted.push(el); } },
  };
  const el: Record<string, unknown> = { style: {}, setAttribute: (k: string, v: string) => { el[k] = v; } };
  new Function('document', 'URL', js)({ currentScript: script, createElement: (t: string) => (assert.equal(t, 'iframe'), el) }, URL);
  assert.equal(inserted.length, 1);
  assert.equal(inserted[0]!.src, 'https://operator.example/widget/card?token=wgt_abc&lang=en');
});
