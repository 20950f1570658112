import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { handleMo } from '../../src/channels/sms/handle-mo.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import type { Core } from '../../src/domain/core.ts';
import { LOCATES_PER_TARGET_HOUR } from '../../src/domain/locator/locate.ts';
import { formatMsisdn } from '../../src/domain/shared/msisdn.ts';
import { makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * The friend locator on the demo's location service: the CAMARA adapter against the in-process
 * sandbox (cells of the subscriber's region), consents by SMS and by the app, child numbers,
 * rate limits and the audit on both sides.
 */
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

interface Sub {
  msisdn: string;
  subscriberId: number;
  customerId: number;
  auth: Record<string, string>;
}

async function subscriber(input: Parameters<typeof makeSubscriber>[1] = {}): Promise<Sub> {
  const s = await makeSubscriber(core, input);
  const session = await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'password' });
  return { ...s, auth: { authorization: `Bearer ${session.token}` } };
}

let n = 0;
async function sms(from: string, text: string): Promise<string> {
  n += 1;
  await handleMo(core, { from, to: '8111', text, smscId: `loc-${n}`, gateway: 'test' }, `req-loc-${n}`);
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND short_code = '8111' ORDER BY id DESC LIMIT 1", [from]);
  return rows[0]?.text ?? '';
}

async function lastNotice(msisdn: string): Promise<string> {
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id DESC LIMIT 1", [msisdn]);
  return rows[0]?.text ?? '';
}

const locate = (a: Sub, target: string, lang = 'ru') => app.inject({ method: 'POST', url: '/api/v1/subscribers/me/locator/locate', headers: { ...a.auth, 'accept-language': lang }, payload: { target } });
const ask = (a: Sub, target: string) => app.inject({ method: 'POST', url: '/api/v1/subscribers/me/locator/consents', headers: a.auth, payload: { target } });
const overview = async (a: Sub) =>
  (await app.inject({ url: '/api/v1/subscribers/me/locator', headers: a.auth })).json<{
    asked: { msisdn: string; status: string }[];
    given: { msisdn: string; status: string; child: boolean }[];
    locatedBy: { msisdn: string; outcome: string }[];
  }>();

test('consent by SMS: no location before it; ДА lets the asker see the area, the time and the nearest locality', async () => {
  const a = await subscriber();
  const b = await subscriber({ regionCode: '78' });
  const before = await locate(a, b.msisdn);
  assert.equal(before.statusCode, 403);
  assert.equal(before.json<{ code: string }>().code, 'LOCATOR_NO_CONSENT');
  assert.match(before.json<{ title: string }>().title, /Нет согласия абонента/);

  assert.deepEqual((await ask(a, b.msisdn)).json(), { status: 'pending' });
  assert.match(await lastNotice(b.msisdn), new RegExp(`Абонент \\${formatMsisdn(a.msisdn)} просит разрешения.*Ответьте ДА`));
  const pending = await locate(a, b.msisdn);
  assert.match(pending.json<{ title: string }>().title, /ещё не ответил/);

  assert.match(await sms(b.msisdn, 'да'), new RegExp(`\\${formatMsisdn(a.msisdn)} теперь может видеть`));
  assert.match(await lastNotice(a.msisdn), new RegExp(`\\${formatMsisdn(b.msisdn)} разрешил.*ГДЕ ${b.msisdn}`));

  const res = await locate(a, b.msisdn);
  assert.equal(res.statusCode, 200, res.body);
  const loc = res.json<{ radius: number; fixAt: string; locality: { ru: string }; words: { ru: string; en: string }; area: { areaType: string } }>();
  assert.ok(['Санкт-Петербург', 'Пушкин', 'Колпино'].includes(loc.locality.ru), loc.locality.ru);
  assert.ok(loc.radius > 0);
  assert.ok(Date.parse(loc.fixAt) <= core.clock.now().getTime());
  assert.match(loc.words.ru, new RegExp(`^\\${formatMsisdn(b.msisdn)}: .*${loc.locality.ru}.*в пределах .*, на \\d\\d\\.\\d\\d, \\d\\d:\\d\\d\\.$`));
  assert.match(loc.words.en, /within .* as of/);

  assert.equal(res.json<{ charged: number }>().charged, 500);

  // The same by SMS: ГДЕ <number> states the price of a request and waits for ДА.
  const offered = await sms(a.msisdn, `где ${b.msisdn}`);
  assert.match(offered, new RegExp(`^Определить, где \\${formatMsisdn(b.msisdn)}: 5\\s₽ разово\\. Чтобы узнать, ответьте ДА в течение 10\\sминут\\.$`));
  const bySms = await sms(a.msisdn, 'ДА');
  assert.ok(bySms.startsWith(loc.words.ru.replace(/на .*$/, '')), bySms);
  assert.match(bySms, /Списано 5,00\s₽\.$/);

  // The located number sees who located it; both sides' audit has each request.
  const seen = await overview(b);
  assert.deepEqual(seen.given.map((g) => [g.msisdn, g.status]), [[a.msisdn, 'granted']]);
  assert.equal(seen.locatedBy.filter((x) => x.msisdn === a.msisdn && x.outcome === 'located').length, 2);
  const audit = await core.db.query<{ subscriber_id: number; n: number }>(
    "SELECT subscriber_id, count(*)::int AS n FROM audit_event WHERE action = 'locator.located' AND subscriber_id = ANY($1::bigint[]) GROUP BY subscriber_id",
    [[a.subscriberId, b.subscriberId]],
  );
  assert.deepEqual(new Map(audit.map((r) => [Number(r.subscriber_id), r.n])), new Map([[a.subscriberId, 2], [b.subscriberId, 2]]));
});

