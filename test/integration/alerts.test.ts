import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { alertSettingsAction, perform } from '../../src/domain/actions/registry.ts';
import { listNotifications } from '../../src/domain/alerts/list-notifications.ts';
import { raiseDailyDigests, releaseDueAlerts, releaseTime } from '../../src/domain/alerts/raise-alerts.ts';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import { settlePayment } from '../../src/domain/payments/settle-payment.ts';
import { startTopUp } from '../../src/domain/payments/top-up.ts';
import type { Core } from '../../src/domain/core.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { bearerFor, ctxAs, makeSubscriber, refusal, secondCore, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

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

const op = () => ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });
let n = 0;
const call = (msisdn: string, seconds: number, r: Partial<UsageInput> = {}): UsageInput => ({
  recordId: `a-${++n}`,
  msisdn,
  kind: 'voice',
  zone: 'home',
  startedAt: env.clock.now(),
  durationSeconds: seconds,
  ...r,
});

async function alertsOf(subscriberId: number) {
  return core.db.query<{ kind: string; key: string; released: boolean; release_at: Date; text_ru: string; text_en: string }>(
    'SELECT kind, key, released_at IS NOT NULL AS released, release_at, text_ru, text_en FROM alert WHERE subscriber_id = $1 ORDER BY id',
    [subscriberId],
  );
}
async function smsTo(msisdn: string) {
  return (await core.db.query<{ text: string; kind: string }>("SELECT text, meta->>'kind' AS kind FROM sms_message WHERE msisdn = $1 AND meta->>'kind' LIKE 'alert.%' ORDER BY id", [msisdn])).map((r) => r.text);
}
async function setAlerts(subscriberId: number, msisdn: string, settings: Record<string, unknown>) {
  return perform(core, subscriberCtx(subscriberId), alertSettingsAction, 'me', settings).then((r) => (assert.equal(r.msisdn, msisdn), r));
}
/** Leaves `minutes` of the tariff's minutes this period. */
async function leaveMinutes(subscriberId: number, minutes: number) {
  await core.db.query("UPDATE quota SET used = included - $2 WHERE subscriber_id = $1 AND unit = 'seconds' AND source LIKE 'tariff:%'", [subscriberId, minutes * 60]);
}

test('package alerts fire at 80% and 100% exactly once per period, and again in the next period', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z')); // 12:00 in Moscow
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await setAlerts(s.subscriberId, s.msisdn, { package80: true, package100: true });
  // Smart has 500 minutes: 80% used is 100 left. Leave 102, then use 1 and 1.
  await leaveMinutes(s.subscriberId, 102);
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  assert.deepEqual((await alertsOf(s.subscriberId)).map((a) => a.kind), [], '101 left of 500: not yet 80%');
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  const first = await alertsOf(s.subscriberId);
  assert.deepEqual(first.map((a) => [a.kind, a.released]), [['package_80', true]]);
  assert.match(first[0]!.text_ru, /^Использовано 80% пакета «Смарт»: осталось 100\u00a0минут до 10 апреля 2026 г\.\. Добавить пакет: \*111\*2\*2# или в приложении\.$/u);
  assert.match(first[0]!.text_en, /^80% of "Smart" is used: 100\u00a0minutes left until 10 April 2026\. Add a package/);
  // More usage below 100% (97 left, then 1): nothing new.
  await ingestUsage(core, op(), [call(s.msisdn, 60), call(s.msisdn, 120)]);
  assert.equal((await alertsOf(s.subscriberId)).length, 1);
  // Use up the rest (and more): the 100% alert, once.
  await ingestUsage(core, op(), [call(s.msisdn, 96 * 60)]);
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  const second = await alertsOf(s.subscriberId);
  assert.deepEqual(second.map((a) => a.kind), ['package_80', 'package_100']);
  assert.match(second[1]!.text_ru, /израсходован: минуты дальше оплачиваются по тарифу\. Добавить пакет/u);
  assert.equal((await smsTo(s.msisdn)).length, 2, 'one SMS per alert');

  // The next billing month: the fee run grants new minutes; their thresholds fire again.
  env.clock.set(new Date('2026-04-10T09:00:00Z'));
  await runRecurringFees(core, systemCtx('test'), { now: env.clock.now() });
  await leaveMinutes(s.subscriberId, 100);
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  assert.deepEqual((await alertsOf(s.subscriberId)).map((a) => a.kind), ['package_80', 'package_100', 'package_80']);
});

