import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { changeTariff, quoteTariffChange } from '../../src/domain/subscribers/change-tariff.ts';
import { getActionHistory } from '../../src/domain/subscribers/get-action-history.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { getProfile } from '../../src/domain/subscribers/get-profile.ts';
import { getTariff } from '../../src/domain/subscribers/get-tariff.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { ctxAs, ledgerSum, makeSubscriber, subscriberCtx, testCore, type TestEnv, refusal } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const DAY = 86_400_000;

test('balance shows money, credit, "as of" time and the tariff allowance', async () => {
  const s = await makeSubscriber(core, { openingBalance: 12_345, creditLimit: 5000 });
  const b = await getBalance(core, subscriberCtx(s.subscriberId), { msisdn: 'me' });
  assert.equal(b.balance, 12_345);
  assert.equal(b.available, 17_345);
  assert.equal(b.asOf, env.clock.now().toISOString());
  assert.deepEqual(b.remaining.seconds, { included: 500 * 60, used: 0, remaining: 500 * 60 });
  assert.deepEqual(b.remaining.sms, { included: 500, used: 0, remaining: 500 });
  assert.equal(b.remaining.bytes.included, 15_360 * 1024 * 1024);
});

test('tariff view names the plan and the next fee date; a daily plan’s period is the local day', async () => {
  const s = await makeSubscriber(core, { tariffCode: 'super_day', regionCode: '25' }); // Vladivostok, UTC+10
  const t = await getTariff(core, subscriberCtx(s.subscriberId), { msisdn: 'me' });
  assert.equal(t.tariff.code, 'super_day');
  assert.equal(t.periodStart, '2026-03-09T14:00:00.000Z');
  assert.equal(t.periodEnd, '2026-03-10T14:00:00.000Z');
  assert.equal(t.nextFeeAt, '2026-03-10T14:00:00.000Z');
});

test('change tariff: quote shown first, fees charged, quotas move, forbidden products disabled', async () => {
  const s = await makeSubscriber(core, { openingBalance: 400_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'internet_plus' }); // not sold on Premium
  const q = await quoteTariffChange(core, ctx, { msisdn: 'me', tariffCode: 'premium' });
  assert.deepEqual(q, { from: 'smart', to: 'premium', switchFee: 0, firstPeriodFee: 250_000, total: 250_000, productsDisabled: ['internet_plus'] });
  const balanceBefore = (await ledgerSum(core, s.accountId)).balance;
  const res = await changeTariff(core, ctx, { msisdn: 'me', tariffCode: 'premium' });
  assert.equal(res.balance, balanceBefore - 250_000);
  assert.equal((await ledgerSum(core, s.accountId)).balance, balanceBefore - 250_000);
  const b = await getBalance(core, ctx, { msisdn: 'me' });
  assert.deepEqual(b.remaining.seconds, { included: 5000 * 60, used: 0, remaining: 5000 * 60 });
  assert.equal(b.remaining.bytes.included, 61_440 * 1024 * 1024, 'old plan and the disabled option no longer count');
  assert.equal((await getProfile(core, ctx, { msisdn: 'me' })).tariff.code, 'premium');
  const inst = await core.db.query("SELECT 1 FROM product_instance WHERE subscriber_id = $1 AND product_code = 'internet_plus' AND status <> 'disabled'", [s.subscriberId]);
  assert.equal(inst.length, 0);
});

test('the switch fee applies to an early change and is waived after the free period', async () => {
  const s = await makeSubscriber(core, { openingBalance: 400_000 });
  const ctx = subscriberCtx(s.subscriberId);
  const early = await quoteTariffChange(core, ctx, { msisdn: 'me', tariffCode: 'smart_mini' });
  assert.equal(early.switchFee, 10_000);
  env.clock.advance(31 * DAY);
  const later = await quoteTariffChange(core, ctx, { msisdn: 'me', tariffCode: 'smart_mini' });
  assert.equal(later.switchFee, 0);
  env.clock.advance(-31 * DAY);
});