test('НЕТ refuses; consent given in the app can be revoked at any time', async () => {
  const a = await subscriber();
  const b = await subscriber();
  await ask(a, b.msisdn);
  assert.match(await sms(b.msisdn, 'НЕТ'), new RegExp(`Вы отказали абоненту ${a.msisdn}`));
  assert.match((await locate(a, b.msisdn)).json<{ title: string }>().title, /не разрешил/);
  assert.match(await lastNotice(a.msisdn), /не разрешил/);

  const c = await subscriber();
  await ask(c, b.msisdn);
  const answered = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/locator/consents/answer', headers: b.auth, payload: { requester: c.msisdn, answer: 'yes' } });
  assert.deepEqual(answered.json(), { answered: { requester: c.msisdn, status: 'granted' } });
  assert.equal((await locate(c, b.msisdn)).statusCode, 200);
  const revoked = await app.inject({ method: 'DELETE', url: `/api/v1/subscribers/me/locator/consents/${c.msisdn}`, headers: b.auth });
  assert.deepEqual(revoked.json(), { revoked: true });
  const after = await locate(c, b.msisdn);
  assert.equal(after.statusCode, 403);
  assert.equal(after.json<{ state: string }>().state, 'revoked');
  // Nothing waits any more: a later ДА connects nothing and grants nothing.
  assert.match(await sms(b.msisdn, 'ДА'), /Нет запроса/);
});