test('minutes left are written with the right plural form', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  for (const [left, ru, en] of [
    [22, '21 минута', '21 minutes'],
    [2, '1 минута', '1 minute'],
    [12, '11 минут', '11 minutes'],
    [24, '23 минуты', '23 minutes'],
  ] as const) {
    const s = await makeSubscriber(core, { openingBalance: 100_000 });
    await setAlerts(s.subscriberId, s.msisdn, { package80: true });
    await leaveMinutes(s.subscriberId, left);
    await ingestUsage(core, op(), [call(s.msisdn, 60)]);
    const [a] = await alertsOf(s.subscriberId);
    assert.ok(a!.text_ru.includes(`осталось ${ru.replace(' ', '\u00a0')} до`), a!.text_ru);
    assert.ok(a!.text_en.includes(`${en.replace(' ', '\u00a0')} left`), a!.text_en);
  }
});

test('a low balance alert fires once a month per threshold, again after a top-up, from usage and from the fee run', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 10_500 });
  await setAlerts(s.subscriberId, s.msisdn, { lowBalance: 10_000 });
  await core.db.query('UPDATE quota SET used = included WHERE subscriber_id = $1', [s.subscriberId]);
  // 2 minutes at 2.50 ₽ = 5 ₽: 105 → 100 ₽, not below.
  await ingestUsage(core, op(), [call(s.msisdn, 120)]);
  assert.equal((await alertsOf(s.subscriberId)).length, 0);
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  const [a] = await alertsOf(s.subscriberId);
  assert.equal(a!.kind, 'low_balance');
  assert.equal(a!.text_ru, 'Баланс 97,50\u00a0₽ — ниже вашего порога 100\u00a0₽. Пополните баланс в приложении, чтобы связь не прервалась.');
  assert.equal(a!.text_en, 'Your balance is RUB 97.50, below your RUB 100 threshold. Top up in the app to stay connected.');
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  assert.equal((await alertsOf(s.subscriberId)).length, 1, 'once in the month');
  // A top-up of 10 ₽ (95 → 105 ₽) re-arms it: the next fall below 100 ₽ is told again, once.
  const started = await startTopUp(core, subscriberCtx(s.subscriberId, { idempotencyKey: `low-topup-${s.msisdn}` }), { msisdn: 'me', amount: 1_000 });
  const [p] = await core.db.query<{ provider_ref: string }>('SELECT provider_ref FROM payment WHERE id = $1', [started.paymentId]);
  assert.equal((await settlePayment(core, { type: 'payment.succeeded', providerRef: p!.provider_ref })).status, 'succeeded');
  await ingestUsage(core, op(), [call(s.msisdn, 120)]);
  assert.equal((await alertsOf(s.subscriberId)).length, 1, '100 ₽ is not below');
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  const [paid] = await core.db.query<{ id: number }>("SELECT id FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'payment:%'", [s.accountId]);
  const march = ['low_balance:10000:2026-03', `low_balance:10000:2026-03:p${paid!.id}`];
  assert.deepEqual((await alertsOf(s.subscriberId)).map((x) => x.key), march);
  // The monthly fee in April takes the balance lower still: a new month, a new alert, from the fee path.
  env.clock.set(new Date('2026-04-10T09:00:00Z'));
  const stats = await runRecurringFees(core, systemCtx('test'), { now: env.clock.now() });
  assert.ok(stats, 'fee run');
  const all = await alertsOf(s.subscriberId);
  assert.deepEqual(all.map((x) => x.key), [...march, 'low_balance:10000:2026-04']);
});

test('at night in the number’s region alerts wait for 09:00 local; a Vladivostok number is not woken by Moscow’s day', async () => {
  // 20:00 UTC: 23:00 in Moscow, 06:00 next day in Vladivostok.
  env.clock.set(new Date('2026-03-10T20:00:00Z'));
  const msk = await makeSubscriber(core, { openingBalance: 100_000 });
  const vvo = await makeSubscriber(core, { openingBalance: 100_000, regionCode: '25' });
  const owl = await makeSubscriber(core, { openingBalance: 100_000 });
  for (const s of [msk, vvo]) await setAlerts(s.subscriberId, s.msisdn, { package80: true });
  await setAlerts(owl.subscriberId, owl.msisdn, { package80: true, allowNight: true });
  for (const s of [msk, vvo, owl]) await leaveMinutes(s.subscriberId, 100);
  await ingestUsage(core, op(), [call(msk.msisdn, 60), call(vvo.msisdn, 60), call(owl.msisdn, 60)]);
  const [m] = await alertsOf(msk.subscriberId);
  const [v] = await alertsOf(vvo.subscriberId);
  const [o] = await alertsOf(owl.subscriberId);
  assert.deepEqual([m!.released, m!.release_at.toISOString()], [false, '2026-03-11T06:00:00.000Z'], '09:00 Moscow');
  assert.deepEqual([v!.released, v!.release_at.toISOString()], [false, '2026-03-10T23:00:00.000Z'], '09:00 Vladivostok');
  assert.equal(o!.released, true, 'the night allowed');
  assert.equal((await smsTo(owl.msisdn)).length, 1);
  assert.deepEqual([(await smsTo(msk.msisdn)).length, (await smsTo(vvo.msisdn)).length], [0, 0]);
  // Not in the app's list either until released.
  assert.deepEqual((await listNotifications(core, subscriberCtx(msk.subscriberId), { msisdn: 'me' })).items, []);

  env.clock.set(new Date('2026-03-10T22:59:00Z'));
  assert.equal(await releaseDueAlerts(core, { now: env.clock.now() }), 0);
  env.clock.set(new Date('2026-03-10T23:00:00Z'));
  assert.equal(await releaseDueAlerts(core, { now: env.clock.now() }), 1);
  assert.equal((await smsTo(vvo.msisdn)).length, 1, 'Vladivostok at its 09:00');
  assert.equal((await smsTo(msk.msisdn)).length, 0, 'Moscow still asleep (02:00)');
  env.clock.set(new Date('2026-03-11T06:00:00Z'));
  assert.equal(await releaseDueAlerts(core, { now: env.clock.now() }), 1);
  assert.equal(await releaseDueAlerts(core, { now: env.clock.now() }), 0, 'sent once');
  assert.equal((await smsTo(msk.msisdn)).length, 1);
  assert.equal((await listNotifications(core, subscriberCtx(msk.subscriberId), { msisdn: 'me' })).items.length, 1);
});