test('tariff change refusals: same plan, unknown, business plan for a person, not enough money; nothing charged', async () => {
  const s = await makeSubscriber(core, { openingBalance: 1000 });
  const ctx = subscriberCtx(s.subscriberId);
  const before = await ledgerSum(core, s.accountId);
  await assert.rejects(changeTariff(core, ctx, { msisdn: 'me', tariffCode: 'smart' }), refusal('ALREADY_ON_TARIFF'));
  await assert.rejects(changeTariff(core, ctx, { msisdn: 'me', tariffCode: 'nope' }), refusal('TARIFF_NOT_FOUND'));
  await assert.rejects(changeTariff(core, ctx, { msisdn: 'me', tariffCode: 'business_smart' }), refusal('PRODUCT_NOT_AVAILABLE'));
  await assert.rejects(changeTariff(core, ctx, { msisdn: 'me', tariffCode: 'premium' }), refusal('INSUFFICIENT_FUNDS'));
  assert.deepEqual(await ledgerSum(core, s.accountId), before);
  assert.equal((await getProfile(core, ctx, { msisdn: 'me' })).tariff.code, 'smart');
});

test('a repeated tariff change with the same key charges once', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const ctx = subscriberCtx(s.subscriberId, { idempotencyKey: 'tariff-1' });
  const a = await changeTariff(core, ctx, { msisdn: 'me', tariffCode: 'smart_mini' });
  const b = await changeTariff(core, ctx, { msisdn: 'me', tariffCode: 'smart_mini' });
  assert.deepEqual(b, a);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 100_000 - 10_000 - 35_000);
});

test('the trust credit limit lets a charge take the balance negative down to the limit, not further', async () => {
  const s = await makeSubscriber(core, { openingBalance: 5000, creditLimit: 10_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'child_location' }); // 100 ₽
  assert.equal((await ledgerSum(core, s.accountId)).balance, -5000);
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'news' }), refusal('INSUFFICIENT_FUNDS')); // 99 ₽ > 50 ₽ left
});

test('preferences and history: the subscriber sees own actions with channel, newest first, paginated', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const web = subscriberCtx(s.subscriberId);
  const app = subscriberCtx(s.subscriberId, { channel: 'app' });
  await updatePreferences(core, web, { msisdn: 'me', language: 'en', script: 'latin' });
  await connectProduct(core, app, { msisdn: 'me', productCode: 'ringback' });
  const page1 = await getActionHistory(core, web, { msisdn: 'me', limit: 2 });
  assert.deepEqual(page1.items.map((i) => [i.action, i.channel]), [
    ['product.connect', 'app'],
    ['preferences.update', 'web'],
  ]);
  assert.ok(page1.nextCursor);
  const page2 = await getActionHistory(core, web, { msisdn: 'me', limit: 2, cursor: page1.nextCursor });
  assert.deepEqual(page2.items.map((i) => i.action), ['subscriber.provision']);
  assert.equal(page2.nextCursor, null);
  const profile = await getProfile(core, web, { msisdn: 'me' });
  assert.equal(profile.language, 'en');
  assert.equal(profile.script, 'latin');
});

test('nobody else sees the number: another subscriber and anonymous callers are refused', async () => {
  const a = await makeSubscriber(core);
  const b = await makeSubscriber(core);
  await assert.rejects(getBalance(core, subscriberCtx(a.subscriberId), { msisdn: b.msisdn }), refusal('SUBSCRIBER_NOT_FOUND'));
  await assert.rejects(getBalance(core, ctxAs({ kind: 'anonymous' }), { msisdn: b.msisdn }), refusal('UNAUTHENTICATED'));
  await assert.rejects(getBalance(core, ctxAs({ kind: 'staff', staffId: 1 }), { msisdn: 'me' }), refusal('SUBSCRIBER_NOT_FOUND'));
  assert.equal((await getBalance(core, ctxAs({ kind: 'staff', staffId: 1 }), { msisdn: b.msisdn })).msisdn, b.msisdn);
});
