import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectProductAction } from '../../src/domain/actions/registry.ts';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { disableProduct } from '../../src/domain/services/disable-product.ts';
import { listConnectedProducts } from '../../src/domain/services/list-connected-products.ts';
import { paidServicesAudit } from '../../src/domain/services/paid-services-audit.ts';
import { setContentBan } from '../../src/domain/services/set-content-ban.ts';
import { stopPaidContent } from '../../src/domain/services/stop-paid-content.ts';
import { DomainError } from '../../src/domain/shared/errors.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { ctxAs, ledgerSum, makeSubscriber, subscriberCtx, testCore, type TestEnv, refusal } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());


async function entries(accountId: number) {
  return core.db.query<{ amount: number; kind: string; product_code: string | null; idempotency_key: string }>(
    'SELECT amount, kind, product_code, idempotency_key FROM ledger_entry WHERE account_id = $1 ORDER BY id',
    [accountId],
  );
}

test('connect charges the connection fee and the first period, audited, balance = sum of entries', async () => {
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  const ctx = subscriberCtx(s.subscriberId);
  const res = await connectProduct(core, ctx, { msisdn: 'me', productCode: 'everywhere_home' });
  assert.equal(res.charged, 3000 + 350);
  assert.equal(res.balance, 10_000 - 3350);
  const lines = await entries(s.accountId);
  assert.deepEqual(
    lines.map((l) => [l.amount, l.kind, l.product_code]),
    [
      [10_000, 'payment', null],
      [-3000, 'fee', 'everywhere_home'],
      [-350, 'fee', 'everywhere_home'],
    ],
  );
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, sums.sum);
  assert.equal(sums.balance, 6650);
  // Daily option: next charge at the next Moscow midnight (the test clock is 2026-03-10 12:00 MSK).
  assert.equal(res.nextChargeAt, '2026-03-10T21:00:00.000Z');
  const audit = await core.db.query<{ action: string; outcome: string; channel: string }>(
    "SELECT action, outcome, channel FROM audit_event WHERE subscriber_id = $1 AND action = 'product.connect'",
    [s.subscriberId],
  );
  assert.deepEqual(audit, [{ action: 'product.connect', outcome: 'ok', channel: 'web' }]);
});

test('a monthly option with an allowance adds it to the quotas until its next charge', async () => {
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  const ctx = subscriberCtx(s.subscriberId);
  const before = await getBalance(core, ctx, { msisdn: 'me' });
  const res = await connectProduct(core, ctx, { msisdn: 'me', productCode: 'internet_plus' });
  assert.equal(res.charged, 25_000);
  assert.equal(res.nextChargeAt, '2026-04-09T21:00:00.000Z');
  const afterBalance = await getBalance(core, ctx, { msisdn: 'me' });
  assert.equal(afterBalance.remaining.bytes.included - before.remaining.bytes.included, 5120 * 1024 * 1024);
  assert.equal(afterBalance.balance, 25_000);
});