test('release times around the night bounds, per zone', () => {
  const at = (iso: string, tz: string) => releaseTime(new Date(iso), tz, false).toISOString();
  assert.equal(at('2026-03-10T05:59:59Z', 'Europe/Moscow'), '2026-03-10T06:00:00.000Z', '08:59:59 waits a second');
  assert.equal(at('2026-03-10T06:00:00Z', 'Europe/Moscow'), '2026-03-10T06:00:00.000Z', '09:00 is day');
  assert.equal(at('2026-03-10T18:59:59Z', 'Europe/Moscow'), '2026-03-10T18:59:59.000Z', '21:59:59 is day');
  assert.equal(at('2026-03-10T19:00:00Z', 'Europe/Moscow'), '2026-03-11T06:00:00.000Z', '22:00 waits for the next morning');
  assert.equal(at('2026-03-10T12:30:00Z', 'Asia/Vladivostok'), '2026-03-10T23:00:00.000Z', '22:30 in Vladivostok');
  assert.equal(at('2026-03-10T16:00:00Z', 'Asia/Kamchatka'), '2026-03-10T21:00:00.000Z', '04:00 in Kamchatka → 09:00 the same day');
});

test('concurrent batches crossing the same threshold raise it once', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const other = await secondCore(env);
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await setAlerts(s.subscriberId, s.msisdn, { package80: true, package100: true, lowBalance: 99_000 });
  await leaveMinutes(s.subscriberId, 110);
  const batches = Array.from({ length: 8 }, (_, i) => [call(s.msisdn, 20 * 60), call(s.msisdn, 60, { kind: 'sms', durationSeconds: null, recordId: `sms-${i}-${++n}` })]);
  await Promise.all(batches.map((b, i) => ingestUsage(i % 2 ? other : core, op(), b)));
  const kinds = (await alertsOf(s.subscriberId)).map((a) => a.kind).sort();
  assert.deepEqual(kinds, ['low_balance', 'package_100', 'package_80']);
  assert.equal((await smsTo(s.msisdn)).length, 3);
});

test('channel: app only sends no SMS and is listed; SMS only is not listed; no choice means no alerts', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const appOnly = await makeSubscriber(core, { openingBalance: 100_000 });
  const smsOnly = await makeSubscriber(core, { openingBalance: 100_000 });
  const none = await makeSubscriber(core, { openingBalance: 100_000 });
  await setAlerts(appOnly.subscriberId, appOnly.msisdn, { package80: true, viaSms: false });
  await setAlerts(smsOnly.subscriberId, smsOnly.msisdn, { package80: true, viaApp: false });
  for (const s of [appOnly, smsOnly, none]) await leaveMinutes(s.subscriberId, 100);
  await ingestUsage(core, op(), [call(appOnly.msisdn, 60), call(smsOnly.msisdn, 60), call(none.msisdn, 60)]);
  assert.deepEqual([(await smsTo(appOnly.msisdn)).length, (await smsTo(smsOnly.msisdn)).length, (await smsTo(none.msisdn)).length], [0, 1, 0]);
  assert.equal((await alertsOf(none.subscriberId)).length, 0);
  await assert.rejects(setAlerts(appOnly.subscriberId, appOnly.msisdn, { viaApp: false }), refusal('VALIDATION'));
});

