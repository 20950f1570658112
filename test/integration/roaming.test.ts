import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { capsAction, connectProductAction, perform, readBalanceAction } from '../../src/domain/actions/registry.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { bearerFor, ctxAs, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { operatorAuth } from '../helpers/tmf.ts';
import { handset } from '../helpers/ussd.ts';
import { WELCOME_MAX_PARTS } from '../../src/domain/roaming/welcome-text.ts';
import { smsParts } from '../../src/text/gsm7.ts';
import { givableQuotas } from '../../src/domain/sharing/share-rules.ts';
import { createProduct } from '../../src/domain/catalog/create-product.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { isDomainError } from '../../src/domain/shared/errors.ts';

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

const welcomes = async (msisdn: string) =>
  (await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'roaming.welcome' ORDER BY id", [msisdn])).map((r) => r.text);

test('roaming: attach abroad → welcome SMS with the zone\'s prices, packages and the cap, once → roaming rated at the zone\'s prices → the cap refuses the rest → attach at home ends it', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 1_000_000 });
  await perform(core, subscriberCtx(s.subscriberId), capsAction, 'me', { roaming: 5_000 });
  const operator = await operatorAuth(core);
  const attach = (country: string, headers: Record<string, string> = operator) =>
    app.inject({ method: 'POST', url: '/api/v1/network/events', headers, payload: { type: 'attach', msisdn: s.msisdn, country } });

  const first = await attach('TR');
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(first.json(), { msisdn: s.msisdn, roaming: 'TR', welcomeSent: true });
  assert.deepEqual(await welcomes(s.msisdn), [
    'Добро пожаловать: Турция (зона «Европа и Турция»)! Звонки — 19\u00a0₽/мин, SMS — 9\u00a0₽, интернет — 15\u00a0₽/МБ; пакеты по тарифу в роуминге не действуют. ' +
      'Пакеты (SMS с кодом на 8111): EU1GB — Европа 1 ГБ на 7 дней, 490\u00a0₽; EU60 — Европа 60 минут на 7 дней, 390\u00a0₽. ' +
      'Лимит в роуминге — 50\u00a0₽ в месяц; изменить: ЛИМИТ РОУМИНГ <сумма> на 8111.',
  ]);
  assert.deepEqual((await attach('TR')).json(), { msisdn: s.msisdn, roaming: 'TR', welcomeSent: false }, 'a repeated attach sends nothing');
  assert.equal((await welcomes(s.msisdn)).length, 1);

  const op = ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });
  const calls = [1, 2, 3, 4, 5].map((i) => ({ recordId: `tr-${i}`, msisdn: s.msisdn, kind: 'voice' as const, zone: 'roaming' as const, startedAt: env.clock.now(), durationSeconds: 60 }));
  const res = await ingestUsage(core, op, calls);
  const rows = await core.db.query<{ charged: number; refused: string | null }>('SELECT charged, refused FROM usage_record WHERE subscriber_id = $1 ORDER BY record_id', [s.subscriberId]);
  // 19 ₽ a minute in the zone "Europe and Turkey" (no package connected): two fit in the 50 ₽ cap.
  assert.deepEqual(rows.map((r) => [Number(r.charged), r.refused]), [[1900, null], [1900, null], [0, 'ROAMING_CAP'], [0, 'ROAMING_CAP'], [0, 'ROAMING_CAP']]);
  assert.equal(res.charged, 3800);
  const alert = await core.db.query<{ text_ru: string }>("SELECT text_ru FROM alert WHERE subscriber_id = $1 AND kind = 'cap_roaming'", [s.subscriberId]);
  assert.match(alert[0]!.text_ru, /^Достигнут лимит расходов в роуминге 50\u00a0₽ в месяц/);

  assert.deepEqual((await attach('RU')).json(), { msisdn: s.msisdn, roaming: null, welcomeSent: false });
  const audit = await core.db.query<{ details: { country: string } }>("SELECT details FROM audit_event WHERE subscriber_id = $1 AND action = 'network.attach' ORDER BY id", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.details.country), ['TR', 'RU']);
});