test('every refusal reason of connect, and nothing is charged by a refusal', async () => {
  const s = await makeSubscriber(core, { openingBalance: 1000 });
  const ctx = subscriberCtx(s.subscriberId);
  const before = await ledgerSum(core, s.accountId);
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'no_such' }), refusal('PRODUCT_NOT_FOUND'));
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'child_location' }), (e: unknown) => {
    assert.ok(e instanceof DomainError && e.code === 'INSUFFICIENT_FUNDS');
    assert.equal(e.params.required, 10_000);
    assert.equal(e.params.available, 1000);
    return true;
  });
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'caller_id' }), refusal('ALREADY_CONNECTED'));
  // A business-only option on a person's number.
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'all_russia_business' }), refusal('PRODUCT_NOT_AVAILABLE'));
  // Internet Plus is not sold on Premium.
  const p = await makeSubscriber(core, { tariffCode: 'premium', openingBalance: 100_000 });
  await assert.rejects(connectProduct(core, subscriberCtx(p.subscriberId), { msisdn: 'me', productCode: 'internet_plus' }), refusal('PRODUCT_NOT_ALLOWED_ON_TARIFF'));
  // Content ban.
  await setContentBan(core, ctx, { msisdn: 'me', enabled: true });
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'weather' }), refusal('CONTENT_BANNED'));
  // Blocked number.
  await core.db.query("UPDATE subscriber SET status = 'blocked' WHERE id = $1", [s.subscriberId]);
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'ringback' }), refusal('SUBSCRIBER_BLOCKED'));
  await core.db.query("UPDATE subscriber SET status = 'active' WHERE id = $1", [s.subscriberId]);
  // A retired product.
  await core.db.query("UPDATE product SET status = 'retired' WHERE code = 'sms_100'");
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'sms_100' }), refusal('PRODUCT_NOT_AVAILABLE'));
  await core.db.query("UPDATE product SET status = 'active' WHERE code = 'sms_100'");
  assert.deepEqual(await ledgerSum(core, s.accountId), before);
  const refused = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND outcome = 'refused'", [s.subscriberId]);
  assert.equal(refused[0]!.n, 7);
});

test('incompatible options and required ones are refused with the conflicting code', async () => {
  const b = await makeSubscriber(core, { tariffCode: 'basic', openingBalance: 100_000 });
  await core.db.query("UPDATE customer SET kind = 'business' WHERE id = $1", [b.customerId]);
  const ctx = subscriberCtx(b.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'all_russia_business' });
  // everywhere_home is a person-only option; make it 'any' to reach the compatibility rule.
  await core.db.query(`UPDATE product SET spec = jsonb_set(spec, '{segment}', '"any"') WHERE code = 'everywhere_home'`);
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'everywhere_home' }), (e: unknown) => {
    assert.ok(e instanceof DomainError && e.code === 'PRODUCT_INCOMPATIBLE');
    assert.equal(e.params.conflictsWith, 'all_russia_business');
    return true;
  });
  await core.db.query(`UPDATE product SET spec = jsonb_set(spec, '{segment}', '"person"') WHERE code = 'everywhere_home'`);
  await core.db.query(`UPDATE product SET spec = jsonb_set(spec, '{requires}', '["internet_plus"]') WHERE code = 'sms_100'`);
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'sms_100' }), refusal('PRODUCT_REQUIRES'));
  await core.db.query(`UPDATE product SET spec = jsonb_set(spec, '{requires}', '[]') WHERE code = 'sms_100'`);
});

test('a repeated connect with the same idempotency key returns the first result and charges once', async () => {
  const s = await makeSubscriber(core, { openingBalance: 20_000 });
  const ctx = subscriberCtx(s.subscriberId, { idempotencyKey: 'connect-ringback-1' });
  const first = await connectProduct(core, ctx, { msisdn: 'me', productCode: 'ringback' });
  const second = await connectProduct(core, ctx, { msisdn: 'me', productCode: 'ringback' });
  assert.deepEqual(second, first);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 20_000 - 250);
  // The same key for another request is refused rather than silently answered.
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'weather' }), refusal('IDEMPOTENCY_KEY_REUSED'));
});