test('daily digest: each local morning, what yesterday cost, once a day', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 100_000, regionCode: '25' });
  await setAlerts(s.subscriberId, s.msisdn, { dailyDigest: true });
  await core.db.query('UPDATE quota SET used = included WHERE subscriber_id = $1', [s.subscriberId]);
  // 19:00 Vladivostok on 10 March: 4 minutes at 2.50 ₽.
  await ingestUsage(core, op(), [call(s.msisdn, 240)]);
  // 06:00 Vladivostok on 11 March: still night there, no digest yet.
  env.clock.set(new Date('2026-03-10T20:00:00Z'));
  await raiseDailyDigests(core, { now: env.clock.now() });
  assert.equal((await alertsOf(s.subscriberId)).length, 0);
  // 09:30 there: the digest for 10 March.
  env.clock.set(new Date('2026-03-10T23:30:00Z'));
  await raiseDailyDigests(core, { now: env.clock.now() });
  await raiseDailyDigests(core, { now: new Date('2026-03-11T01:00:00Z') });
  const all = await alertsOf(s.subscriberId);
  assert.deepEqual(all.map((a) => [a.kind, a.key, a.released]), [['daily_digest', 'digest:2026-03-11', true]]);
  assert.equal(all[0]!.text_ru, 'Расходы за 10 марта 2026 г.: 10,00\u00a0₽. Баланс: 990,00\u00a0₽. Подробности — в детализации в приложении; пополнить баланс можно там же.');
  assert.equal((await smsTo(s.msisdn)).length, 1);
});

async function login(input: Parameters<typeof makeSubscriber>[1] = {}) {
  const s = await makeSubscriber(core, { openingBalance: 100_000, ...input });
  return { ...s, auth: await bearerFor(core, app, s) };
}

test('app API: read and change the settings, the notification list, bad input in both languages, nobody else’s number', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await login();
  const other = await login();
  const read = await app.inject({ url: '/api/v1/subscribers/me/alerts', headers: s.auth });
  assert.equal(read.statusCode, 200);
  assert.deepEqual(read.json(), { msisdn: s.msisdn, lowBalance: null, package80: false, package100: false, dailyDigest: false, viaSms: true, viaApp: true, allowNight: false });
  const set = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/alerts', headers: s.auth, payload: { lowBalance: 5000, package80: true, viaSms: false } });
  assert.equal(set.statusCode, 200);
  assert.deepEqual(set.json<{ lowBalance: number; package80: boolean; viaSms: boolean; viaApp: boolean }>().lowBalance, 5000);
  const bad = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/alerts', headers: s.auth, payload: { lowBalance: -1 } });
  assert.equal(bad.statusCode, 422);
  assert.deepEqual([bad.json<{ code: string }>().code, bad.json<{ title: string }>().title], ['AMOUNT_NOT_ALLOWED', 'Сумма должна быть от 0,00\u00a0₽ до 1\u00a0000\u00a0000,00\u00a0₽']);
  const badEn = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/alerts', headers: { ...s.auth, 'accept-language': 'en' }, payload: { lowBalance: 200_000_000 } });
  assert.equal(badEn.json<{ title: string }>().title, 'The amount must be between RUB 0.00 and RUB 1,000,000.00');
  const notNumber = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/alerts', headers: s.auth, payload: { lowBalance: 'сто' } });
  assert.equal(notNumber.statusCode, 400, notNumber.body);
  const nobody = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/alerts', headers: s.auth, payload: { viaApp: false } });
  assert.equal(nobody.statusCode, 400, 'SMS off and the app off: refused');
  const foreign = await app.inject({ url: `/api/v1/subscribers/${other.msisdn}/alerts`, headers: s.auth });
  assert.equal(foreign.statusCode, 404);
  const foreignSet = await app.inject({ method: 'PATCH', url: `/api/v1/subscribers/${other.msisdn}/alerts`, headers: s.auth, payload: { package80: true } });
  assert.equal(foreignSet.statusCode, 404);

  await leaveMinutes(s.subscriberId, 100);
  await ingestUsage(core, op(), [call(s.msisdn, 60)]);
  const list = await app.inject({ url: '/api/v1/subscribers/me/notifications', headers: s.auth });
  assert.equal(list.statusCode, 200);
  const items = list.json<{ items: { kind: string; text: { ru: string; en: string } }[] }>().items;
  assert.deepEqual(items.map((i) => i.kind), ['package_80']);
  assert.match(items[0]!.text.en, /^80% of "Smart" is used/);
  assert.equal((await smsTo(s.msisdn)).length, 0, 'SMS switched off');
  const theirs = await app.inject({ url: '/api/v1/subscribers/me/notifications', headers: other.auth });
  assert.deepEqual(theirs.json<{ items: unknown[] }>().items, []);
});
