import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import { expirePromisedPayments, getPromisedPaymentOffer, promisedFee, takePromisedPayment } from '../../src/domain/billing/promised-payment.ts';
import { getTrustLimit, setTrustLimit } from '../../src/domain/billing/trust-limit.ts';
import type { Core } from '../../src/domain/core.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { ctxAs, ledgerSum, makeSubscriber, subscriberCtx, testCore, type TestEnv, refusal } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const DAY = 86_400_000;
const staff = (key: string) => ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: key });

async function promisedLines(accountId: number) {
  return core.db.query<{ amount: number; kind: string; category: string }>(
    "SELECT amount, kind, category FROM ledger_entry WHERE account_id = $1 AND (kind = 'promised' OR description LIKE 'promised%') ORDER BY id",
    [accountId],
  );
}

test('fees by amount come from the catalog tiers', async () => {
  const s = { termDays: 3, tiers: [{ minMonthlySpend: 0, maxAmount: 1 }], fees: [{ upTo: 3000, fee: 0 }, { upTo: 9900, fee: 700 }, { upTo: 500000, fee: 5000 }] };
  assert.equal(promisedFee(s, 3000), 0);
  assert.equal(promisedFee(s, 3100), 700);
  assert.equal(promisedFee(s, 50000), 5000);
});

test('taken, then repaid first from the next top-up; a second one is refused while active', async () => {
  env.clock.set('2026-03-10T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 0 });
  const ctx = subscriberCtx(s.subscriberId);
  const offer = await getPromisedPaymentOffer(core, ctx, { msisdn: 'me' });
  assert.equal(offer.available, true);
  assert.equal(offer.maxAmount, 20_000, 'no spending history: the lowest tier');
  await assert.rejects(takePromisedPayment(core, ctx, { msisdn: 'me', amount: 30_000 }), refusal('AMOUNT_NOT_ALLOWED'));
  const taken = await takePromisedPayment(core, ctx, { msisdn: 'me', amount: 10_000 });
  assert.equal(taken.fee, 1000);
  assert.equal(taken.dueAt, '2026-03-13T09:00:00.000Z');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 10_000 - 1000);
  await assert.rejects(takePromisedPayment(core, ctx, { msisdn: 'me', amount: 5000 }), refusal('PROMISED_PAYMENT_ACTIVE'));

  const state = () => core.db.query<{ status: string; repaid: number }>('SELECT status, repaid FROM promised_payment WHERE account_id = $1', [s.accountId]);
  await adjustBalance(core, staff('pp-topup-1'), { msisdn: s.msisdn, amount: 4000, kind: 'payment', reason: 'cash' });
  assert.deepEqual(await state(), [{ status: 'active', repaid: 4000 }]);
  await adjustBalance(core, staff('pp-topup-2'), { msisdn: s.msisdn, amount: 50_000, kind: 'payment', reason: 'cash' });
  assert.deepEqual(await state(), [{ status: 'repaid', repaid: 10_000 }]);
  // 100 credited, 10 fee, 40 + 500 paid in, 100 repaid.
  assert.equal((await ledgerSum(core, s.accountId)).balance, 10_000 - 1000 + 4000 + 50_000 - 10_000);
  assert.deepEqual((await promisedLines(s.accountId)).map((l) => l.amount), [10_000, -1000, -4000, -6000]);
  assert.equal((await getPromisedPaymentOffer(core, ctx, { msisdn: 'me' })).available, true);
});

test('at expiry the unpaid part stays as debt and paid services suspend; nothing twice', async () => {
  env.clock.set('2026-04-01T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 0 });
  const ctx = subscriberCtx(s.subscriberId);
  await takePromisedPayment(core, ctx, { msisdn: 'me', amount: 20_000 }); // fee 25 ₽ → balance 175 ₽
  // Spend 150 ₽ in calls.
  await core.db.query("UPDATE quota SET used = included WHERE subscriber_id = $1", [s.subscriberId]);
  await ingestUsage(core, systemCtx('test'), [{ recordId: 'pp-call-1', msisdn: s.msisdn, kind: 'voice', zone: 'home', startedAt: env.clock.now(), durationSeconds: 60 * 60 }]);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 20_000 - 2500 - 15_000);
  env.clock.advance(3 * DAY);
  assert.ok((await expirePromisedPayments(core, systemCtx('test'), { now: env.clock.now() })) >= 1);
  assert.equal(await expirePromisedPayments(core, systemCtx('test'), { now: env.clock.now() }), 0, 'a second run finds nothing');
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, -17_500, 'spent 175 ₽ of money that was never paid: the debt');
  assert.equal(sums.balance, sums.sum);
  const sub = await core.db.query<{ status: string }>('SELECT status FROM subscriber WHERE id = $1', [s.subscriberId]);
  assert.equal(sub[0]!.status, 'blocked');
  const pp = await core.db.query<{ status: string }>('SELECT status FROM promised_payment WHERE account_id = $1', [s.accountId]);
  assert.equal(pp[0]!.status, 'expired');
  // A new one is possible again once the old one has closed.
  const again = await getPromisedPaymentOffer(core, ctx, { msisdn: 'me' });
  assert.equal(again.reason, null);
});

test('trust limit: eligibility from tenure and spending; charges go negative down to it; lower or switch off', async () => {
  env.clock.set('2025-10-01T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 1_000_000 });
  const ctx = subscriberCtx(s.subscriberId);
  const young = await getTrustLimit(core, ctx, { msisdn: 'me' });
  assert.equal(young.eligibleMax, 0);
  await assert.rejects(setTrustLimit(core, ctx, { msisdn: 'me', limit: 10_000 }), refusal('TRUST_LIMIT_UNAVAILABLE'));
  // 100 days and 3 000 ₽ of calls a month later:
  env.clock.set('2026-01-09T09:00:00Z');
  await core.db.query("UPDATE quota SET used = included WHERE subscriber_id = $1", [s.subscriberId]);
  const calls = [0, 1, 2].map((i) => ({ recordId: `trust-${i}`, msisdn: s.msisdn, kind: 'voice' as const, zone: 'roaming' as const, startedAt: new Date(env.clock.now().getTime() - (i * 30 + 1) * DAY), durationSeconds: 20 * 60 }));
  await ingestUsage(core, systemCtx('test'), calls);
  const v = await getTrustLimit(core, ctx, { msisdn: 'me' });
  assert.equal(v.averageMonthlySpend, 30_000);
  assert.equal(v.eligibleMax, 15_000);
  await assert.rejects(setTrustLimit(core, ctx, { msisdn: 'me', limit: 20_000 }), refusal('AMOUNT_NOT_ALLOWED'));
  await setTrustLimit(core, ctx, { msisdn: 'me', limit: 15_000 });
  // With the limit on, the promised payment is not offered.
  assert.equal((await getPromisedPaymentOffer(core, ctx, { msisdn: 'me' })).reason, 'trust_limit');
  await setTrustLimit(core, ctx, { msisdn: 'me', limit: 0 });
  assert.equal((await getTrustLimit(core, ctx, { msisdn: 'me' })).current, 0);
});
