import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { countingPrepared, ctxAs, makeSubscriber, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

// Balance reads that arrive together share one statement (DataLoader without a cache). What has to
// hold: each caller gets its own number's balance, access is still checked per caller, and nothing
// is remembered from one batch to the next.

let env: TestEnv;
let subs: { msisdn: string; subscriberId: number; accountId: number }[];
before(async () => {
  env = await testCore();
  subs = [];
  for (let i = 0; i < 30; i++) subs.push(await makeSubscriber(env.core, { openingBalance: 10_000 + i * 111 }));
});
after(() => env.close());

test('thirty subscribers reading at once each get their own balance, from one statement', async () => {
  const { core, runs } = countingPrepared(env.core);
  const views = await Promise.all(subs.map((s) => getBalance(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })));
  views.forEach((v, i) => {
    assert.equal(v.msisdn, subs[i]!.msisdn);
    assert.equal(v.balance, 10_000 + i * 111);
  });
  assert.equal(runs.get('balance_by_id_batch'), 1);
  assert.equal(runs.get('balance_by_id'), undefined);
});

test('by number: staff reads are batched too, and a subscriber asking for another number is refused alone', async () => {
  const { core, runs } = countingPrepared(env.core);
  const [a, b, c] = subs;
  const results = await Promise.allSettled([
    getBalance(core, ctxAs({ kind: 'staff', staffId: 1 }), { msisdn: a!.msisdn }),
    getBalance(core, subscriberCtx(a!.subscriberId), { msisdn: b!.msisdn }),
    getBalance(core, ctxAs({ kind: 'staff', staffId: 1 }), { msisdn: c!.msisdn }),
    getBalance(core, ctxAs({ kind: 'staff', staffId: 1 }), { msisdn: '+79999999999' }),
  ]);
  assert.equal(results[0].status === 'fulfilled' && results[0].value.msisdn, a!.msisdn);
  assert.equal(results[1].status, 'rejected');
  assert.match(String((results[1] as PromiseRejectedResult).reason?.code), /SUBSCRIBER_NOT_FOUND/);
  assert.equal(results[2].status === 'fulfilled' && results[2].value.msisdn, c!.msisdn);
  assert.equal(results[3].status, 'rejected');
  assert.equal(runs.get('balance_by_msisdn_batch'), 1);
});

test('a read after a payment sees the payment: nothing is kept between batches', async () => {
  const s = subs[5]!;
  const before = await getBalance(env.core, subscriberCtx(s.subscriberId), { msisdn: 'me' });
  await adjustBalance(env.core, ctxAs({ kind: 'system', name: 'test' }, { idempotencyKey: 'batching-topup' }), { msisdn: s.msisdn, amount: 2_500, kind: 'payment', reason: 'test' });
  const [afterPay, other] = await Promise.all([
    getBalance(env.core, subscriberCtx(s.subscriberId), { msisdn: 'me' }),
    getBalance(env.core, subscriberCtx(subs[6]!.subscriberId), { msisdn: 'me' }),
  ]);
  assert.equal(afterPay.balance, before.balance + 2_500);
  assert.equal(other.balance, 10_000 + 6 * 111);
});