test('network events: only with an operator key; a bad country is refused', async () => {
  const s = await makeSubscriber(core);
  const mine = await bearerFor(core, app, s);
  const asSubscriber = await app.inject({ method: 'POST', url: '/api/v1/network/events', headers: mine, payload: { type: 'attach', msisdn: s.msisdn, country: 'TR' } });
  assert.equal(asSubscriber.statusCode, 403);
  const anonymous = await app.inject({ method: 'POST', url: '/api/v1/network/events', payload: { type: 'attach', msisdn: s.msisdn, country: 'TR' } });
  assert.equal(anonymous.statusCode, 401);
  const bad = await app.inject({ method: 'POST', url: '/api/v1/network/events', headers: await operatorAuth(core), payload: { type: 'attach', msisdn: s.msisdn, country: '1!' } });
  assert.equal(bad.statusCode, 400);
  assert.equal((await welcomes(s.msisdn)).length, 0);
});

test('roaming state and spend against the cap: the app API and USSD *111*5#', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 1_000_000 });
  const mine = await bearerFor(core, app, s);
  const home = await app.inject({ url: '/api/v1/subscribers/me/roaming', headers: mine });
  assert.deepEqual(home.json(), { msisdn: s.msisdn, country: null, countryName: null, since: null, spent: 0, cap: 500_000 });
  let p = await handset(app, s.msisdn).dial('*111*5#');
  assert.ok(!p.text.includes('Роуминг'), p.text);
  assert.equal((await app.inject({ url: '/api/v1/subscribers/me/balance', headers: mine })).json().roamingCountry, null);

  await app.inject({ method: 'POST', url: '/api/v1/network/events', headers: await operatorAuth(core), payload: { type: 'attach', msisdn: s.msisdn, country: 'DE' } });
  await ingestUsage(core, ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' }), [{ recordId: 'de-1', msisdn: s.msisdn, kind: 'voice', zone: 'roaming', startedAt: env.clock.now(), durationSeconds: 120 }]);
  const abroad = await app.inject({ url: '/api/v1/subscribers/me/roaming', headers: mine });
  assert.deepEqual(abroad.json(), { msisdn: s.msisdn, country: 'DE', countryName: { ru: 'Германия', en: 'Germany' }, since: '2026-03-10T09:00:00.000Z', spent: 3_800, cap: 500_000 });
  assert.equal((await app.inject({ url: '/api/v1/subscribers/me/balance', headers: mine })).json().roamingCountry, 'DE', 'the balance read says where the number is');
  const phone = handset(app, s.msisdn);
  p = await phone.dial('*111*5#');
  assert.ok(p.text.startsWith('Баланс 9962'), p.text);
  p = await phone.send('00'); // the roaming line is on the next page
  assert.match(p.text, /^Роуминг: Германия, 38\s?₽ из 5\s?000\s?₽/u);
  const other = await makeSubscriber(core);
  assert.equal((await app.inject({ url: `/api/v1/subscribers/${other.msisdn}/roaming`, headers: mine })).statusCode, 404);
});