test('a child number on the parent’s account is under permanent consent the child cannot revoke; a stranger’s number cannot be made a child', async () => {
  const parent = await subscriber();
  const child = await subscriber({ customerId: parent.customerId });
  const stranger = await subscriber();
  const refused = await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/locator/children/${stranger.msisdn}`, headers: parent.auth, payload: { on: true } });
  assert.equal(refused.statusCode, 403);
  const set = await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/locator/children/${child.msisdn}`, headers: parent.auth, payload: { on: true } });
  assert.deepEqual(set.json(), { child: child.msisdn, on: true });
  assert.equal((await locate(parent, child.msisdn)).statusCode, 200);
  const tryRevoke = await app.inject({ method: 'DELETE', url: `/api/v1/subscribers/me/locator/consents/${parent.msisdn}`, headers: child.auth });
  assert.equal(tryRevoke.statusCode, 403);
  assert.deepEqual((await overview(child)).given.map((g) => [g.msisdn, g.child]), [[parent.msisdn, true]]);
  await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/locator/children/${child.msisdn}`, headers: parent.auth, payload: { on: false } });
  assert.equal((await locate(parent, child.msisdn)).statusCode, 403);
});

test('asking an unknown number reveals nothing; locating it is refused as without consent', async () => {
  const a = await subscriber();
  assert.deepEqual((await ask(a, '79559999999')).json(), { status: 'pending' });
  const res = await locate(a, '79559999999');
  assert.equal(res.statusCode, 403);
  assert.equal(res.json<{ code: string }>().code, 'LOCATOR_NO_CONSENT');
});

test('requests per number are rate-limited; a network failure is refused in words and kept for both sides', async () => {
  const parent = await subscriber();
  const child = await subscriber({ customerId: parent.customerId });
  await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/locator/children/${child.msisdn}`, headers: parent.auth, payload: { on: true } });
  for (let i = 0; i < LOCATES_PER_TARGET_HOUR; i++) assert.equal((await locate(parent, child.msisdn)).statusCode, 200);
  const limited = await locate(parent, child.msisdn);
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json<{ code: string }>().code, 'RATE_LIMITED');
  env.clock.advance(3601_000);
  assert.equal((await locate(parent, child.msisdn)).statusCode, 200);

  // A region the sandbox network has no cells in: the network cannot locate the phone.
  const far = await subscriber({ customerId: parent.customerId, regionCode: '87' });
  await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/locator/children/${far.msisdn}`, headers: parent.auth, payload: { on: true } });
  const failed = await locate(parent, far.msisdn, 'en');
  assert.equal(failed.statusCode, 422);
  assert.equal(failed.json<{ code: string }>().code, 'LOCATION_UNAVAILABLE');
  assert.equal(failed.json<{ title: string }>().title, 'The location could not be found. Please try again later.');
  assert.deepEqual((await overview(far)).locatedBy.map((x) => x.outcome), ['failed']);
  const audit = await core.db.query<{ subscriber_id: number }>("SELECT subscriber_id FROM audit_event WHERE action = 'locator.located' AND outcome = 'failed' AND (subscriber_id = $1 OR subscriber_id = $2)", [parent.subscriberId, far.subscriberId]);
  assert.equal(audit.length, 2);
});

test('USSD *788#: the number typed, the answer in words (Latin script too); no consent is told so', async () => {
  const { handset } = await import('../helpers/ussd.ts');
  const parent = await subscriber();
  const child = await subscriber({ customerId: parent.customerId, regionCode: '16' });
  await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/locator/children/${child.msisdn}`, headers: parent.auth, payload: { on: true } });
  const phone = handset(app, parent.msisdn);
  assert.match((await phone.dial('*788#')).text, /Где друг: введите его номер/);
  assert.match((await phone.send(child.msisdn)).text, new RegExp(`Определить, где ${child.msisdn}\\? Запрос: 5\\s₽ разово`));
  const answer = await phone.send('1');
  assert.equal(answer.end, true, answer.text);
  assert.match(answer.text, new RegExp(`^Списано 5\\s₽\\. \\${formatMsisdn(child.msisdn)}: .*(Казань|Зеленодольск)`));
  // A session that reads Latin gets the same answer transliterated, GSM-7 clean.
  await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/preferences', headers: parent.auth, payload: { script: 'latin' } });
  const latin = handset(app, parent.msisdn, { latin: true });
  await latin.dial('*788#');
  assert.match((await latin.send(child.msisdn)).text, /Zapros: 5 rub razovo/);
  assert.match((await latin.send('1')).text, new RegExp(`^Spisano 5 rub\\. \\${formatMsisdn(child.msisdn)}: .*(Kazan|Zelenodolsk)`));
  await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/preferences', headers: parent.auth, payload: { script: 'cyrillic' } });
  const stranger = await subscriber();
  await phone.dial('*788#');
  assert.match((await phone.send(stranger.msisdn)).text, /Нет согласия абонента/);
});

