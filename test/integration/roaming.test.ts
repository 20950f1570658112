import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { capsAction, perform } from '../../src/domain/actions/registry.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { bearerFor, ctxAs, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { operatorAuth } from '../helpers/tmf.ts';
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

const welcomes = async (msisdn: string) =>
  (await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'roaming.welcome' ORDER BY id", [msisdn])).map((r) => r.text);

test('roaming: attach abroad → welcome SMS with prices and the cap, once → roaming rated at roaming prices → the cap refuses the rest → attach at home ends it', async () => {
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
    'Добро пожаловать: Турция! Звонки — 15\u00a0₽/мин, SMS — 2,50\u00a0₽, интернет — 9,90\u00a0₽/МБ; пакеты по тарифу в роуминге не действуют. Лимит расходов в роуминге — 50\u00a0₽ в месяц; изменить: ЛИМИТ РОУМИНГ <сумма> на 8111.',
  ].map((t) => t));
  assert.deepEqual((await attach('TR')).json(), { msisdn: s.msisdn, roaming: 'TR', welcomeSent: false }, 'a repeated attach sends nothing');
  assert.equal((await welcomes(s.msisdn)).length, 1);

  const op = ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });
  const calls = [1, 2, 3, 4, 5].map((i) => ({ recordId: `tr-${i}`, msisdn: s.msisdn, kind: 'voice' as const, zone: 'roaming' as const, startedAt: env.clock.now(), durationSeconds: 60 }));
  const res = await ingestUsage(core, op, calls);
  const rows = await core.db.query<{ charged: number; refused: string | null }>('SELECT charged, refused FROM usage_record WHERE subscriber_id = $1 ORDER BY record_id', [s.subscriberId]);
  // 15 ₽ a roaming minute (the tariff's roaming price, no packages): three fit in the 50 ₽ cap.
  assert.deepEqual(rows.map((r) => [Number(r.charged), r.refused]), [[1500, null], [1500, null], [1500, null], [0, 'ROAMING_CAP'], [0, 'ROAMING_CAP']]);
  assert.equal(res.charged, 4500);
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

  await app.inject({ method: 'POST', url: '/api/v1/network/events', headers: await operatorAuth(core), payload: { type: 'attach', msisdn: s.msisdn, country: 'DE' } });
  await ingestUsage(core, ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' }), [{ recordId: 'de-1', msisdn: s.msisdn, kind: 'voice', zone: 'roaming', startedAt: env.clock.now(), durationSeconds: 120 }]);
  const abroad = await app.inject({ url: '/api/v1/subscribers/me/roaming', headers: mine });
  assert.deepEqual(abroad.json(), { msisdn: s.msisdn, country: 'DE', countryName: { ru: 'Германия', en: 'Germany' }, since: '2026-03-10T09:00:00.000Z', spent: 3_000, cap: 500_000 });
  const phone = handset(app, s.msisdn);
  p = await phone.dial('*111*5#');
  assert.ok(p.text.startsWith('Баланс 9970'), p.text);
  p = await phone.send('00'); // the roaming line is on the next page
  assert.match(p.text, /^Роуминг: Германия, 30\s?₽ из 5\s?000\s?₽/u);
  const other = await makeSubscriber(core);
  assert.equal((await app.inject({ url: `/api/v1/subscribers/${other.msisdn}/roaming`, headers: mine })).statusCode, 404);
});
