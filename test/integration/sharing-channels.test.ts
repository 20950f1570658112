import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { handleMo } from '../../src/channels/sms/handle-mo.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { statePrice } from '../../src/text/price.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { ledgerSum, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { handset } from '../helpers/ussd.ts';

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

const GB = 1024 ** 3;

async function login() {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  return { ...s, auth: { authorization: `Bearer ${res.json<{ token: string }>().token}` } };
}

async function gifts(s: { accountId: number; subscriberId: number }, unit: 'bytes' | 'seconds') {
  const [r] = await core.db.query<{ n: number }>(
    `SELECT COALESCE(SUM(included - used), 0)::bigint AS n FROM quota WHERE account_id = $1 AND subscriber_id = $2 AND unit = $3 AND source LIKE 'gift:%' AND period_end > $4`,
    [s.accountId, s.subscriberId, unit, core.clock.now()],
  );
  return Number(r!.n);
}

let n = 0;
async function sms(from: string, text: string): Promise<string> {
  n += 1;
  // Past the per-number reply rate limit: each message a minute after the last.
  env.clock.advance(60_000);
  await handleMo(core, { from, to: '8111', text, smscId: `share-${n}`, gateway: 'test' }, `req-share-${n}`);
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND short_code = '8111' ORDER BY id DESC LIMIT 1", [from]);
  return rows[0]!.text;
}

test('web and app API: the offer with kinds, bounds, fee and limits; a transfer; the history on both sides; a bad request in both languages', async () => {
  const giver = await login();
  const friend = await login();
  const offer = await app.inject({ url: '/api/v1/subscribers/me/sharing', headers: giver.auth });
  assert.equal(offer.statusCode, 200);
  const o = offer.json();
  assert.equal(o.available, true);
  assert.deepEqual(o.confirmation, { kind: 'explicit' });
  const fee = { price: 1000, period: 'once' as const, connectionFee: 0, commission: 0, chargedToday: 1000 };
  assert.deepEqual(o.kinds[0], { kind: 'data', min: 1, max: 30, fee: 1000, available: 15, facts: fee, statement: { ru: statePrice(fee, 'ru'), en: statePrice(fee, 'en') } });
  assert.equal(statePrice(fee, 'ru'), '10\u00a0₽ разово');
  assert.equal(o.validDays, 7);

  const made = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/sharing', headers: { ...giver.auth, 'x-client': 'app', 'idempotency-key': 'gift-1' }, payload: { kind: 'data', amount: 2, to: friend.msisdn } });
  assert.equal(made.statusCode, 201, made.body);
  const again = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/sharing', headers: { ...giver.auth, 'x-client': 'app', 'idempotency-key': 'gift-1' }, payload: { kind: 'data', amount: 2, to: friend.msisdn } });
  assert.deepEqual(again.json(), made.json(), 'a repeat of the key gets the first transfer, not a second one');
  assert.equal(await gifts(friend, 'bytes'), 2 * GB);
  assert.equal((await ledgerSum(core, giver.accountId)).balance, 100_000 - 1000);
  const audit = await core.db.query<{ channel: string }>(`SELECT channel FROM audit_event WHERE action = 'share.give' AND subscriber_id = $1 AND outcome = 'ok'`, [giver.subscriberId]);
  assert.deepEqual(audit.map((a) => a.channel), ['app']);

  const theirs = (await app.inject({ url: '/api/v1/subscribers/me/sharing', headers: friend.auth })).json();
  assert.deepEqual(theirs.history.map((h: { direction: string; counterpart: string; amount: number }) => [h.direction, h.counterpart, h.amount]), [['received', giver.msisdn, 2]]);
  // Nobody sees another number's transfers.
  const peek = await app.inject({ url: `/api/v1/subscribers/${giver.msisdn}/sharing`, headers: friend.auth });
  assert.equal(peek.statusCode, 404);

  const tooMuch = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/sharing?lang=en', headers: giver.auth, payload: { kind: 'data', amount: 40, to: friend.msisdn } });
  assert.equal(tooMuch.statusCode, 422);
  assert.equal(tooMuch.json().code, 'SHARE_AMOUNT_NOT_ALLOWED');
  assert.match(tooMuch.body, /You can give from 1\u00a0GB to 30\u00a0GB/);
  const ru = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/sharing', headers: giver.auth, payload: { kind: 'data', amount: 1, to: '79990000000' } });
  assert.equal(ru.statusCode, 409);
  assert.match(ru.body, /Получатель должен быть абонентом нашего оператора/);
  const bad = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/sharing', headers: giver.auth, payload: { kind: 'data', amount: 'много', to: friend.msisdn } });
  assert.equal(bad.statusCode, 400);
});

test('USSD: *111*974*N*79XXXXXXXXX# states the fee and the gift’s days, gives only after "1"; asks what is missing; refusals in words', async () => {
  const giver = await makeSubscriber(core);
  const friend = await makeSubscriber(core, { tariffCode: 'basic' });
  const h = handset(app, giver.msisdn);
  const q = await h.dial(`*111*974*3*${friend.msisdn}#`);
  assert.equal(q.end, false);
  assert.match(q.text, /Подарить 3\u00a0ГБ на \+7 955/);
  assert.equal(await gifts(friend, 'bytes'), 0, 'nothing given before the confirmation');
  let page = q;
  while (!/1 Подтвердить/.test(page.text)) page = await h.send('00');
  const done = await h.send('1');
  assert.equal(done.end, true);
  assert.match(done.text, /Подарено 3\u00a0ГБ на \+7 955/);
  assert.equal(await gifts(friend, 'bytes'), 3 * GB);

  // Minutes, with the number typed at the prompt.
  const h2 = handset(app, giver.msisdn);
  assert.match((await h2.dial('*111*975*20#')).text, /Номер получателя/);
  page = await h2.send(friend.msisdn);
  assert.match(page.text, /Подарить 20\u00a0минут/);
  while (!/1 Подтвердить/.test(page.text)) page = await h2.send('00');
  assert.match((await h2.send('1')).text, /Подарено 20\u00a0минут/);
  assert.equal(await gifts(friend, 'seconds'), 20 * 60);

  // The recipient's tariff does not allow giving: the registry's reason, in words.
  const refused = await handset(app, friend.msisdn).dial(`*111*974*1*${giver.msisdn}#`);
  assert.match(refused.text, /На вашем тарифе делиться пакетом нельзя/);
  const over = await handset(app, giver.msisdn).dial(`*111*974*31*${friend.msisdn}#`);
  assert.match(over.text, /Можно подарить от 1\u00a0ГБ до 30\u00a0ГБ/);
  // Latin script: transliterated.
  await updatePreferences(core, subscriberCtx(giver.subscriberId), { msisdn: 'me', script: 'latin' });
  const latin = handset(app, giver.msisdn, { latin: true });
  assert.match((await latin.dial('*111*974#')).text, /Skolko podarit/);
});

test('SMS: ПОДАРИ 3 ГБ <number> states the fee and waits for ДА; GIFT in English; a later paid offer replaces it', async () => {
  const giver = await makeSubscriber(core);
  const friend = await makeSubscriber(core);
  const offer = await sms(giver.msisdn, `подари 3 гб 8${friend.msisdn.slice(1)}`);
  assert.match(offer, /Подарить 3\u00a0ГБ на \+7 955.*: 10\u00a0₽ разово\. Подарок действует 7\u00a0дней\. Чтобы подарить, ответьте ДА в течение 10\u00a0минут\./);
  assert.equal(await gifts(friend, 'bytes'), 0);
  const yes = await sms(giver.msisdn, 'ДА');
  assert.match(yes, /Подарено 3\u00a0ГБ на \+7 955.* Списано 10,00\u00a0₽/);
  assert.equal(await gifts(friend, 'bytes'), 3 * GB);
  assert.match(await sms(giver.msisdn, 'да'), /Нет запроса/);

  await updatePreferences(core, subscriberCtx(giver.subscriberId), { msisdn: 'me', language: 'en' });
  assert.match(await sms(giver.msisdn, `GIFT 20MIN ${friend.msisdn}`), /Reply YES within 10\u00a0minutes to give it/);
  // A paid connection offered after it is what YES confirms now.
  assert.match(await sms(giver.msisdn, 'GUDOK'), /Reply YES/);
  assert.match(await sms(giver.msisdn, 'YES'), /Connected/);
  assert.equal(await gifts(friend, 'seconds'), 0);
  assert.match(await sms(giver.msisdn, 'GIFT 3 TB 79001234567'), /Write: GIFT 3 GB/);
  assert.match(await sms(giver.msisdn, `GIFT 99 GB ${friend.msisdn}`), /You can give from 1\u00a0GB to 30\u00a0GB/);
});