test('pricing from the catalog: a request is charged once per key, "Локатор" includes them, refused and failed requests cost nothing, too little money is refused in words', async () => {
  const { ledgerSum } = await import('../helpers/core.ts');
  const a = await subscriber();
  const b = await subscriber();
  const far = await subscriber({ regionCode: '87' });
  const consent = async (from: Sub, to: Sub) => {
    await ask(from, to.msisdn);
    await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/locator/consents/answer', headers: to.auth, payload: { requester: from.msisdn, answer: 'yes' } });
  };
  await consent(a, b);
  await consent(a, far);
  const offer = async (who: Sub, target?: string) =>
    (await app.inject({ url: `/api/v1/subscribers/me/locator/offer${target ? `?target=${target}` : ''}`, headers: who.auth })).json<{
      available: boolean;
      refusal: { code: string } | null;
      facts: { price: number; period: string } | null;
      statement: { ru: string; en: string } | null;
      confirmation: { kind: string };
      includedIn: { code: string } | null;
    }>();
  const balance = async (s: Sub) => (await ledgerSum(core, (await core.db.query<{ account_id: number }>('SELECT account_id FROM subscriber WHERE id = $1', [s.subscriberId]))[0]!.account_id)).balance;

  // The price is stated before asking.
  const o = await offer(a, b.msisdn);
  assert.deepEqual([o.available, o.facts?.price, o.facts?.period, o.statement?.ru.replace(/\s/g, ' '), o.confirmation.kind, o.includedIn], [true, 500, 'once', '5 ₽ разово', 'explicit', null]);

  // Charged once for one key, however often it is sent; the repeat gets the first answer.
  const start = await balance(a);
  const key = { 'idempotency-key': 'loc-price-1' };
  const first = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/locator/locate', headers: { ...a.auth, ...key }, payload: { target: b.msisdn } });
  const again = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/locator/locate', headers: { ...a.auth, ...key }, payload: { target: b.msisdn } });
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(again.json(), first.json());
  assert.equal(first.json<{ charged: number }>().charged, 500);
  assert.equal(await balance(a), start - 500);
  assert.equal((await overview(b)).locatedBy.length, 1);

  // Refused (no consent) and failed (no cells in the region) requests cost nothing.
  const stranger = await subscriber();
  assert.equal((await locate(a, stranger.msisdn)).statusCode, 403);
  assert.equal((await locate(a, far.msisdn)).statusCode, 422);
  assert.equal(await balance(a), start - 500);

  // "Локатор" connected through the product rules: requests are included; disabled: priced again.
  const connected = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/products', headers: a.auth, payload: { productCode: 'friend_locator' } });
  assert.ok(connected.statusCode < 300, connected.body);
  const included = await offer(a, b.msisdn);
  assert.deepEqual([included.facts, included.includedIn?.code, included.confirmation.kind], [null, 'friend_locator', 'none']);
  const afterConnect = await balance(a);
  assert.equal(afterConnect, start - 500 - 4900);
  assert.equal((await locate(a, b.msisdn)).json<{ charged: number }>().charged, 0);
  assert.equal(await balance(a), afterConnect);
  assert.ok((await app.inject({ method: 'DELETE', url: '/api/v1/subscribers/me/products/friend_locator', headers: a.auth })).statusCode < 300);
  assert.equal((await offer(a, b.msisdn)).facts?.price, 500);

  // "Ребёнок под присмотром" includes the parent's requests for child numbers only.
  const child = await subscriber({ customerId: a.customerId });
  await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/locator/children/${child.msisdn}`, headers: a.auth, payload: { on: true } });
  await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/products', headers: a.auth, payload: { productCode: 'child_location' } });
  assert.equal((await offer(a, child.msisdn)).includedIn?.code, 'child_location');
  assert.equal((await offer(a, b.msisdn)).facts?.price, 500);

  // Too little money: refused before the network is asked, in Russian and in English, by SMS too.
  const poor = await subscriber({ openingBalance: 300 });
  await consent(poor, b);
  assert.equal((await offer(poor, b.msisdn)).refusal?.code, 'INSUFFICIENT_FUNDS');
  const ru = await locate(poor, b.msisdn);
  assert.equal(ru.json<{ code: string }>().code, 'INSUFFICIENT_FUNDS');
  assert.match(ru.json<{ title: string }>().title, /^Недостаточно средств: нужно 5,00\s₽, доступно 3,00\s₽/);
  assert.match((await locate(poor, b.msisdn, 'en')).json<{ title: string }>().title, /^Not enough money: RUB\s5\.00 needed, RUB\s3\.00 available/);
  assert.match(await sms(poor.msisdn, `ГДЕ ${b.msisdn}`), /Недостаточно средств/);
  assert.equal(await balance(poor), 300);
  assert.equal((await core.db.query('SELECT 1 FROM locator_request WHERE requester_id = $1', [poor.subscriberId])).length, 0);

  // The ledger adds up to every balance it touched.
  for (const s of [a, poor]) {
    const [acc] = await core.db.query<{ account_id: number }>('SELECT account_id FROM subscriber WHERE id = $1', [s.subscriberId]);
    const sum = await ledgerSum(core, acc!.account_id);
    assert.equal(Number(sum.sum), Number(sum.balance));
  }
});
