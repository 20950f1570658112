import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { handleMo } from '../../src/channels/sms/handle-mo.ts';
import { alertSettingsAction } from '../../src/domain/actions/registry.ts';
import type { Core } from '../../src/domain/core.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';
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

const settingsOf = async (subscriberId: number) => (await alertSettingsAction.offer(core, subscriberCtx(subscriberId), { msisdn: 'me' })).details;
const channelsOf = async (subscriberId: number) =>
  (await core.db.query<{ channel: string }>("SELECT channel FROM audit_event WHERE subscriber_id = $1 AND action = 'alerts.settings' AND outcome = 'ok' ORDER BY id", [subscriberId])).map((r) => r.channel);

let n = 0;
async function sms(from: string, text: string): Promise<string> {
  env.clock.advance(5 * 60_000); // MO replies are rate-limited per minute
  const outcome = await handleMo(core, { from, to: '8111', text, smscId: `al-${++n}`, gateway: 'test' }, `req-al-${n}`);
  assert.equal(outcome, 'replied');
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND short_code = '8111' ORDER BY id DESC LIMIT 1", [from]);
  return rows[0]!.text;
}

test('SMS: ОПОВЕЩЕНИЯ states the settings; ВКЛ, a threshold in roubles, НОЧЬЮ, СВОДКА and ВЫКЛ change them; nonsense gets the usage', async () => {
  const s = await makeSubscriber(core);
  assert.equal(
    await sms(s.msisdn, 'оповещения'),
    'Оповещения: пакет 80% — выкл., 100% — выкл.; порог баланса выкл.; сводка за день — выкл.; ночью — нет; куда: SMS и приложение.',
  );
  await sms(s.msisdn, 'ОПОВЕЩЕНИЯ ВКЛ');
  const reply = await sms(s.msisdn, 'Оповещения 150');
  assert.equal(reply, 'Оповещения: пакет 80% — вкл., 100% — вкл.; баланс ниже 150\u00a0₽; сводка за день — выкл.; ночью — нет; куда: SMS и приложение.');
  await sms(s.msisdn, 'ОПОВЕЩЕНИЯ НОЧЬЮ');
  await sms(s.msisdn, 'ОПОВЕЩЕНИЯ СВОДКА');
  assert.deepEqual(await settingsOf(s.subscriberId), { msisdn: s.msisdn, lowBalance: 15_000, package80: true, package100: true, dailyDigest: true, viaSms: true, viaApp: true, allowNight: true });
  assert.match(await sms(s.msisdn, 'ОПОВЕЩЕНИЯ много'), /^Не понял\. ОПОВЕЩЕНИЯ ВКЛ/);
  await sms(s.msisdn, 'оповещения выкл');
  assert.deepEqual(await settingsOf(s.subscriberId), { msisdn: s.msisdn, lowBalance: null, package80: false, package100: false, dailyDigest: false, viaSms: true, viaApp: true, allowNight: true });
  assert.deepEqual(await channelsOf(s.subscriberId), ['sms', 'sms', 'sms', 'sms', 'sms']);

  const en = await makeSubscriber(core);
  await updatePreferences(core, systemCtx('test'), { msisdn: en.msisdn, language: 'en' });
  assert.equal(await sms(en.msisdn, 'ALERTS ON'), 'Alerts: package 80% on, 100% on; low balance off; daily digest off; at night no; via SMS and app.');
});

test('USSD: settings → alerts shows them; each option changes one; a threshold is typed in roubles; Latin pages stay GSM-7', async () => {
  const s = await makeSubscriber(core);
  const phone = handset(app, s.msisdn);
  let p = await phone.dial('*111*6*4#');
  assert.equal(p.end, false);
  assert.equal(p.text, '1 Пакеты: выкл\n2 Порог: выкл\n3 Сводка: выкл\n4 Ночью: нет\n0 Назад');
  p = await phone.send('1');
  assert.equal(p.end, true);
  assert.equal(p.text, 'Оповещения: пакеты вкл, порог выкл, сводка выкл, ночью нет');
  await phone.dial('*111*6*4#');
  p = await phone.send('2');
  assert.equal(p.text, 'Порог баланса в рублях (0 — выключить):\n0 Назад');
  p = await phone.send('250');
  assert.ok(p.text.includes('порог 250'), p.text);
  await phone.dial('*111*6*4#');
  await phone.send('2');
  p = await phone.send('12abc');
  assert.equal(p.end, false);
  assert.ok(p.text.startsWith('Неверный выбор'), p.text);
  p = await phone.send('2000000');
  assert.ok(!p.text.includes('lowBalance'), p.text);
  assert.match(p.text, /^Сумма/, 'the registry’s words for an amount out of bounds');
  assert.equal((await settingsOf(s.subscriberId)).lowBalance, 25_000, 'bad input changes nothing');
  await phone.dial('*111*6*4*4#');
  assert.equal((await settingsOf(s.subscriberId)).allowNight, true);
  await phone.dial('*111*6*4*3#');
  assert.equal((await settingsOf(s.subscriberId)).dailyDigest, true);
  assert.deepEqual(await channelsOf(s.subscriberId), ['ussd', 'ussd', 'ussd', 'ussd']);

  const latin = await makeSubscriber(core);
  await updatePreferences(core, systemCtx('test'), { msisdn: latin.msisdn, script: 'latin' });
  const lp = handset(app, latin.msisdn, { latin: true });
  p = await lp.dial('*111*6*4#');
  assert.ok(p.text.startsWith('1 Pakety: vykl'), p.text);
  await lp.dial('*111*6*4#');
  await lp.send('2');
  p = await lp.send('100');
  assert.equal((await settingsOf(latin.subscriberId)).lowBalance, 10_000);
});
