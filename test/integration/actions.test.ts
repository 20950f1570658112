import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  ACTION_IDS,
  actions,
  changeTariffAction,
  connectProductAction,
  contentBanAction,
  disableProductAction,
  exchangePointsAction,
  orderReportAction,
  perform,
  promisedPaymentAction,
  readBalanceAction,
  SMS_REPLY_WINDOW_MS,
  topUpAction,
} from '../../src/domain/actions/registry.ts';
import type { Offer } from '../../src/domain/actions/types.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { statePrice } from '../../src/text/price.ts';
import type { PriceFacts } from '../../src/text/price-facts.ts';
import { makeSubscriber, refusal, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

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

async function login(input: Parameters<typeof makeSubscriber>[1] = {}) {
  const s = await makeSubscriber(core, { openingBalance: 100_000, ...input });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  return { ...s, ctx: subscriberCtx(s.subscriberId), auth: { authorization: `Bearer ${res.json<{ token: string }>().token}` } };
}

const facts = (price: number, period: PriceFacts['period'], connectionFee: number, commission: number, chargedToday: number): PriceFacts => ({ price, period, connectionFee, commission, chargedToday });
const statement = (f: PriceFacts) => ({ ru: statePrice(f, 'ru'), en: statePrice(f, 'en') });
const byCode = <D extends { code: string }>(offers: Offer<D>[], code: string) => {
  const o = offers.find((x) => x.details.code === code);
  assert.ok(o, `an offer for ${code}`);
  return o;
};

test('the registry lists every self-service action by id, each with an input schema, an offer, a confirmation rule and a run', () => {
  assert.deepEqual(ACTION_IDS.sort(), ['app_link.send', 'balance.read', 'bill.send', 'bonus.exchange', 'content.ban', 'content.stop_all', 'product.connect', 'product.disable', 'promised.take', 'report.order', 'share.give', 'family.invite', 'family.accept', 'family.leave', 'family.remove', 'family.set_limit', 'family.set_plan', 'tariff.change', 'topup', 'locator.locate', 'alerts.settings', 'caps.settings', 'caps.lift_data', 'voicemail.settings', 'voicemail.greeting', 'voicemail.heard', 'voicemail.delete', 'ringback.buy', 'ringback.set', 'ringback.remove'].sort());
  for (const id of ACTION_IDS) {
    const a = actions[id];
    assert.equal(a.id, id);
    assert.equal(typeof a.offer, 'function');
    assert.equal(typeof a.run, 'function');
    assert.equal(typeof a.input.safeParse, 'function');
  }
});

test('connect: a one-off product is stated once, a daily one per day with its connection fee; the same facts over HTTP', async () => {
  const s = await login();
  const turbo = await connectProductAction.offer(core, s.ctx, { msisdn: 'me', productCode: 'turbo_1gb' });
  assert.deepEqual(turbo.facts, facts(10_000, 'once', 0, 0, 10_000));
  assert.equal(turbo.refusal, null);
  assert.equal(turbo.shown, true);
  const home = await connectProductAction.offer(core, s.ctx, { msisdn: 'me', productCode: 'everywhere_home' });
  assert.deepEqual(home.facts, facts(350, 'day', 3000, 0, 3350));
  assert.equal(statePrice(turbo.facts!, 'ru'), '100\u00a0₽ разово');

  const res = await app.inject({ url: '/api/v1/subscribers/me/products/available', headers: s.auth });
  assert.equal(res.statusCode, 200);
  const items = res.json<{ items: { code: string; facts: PriceFacts; statement: { ru: string; en: string }; chargeNow: number; blockedBy: unknown }[] }>().items;
  const offers = await connectProductAction.offers(core, s.ctx, { msisdn: 'me' });
  assert.deepEqual(items.map((i) => i.code).sort(), offers.filter((o) => o.shown).map((o) => o.details.code).sort());
  for (const item of items) {
    const o = byCode(offers, item.code);
    assert.deepEqual(item.facts, o.facts, item.code);
    assert.deepEqual(item.statement, statement(o.facts!), item.code);
    assert.equal(item.chargeNow, o.facts!.chargedToday);
  }
  const t = items.find((i) => i.code === 'turbo_1gb')!;
  assert.equal(t.statement.ru, '100\u00a0₽ разово', 'not "0 ₽ в месяц"');
});

test('connect: a subscriber who cannot take it gets the same facts with the reason; run charges what the offer stated', async () => {
  const banned = await login();
  await perform(core, banned.ctx, contentBanAction, 'me', { enabled: true });
  const weather = await connectProductAction.offer(core, banned.ctx, { msisdn: 'me', productCode: 'weather' });
  assert.deepEqual(weather.refusal, { code: 'CONTENT_BANNED', params: { product: 'weather' } });
  assert.deepEqual(weather.facts, facts(700, 'day', 0, 0, 700));
  assert.equal(weather.shown, true, 'listed, as unavailable');
  await assert.rejects(perform(core, banned.ctx, connectProductAction, 'me', { productCode: 'weather' }), refusal('CONTENT_BANNED'));
  const audit = await core.db.query<{ outcome: string; details: { code: string } }>(
    "SELECT outcome, details FROM audit_event WHERE subscriber_id = $1 AND action = 'product.connect'",
    [banned.subscriberId],
  );
  assert.deepEqual(audit.map((a) => [a.outcome, a.details.code]), [['refused', 'CONTENT_BANNED']], 'the offer refusal is audited');
  const biz = await connectProductAction.offer(core, banned.ctx, { msisdn: 'me', productCode: 'all_russia_business' });
  assert.equal(biz.refusal?.code, 'PRODUCT_NOT_AVAILABLE');
  assert.equal(biz.shown, false, 'never offered to a person');
  assert.deepEqual(biz.facts, facts(30_000, 'month', 0, 0, 30_000));
  const http = await app.inject({ url: '/api/v1/subscribers/me/products/available', headers: banned.auth });
  const w = http.json<{ items: { code: string; facts: PriceFacts; blockedBy: { code: string } | null; available: boolean }[] }>().items.find((i) => i.code === 'weather')!;
  assert.deepEqual([w.facts, w.blockedBy?.code, w.available], [weather.facts, 'CONTENT_BANNED', false]);

  const s = await login();
  const before = (await getBalance(core, s.ctx, { msisdn: 'me' })).balance;
  const home = await connectProductAction.offer(core, s.ctx, { msisdn: 'me', productCode: 'everywhere_home' });
  const r = await perform(core, s.ctx, connectProductAction, 'me', { productCode: 'everywhere_home' });
  assert.equal(r.charged, home.facts!.chargedToday);
  assert.equal((await getBalance(core, s.ctx, { msisdn: 'me' })).balance, before - home.facts!.chargedToday);
  const again = await connectProductAction.offer(core, s.ctx, { msisdn: 'me', productCode: 'everywhere_home' });
  assert.deepEqual([again.refusal?.code, again.shown], ['ALREADY_CONNECTED', false]);
});

test('connect: confirmation is an explicit step on screens, a YES within the window on SMS for a paid one, none for a free one on SMS', async () => {
  const s = await login();
  const paid = await connectProductAction.offer(core, s.ctx, { msisdn: 'me', productCode: 'sms_100' });
  const free = await connectProductAction.offer(core, s.ctx, { msisdn: 'me', productCode: 'caller_id' });
  assert.deepEqual(connectProductAction.confirmation(paid, 'web'), { kind: 'explicit' });
  assert.deepEqual(connectProductAction.confirmation(paid, 'ussd'), { kind: 'explicit' });
  assert.deepEqual(connectProductAction.confirmation(paid, 'sms'), { kind: 'reply', words: ['ДА', 'YES'], windowMs: SMS_REPLY_WINDOW_MS });
  assert.equal(SMS_REPLY_WINDOW_MS, 10 * 60_000);
  assert.deepEqual(connectProductAction.confirmation(free, 'sms'), { kind: 'none' });
  assert.deepEqual(connectProductAction.confirmation(paid, 'tmf'), { kind: 'none' });
  assert.deepEqual(readBalanceAction.confirmation(await readBalanceAction.offer(core, s.ctx, { msisdn: 'me' }), 'voice'), { kind: 'none' });
});

test('disable: offered for what is connected and disableable; free; the connected list states each price', async () => {
  const s = await login();
  const none = await disableProductAction.offer(core, s.ctx, { msisdn: 'me', productCode: 'turbo_1gb' });
  assert.deepEqual([none.refusal?.code, none.shown, none.facts], ['PRODUCT_NOT_CONNECTED', false, null]);
  await perform(core, s.ctx, connectProductAction, 'me', { productCode: 'sms_100' });
  const on = await disableProductAction.offer(core, s.ctx, { msisdn: 'me', productCode: 'sms_100' });
  assert.deepEqual([on.refusal, on.shown, on.facts], [null, true, null]);
  assert.deepEqual(on.details.stops, facts(6000, 'month', 0, 0, 0));
  const res = await app.inject({ url: '/api/v1/subscribers/me/products', headers: s.auth });
  const item = res.json<{ paid: { code: string; statement: { ru: string } }[] }>().paid.find((p) => p.code === 'sms_100')!;
  assert.equal(item.statement.ru, statePrice(on.details.stops, 'ru'));
  const del = await app.inject({ method: 'DELETE', url: '/api/v1/subscribers/me/products/turbo_1gb', headers: s.auth });
  assert.equal(del.json<{ code: string }>().code, 'PRODUCT_NOT_CONNECTED');
});

test('tariff: plans on sale to the segment with their facts (switch fee as the one-off fee); the current one and other segments are not pickable; HTTP states the same', async () => {
  const s = await login();
  const offers = await changeTariffAction.offers(core, s.ctx, { msisdn: 'me' });
  const mini = byCode(offers, 'smart_mini');
  assert.deepEqual(mini.facts, facts(35_000, 'month', 10_000, 0, 45_000));
  assert.equal(mini.refusal, null);
  assert.deepEqual(byCode(offers, 'super_day').facts, facts(1500, 'day', 5000, 0, 6500));
  const cur = byCode(offers, 'smart');
  assert.deepEqual([cur.refusal?.code, cur.shown, cur.details.current], ['ALREADY_ON_TARIFF', true, true]);
  const biz = byCode(offers, 'business_smart');
  assert.deepEqual([biz.refusal?.code, biz.shown], ['PRODUCT_NOT_AVAILABLE', false]);
  const pickable = offers.filter((o) => o.shown && !o.refusal).map((o) => o.details.code).sort();
  assert.deepEqual(pickable, ['basic', 'premium', 'smart_mini', 'super_day']);

  const res = await app.inject({ url: '/api/v1/subscribers/me/tariff/offers', headers: s.auth });
  assert.equal(res.statusCode, 200);
  const items = res.json<{ items: { code: string; facts: PriceFacts; statement: { ru: string; en: string }; available: boolean }[] }>().items;
  assert.deepEqual(items.map((i) => i.code).sort(), offers.filter((o) => o.shown).map((o) => o.details.code).sort());
  for (const i of items) {
    const o = byCode(offers, i.code);
    assert.deepEqual([i.facts, i.statement, i.available], [o.facts, statement(o.facts!), o.refusal === null], i.code);
  }

  const before = (await getBalance(core, s.ctx, { msisdn: 'me' })).balance;
  const put = await app.inject({ method: 'PUT', url: '/api/v1/subscribers/me/tariff', headers: s.auth, payload: { tariffCode: 'smart_mini' } });
  assert.equal(put.statusCode, 200);
  assert.equal((await getBalance(core, s.ctx, { msisdn: 'me' })).balance, before - mini.facts!.chargedToday);
  const bad = await app.inject({ method: 'PUT', url: '/api/v1/subscribers/me/tariff', headers: s.auth, payload: { tariffCode: 'business_smart' } });
  assert.equal(bad.json<{ code: string }>().code, 'PRODUCT_NOT_AVAILABLE');
});

test('promised payment: options with their commission as facts; bounds judged by the offer; a trust limit or an active one refuses; HTTP the same', async () => {
  const s = await login({ openingBalance: 0 });
  const o = await promisedPaymentAction.offer(core, s.ctx, { msisdn: 'me' });
  assert.equal(o.refusal, null);
  assert.deepEqual(o.details.bounds, { min: 100, max: 20_000, step: 100 });
  assert.deepEqual(
    o.details.options.map((x) => [x.amount, x.facts]),
    [
      [3000, facts(0, 'once', 0, 0, 0)],
      [5000, facts(0, 'once', 0, 700, 700)],
      [10_000, facts(0, 'once', 0, 1000, 1000)],
      [20_000, facts(0, 'once', 0, 2500, 2500)],
    ],
  );
  for (const amount of [50, 150, 20_100]) {
    const judged = await promisedPaymentAction.offer(core, s.ctx, { msisdn: 'me', amount });
    assert.deepEqual(judged.refusal, { code: 'AMOUNT_NOT_ALLOWED', params: { min: 100, max: 20_000 } }, String(amount));
  }
  const res = await app.inject({ url: '/api/v1/subscribers/me/promised-payment', headers: s.auth });
  const body = res.json<{ available: boolean; options: { amount: number; facts: PriceFacts; statement: { ru: string; en: string } }[] }>();
  assert.equal(body.available, true);
  assert.deepEqual(body.options.map((x) => x.facts), o.details.options.map((x) => x.facts));
  assert.deepEqual(body.options[1]!.statement, statement(o.details.options[1]!.facts));
  assert.match(body.options[1]!.statement.ru, /комиссия 7\u00a0₽/);
  const tooSmall = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/promised-payment', headers: s.auth, payload: { amount: 150 } });
  assert.deepEqual([tooSmall.statusCode, tooSmall.json<{ code: string }>().code], [422, 'AMOUNT_NOT_ALLOWED']);

  const taken = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/promised-payment', headers: s.auth, payload: { amount: 5000 } });
  assert.equal(taken.statusCode, 201);
  assert.equal(taken.json<{ fee: number }>().fee, o.details.options[1]!.facts.commission);
  const active = await promisedPaymentAction.offer(core, s.ctx, { msisdn: 'me' });
  assert.equal(active.refusal?.code, 'PROMISED_PAYMENT_ACTIVE');

  const trusted = await login({ creditLimit: 30_000 });
  const t = await promisedPaymentAction.offer(core, trusted.ctx, { msisdn: 'me', amount: 5000 });
  assert.deepEqual(t.refusal, { code: 'PROMISED_PAYMENT_UNAVAILABLE', params: { reason: 'trust_limit' } });
  assert.deepEqual(t.facts, facts(0, 'once', 0, 700, 700), 'the facts of the amount asked about');
  assert.deepEqual(promisedPaymentAction.confirmation(t, 'sms').kind, 'reply');
});

test('top-up: the limits are the offer\'s; below or above them is AMOUNT_NOT_ALLOWED on every path', async () => {
  const s = await login();
  const ok = await topUpAction.offer(core, s.ctx, { msisdn: 'me', amount: 1000 });
  assert.deepEqual([ok.refusal, ok.facts, ok.details.bounds], [null, null, { min: 1000, max: 1_500_000 }]);
  for (const amount of [999, 1_500_001]) {
    const o = await topUpAction.offer(core, s.ctx, { msisdn: 'me', amount });
    assert.deepEqual(o.refusal, { code: 'AMOUNT_NOT_ALLOWED', params: { min: 1000, max: 1_500_000 } });
    const res = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/payments', headers: s.auth, payload: { amount } });
    assert.deepEqual([res.statusCode, res.json<{ code: string; min: number; max: number }>().code], [422, 'AMOUNT_NOT_ALLOWED']);
  }
  await assert.rejects(perform(core, s.ctx, topUpAction, 'me', { amount: 'ten' }), refusal('VALIDATION'));
});

test('exchange points, order a report, stop content: refusals come from the offer with the use case\'s reasons', async () => {
  const s = await login();
  const rewards = await exchangePointsAction.offers(core, s.ctx, { msisdn: 'me' });
  assert.ok(rewards.length > 0);
  const first = rewards[0]!;
  assert.deepEqual(first.refusal, { code: 'INSUFFICIENT_POINTS', params: { required: first.details.cost, available: 0 } });
  const ex = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/bonus/exchange', headers: s.auth, payload: { rewardCode: first.details.code } });
  assert.equal(ex.json<{ code: string }>().code, 'INSUFFICIENT_POINTS');

  const backwards = await orderReportAction.offer(core, s.ctx, { msisdn: 'me', from: '2026-03-05', to: '2026-03-01' });
  assert.equal(backwards.refusal?.code, 'REPORT_PERIOD_INVALID');
  assert.equal(backwards.refusal?.params.reason, 'order');
  const rep = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/reports', headers: s.auth, payload: { from: '2026-03-05', to: '2026-03-01' } });
  assert.equal(rep.json<{ code: string; reason: string }>().reason, 'order');
  const fine = await orderReportAction.offer(core, s.ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-05' });
  assert.equal(fine.refusal, null);

  const stop = await actions['content.stop_all'].offer(core, s.ctx, { msisdn: 'me' });
  assert.deepEqual([stop.shown, stop.details.content], [false, []]);
  await perform(core, s.ctx, connectProductAction, 'me', { productCode: 'news' });
  const some = await actions['content.stop_all'].offer(core, s.ctx, { msisdn: 'me' });
  assert.deepEqual([some.shown, some.details.content], [true, ['news']]);
  const res = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/paid-services/stop-content', headers: s.auth, payload: { ban: true } });
  assert.deepEqual(res.json<{ stopped: string[]; contentBan: boolean }>(), { msisdn: s.msisdn, stopped: ['news'], contentBan: true });
});