test('roaming zones and packages: a zone\'s package is drawn first, then the zone\'s prices; another zone and home usage never touch it; the roaming cap still holds; an English welcome fits its parts', async () => {
  env.clock.set(new Date('2026-03-12T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 1_000_000, language: 'en' });
  const ctx = subscriberCtx(s.subscriberId);
  await perform(core, ctx, capsAction, 'me', { roaming: 300_000 });
  const operator = await operatorAuth(core);
  const attach = (country: string) => app.inject({ method: 'POST', url: '/api/v1/network/events', headers: operator, payload: { type: 'attach', msisdn: s.msisdn, country } });
  assert.equal((await attach('DE')).statusCode, 200);
  const [welcome] = await welcomes(s.msisdn);
  assert.equal(
    welcome,
    'Welcome to Germany (zone "Europe and Turkey")! Calls RUB 19/min, SMS RUB 9, data RUB 15/MB; home packages do not apply. ' +
      'Packages (SMS the code to 8111): EU1GB — Europe 1 GB for 7 days, RUB 490; EU60 — Europe 60 minutes for 7 days, RUB 390. ' +
      'Roaming cap RUB 3,000 a month; to change it send CAP ROAMING <amount> to 8111.',
  );
  assert.ok(smsParts(welcome!) <= WELCOME_MAX_PARTS);
  const dataLeft = async () => (await perform(core, ctx, readBalanceAction, 'me', {})).remaining.bytes.remaining;
  const homeData = await dataLeft();
  const connected = await perform(core, ctx, connectProductAction, 'me', { productCode: 'roaming_europe_1gb' });
  assert.equal(connected.charged, 49_000);
  assert.equal(await dataLeft(), homeData, 'the balance counts what is left at home; the roaming package is listed apart');
  const quota = async () =>
    (await core.db.query<{ id: number; used: number; period_end: Date }>("SELECT id, used, period_end FROM quota WHERE subscriber_id = $1 AND source = 'roaming_europe_1gb'", [s.subscriberId]))[0]!;
  assert.equal((await quota()).period_end.toISOString(), '2026-03-19T09:00:00.000Z', 'seven days from connection');
  const givable = await givableQuotas(core.db, { accountId: s.accountId, id: s.subscriberId }, 'bytes', env.clock.now(), false);
  const roamingQuotaId = Number((await quota()).id);
  assert.ok(givable.length > 0 && !givable.some((g) => g.id === roamingQuotaId), 'a roaming package is never given away');

  const MB = 1024 * 1024;
  const op = ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });
  const data = (recordId: string, mb: number, zone: 'roaming' | 'home' = 'roaming') => ({ recordId, msisdn: s.msisdn, kind: 'data' as const, zone, startedAt: env.clock.now(), bytes: mb * MB });
  // Home data draws on the tariff's package, never the roaming one.
  await ingestUsage(core, op, [data('home-1', 100, 'home')]);
  assert.equal(Number((await quota()).used), 0);
  // 600 MB from the package; then 424 MB from it and 176 MB at 15 ₽; then 100 MB (1,500 ₽) would pass the 3,000 ₽ cap.
  const res = await ingestUsage(core, op, [data('eu-1', 600), data('eu-2', 600), data('eu-3', 100)]);
  assert.deepEqual(res.refused, [{ recordId: 'eu-3', reason: 'ROAMING_CAP' }]);
  const rows = await core.db.query<{ record_id: string; charged: number; quota_units: number }>(
    "SELECT record_id, charged, quota_units FROM usage_record WHERE subscriber_id = $1 AND zone = 'roaming' ORDER BY record_id",
    [s.subscriberId],
  );
  assert.deepEqual(rows.map((r) => [r.record_id, Number(r.charged), Number(r.quota_units) / MB]), [['eu-1', 0, 600], ['eu-2', 264_000, 424], ['eu-3', 0, 0]]);
  assert.equal(Number((await quota()).used), 1024 * MB);

  // In Kazakhstan (CIS) the European package does not apply: 5 ₽ a megabyte.
  await attach('KZ');
  assert.match((await welcomes(s.msisdn))[1]!, /^Welcome to Kazakhstan \(zone "CIS"\)! Calls RUB 9\/min.*Packages \(SMS the code to 8111\): CIS1GB — CIS 1 GB for 7 days, RUB 290\./u);
  const kz = await ingestUsage(core, op, [data('kz-1', 25)]);
  assert.equal(kz.charged, 12_500);
});

test('roaming packages in the catalog: the API shows the zone; a product naming an unknown zone is refused', async () => {
  const list = await app.inject({ url: '/api/v1/catalog/products' });
  assert.equal(list.statusCode, 200, list.body);
  const eu = list.json<{ items: { code: string; roaming?: { zone: string; validDays: number } }[] }>().items.find((p) => p.code === 'roaming_europe_1gb');
  assert.deepEqual(eu?.roaming, { zone: 'europe', validDays: 7 });
  const spec = { code: 'roaming_mars_1gb', kind: 'package', name: { ru: 'Марс 1 ГБ', en: 'Mars 1 GB' }, description: { ru: 'Марс', en: 'Mars' }, fee: { model: 'per_use', amount: 100 }, includes: { dataMb: 1024 }, roaming: { zone: 'mars', validDays: 7 } };
  await assert.rejects(createProduct(core, systemCtx('test'), { spec, active: true }), (e: unknown) => isDomainError(e) && e.code === 'VALIDATION' && e.params.field === 'roaming.zone');
});