test('disable: stops fees and allowance; refusals for not connected and not disableable; idempotent', async () => {
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'internet_plus' });
  const withOption = await getBalance(core, ctx, { msisdn: 'me' });
  env.clock.advance(60_000);
  const keyed = subscriberCtx(s.subscriberId, { idempotencyKey: 'off-1' });
  const off = await disableProduct(core, keyed, { msisdn: 'me', productCode: 'internet_plus' });
  assert.deepEqual(await disableProduct(core, keyed, { msisdn: 'me', productCode: 'internet_plus' }), off);
  const withoutOption = await getBalance(core, ctx, { msisdn: 'me' });
  assert.equal(withOption.remaining.bytes.included - withoutOption.remaining.bytes.included, 5120 * 1024 * 1024);
  const inst = await core.db.query<{ status: string; next_charge_at: Date | null }>(
    "SELECT status, next_charge_at FROM product_instance WHERE subscriber_id = $1 AND product_code = 'internet_plus'",
    [s.subscriberId],
  );
  assert.deepEqual(inst, [{ status: 'disabled', next_charge_at: null }]);
  await assert.rejects(disableProduct(core, ctx, { msisdn: 'me', productCode: 'internet_plus' }), refusal('PRODUCT_NOT_CONNECTED'));
  await assert.rejects(disableProduct(core, ctx, { msisdn: 'me', productCode: 'balance_check' }), refusal('PRODUCT_NOT_DISABLEABLE'));
  // Connecting again after disabling is allowed and charged again.
  const again = await connectProduct(core, ctx, { msisdn: 'me', productCode: 'internet_plus' });
  assert.equal(again.charged, 25_000);
});

test('connected products split paid and free with monthly cost; available hides what is not offered', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'weather' });
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'news' });
  const list = await listConnectedProducts(core, ctx, { msisdn: 'me' });
  assert.deepEqual(list.free.map((p) => p.code).sort(), ['balance_check', 'caller_id', 'promised_payment']);
  assert.deepEqual(list.paid.map((p) => p.code).sort(), ['news', 'weather']);
  assert.equal(list.monthlyTotal, 700 * 30 + 9900);
  const available = (await connectProductAction.offers(core, ctx, { msisdn: 'me' })).filter((o) => o.shown);
  const codes = available.map((o) => o.details.code);
  assert.ok(!codes.includes('weather') && !codes.includes('caller_id'), 'connected ones are hidden');
  assert.ok(!codes.includes('all_russia_business'), 'business-only option hidden from a person');
  assert.ok(codes.includes('ringback') && codes.includes('internet_plus'));
  assert.equal(available.find((o) => o.details.code === 'everywhere_home')!.facts!.chargedToday, 3350);
});

test('paid-services audit lists every paid item; stop all content disables them and can ban new ones', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const ctx = subscriberCtx(s.subscriberId);
  for (const code of ['weather', 'dating', 'ringback']) await connectProduct(core, ctx, { msisdn: 'me', productCode: code });
  const audit = await paidServicesAudit(core, ctx, { msisdn: 'me' });
  assert.deepEqual(audit.items.map((i) => i.code), ['smart', 'weather', 'dating', 'ringback']);
  assert.equal(audit.contentMonthlyTotal, (700 + 1500) * 30);
  assert.equal(audit.monthlyTotal, 55_000 + (700 + 1500 + 250) * 30);
  const stopped = await stopPaidContent(core, ctx, { msisdn: 'me', ban: true });
  assert.deepEqual(stopped.stopped.sort(), ['dating', 'weather']);
  assert.equal(stopped.contentBan, true);
  const after = await paidServicesAudit(core, ctx, { msisdn: 'me' });
  assert.deepEqual(after.items.map((i) => i.code), ['smart', 'ringback']);
  assert.equal(after.contentBan, true);
  await assert.rejects(connectProduct(core, ctx, { msisdn: 'me', productCode: 'news' }), refusal('CONTENT_BANNED'));
  await setContentBan(core, ctx, { msisdn: 'me', enabled: false });
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'news' });
});

test('operator staff may act on any number; the audit records who and from where', async () => {
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  const staff = ctxAs({ kind: 'staff', staffId: 7 }, { channel: 'staff' });
  await connectProduct(core, staff, { msisdn: s.msisdn, productCode: 'child_location' });
  const rows = await core.db.query<{ actor_kind: string; actor_id: string; channel: string }>(
    "SELECT actor_kind, actor_id, channel FROM audit_event WHERE subscriber_id = $1 AND action = 'product.connect'",
    [s.subscriberId],
  );
  assert.deepEqual(rows, [{ actor_kind: 'staff', actor_id: '7', channel: 'staff' }]);
});
