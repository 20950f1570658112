import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import type { Core } from '../../src/domain/core.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { feeRunJob } from '../../src/jobs/fee-run.ts';
import { ctxAs, ledgerSum, makeSubscriber, secondCore, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const run = (at: string) => runRecurringFees(core, systemCtx('test'), { now: new Date(at) });

async function feeLines(accountId: number, since = 0) {
  return core.db.query<{ amount: number; product_code: string | null; category: string; idempotency_key: string }>(
    "SELECT amount, product_code, category, idempotency_key FROM ledger_entry WHERE account_id = $1 AND kind = 'fee' AND id > $2 ORDER BY id",
    [accountId, since],
  );
}
async function lastEntryId(accountId: number) {
  return (await core.db.query<{ id: number }>('SELECT COALESCE(max(id), 0)::bigint AS id FROM ledger_entry WHERE account_id = $1', [accountId]))[0]!.id;
}

test('a month with daily and monthly fees, billing day 31 through February, nothing charged twice', async () => {
  env.clock.set('2026-01-31T07:00:00Z'); // 31 Jan, 10:00 in Moscow
  const s = await makeSubscriber(core, { openingBalance: 300_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'weather' }); // 7 ₽ a day
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'child_location' }); // 100 ₽ a month
  const start = await lastEntryId(s.accountId);

  env.clock.set('2026-03-01T12:00:00Z');
  await run('2026-03-01T12:00:00Z');
  const lines = await feeLines(s.accountId, start);
  const weather = lines.filter((l) => l.product_code === 'weather');
  assert.equal(weather.length, 29, '1 Feb … 1 Mar: 29 local days');
  assert.ok(weather.every((l) => l.amount === -700 && l.category === 'content'));
  assert.equal(weather[0]!.idempotency_key.endsWith(':2026-01-31T21:00:00.000Z'), true, 'first daily fee at 1 Feb 00:00 Moscow');
  const monthly = lines.filter((l) => l.product_code !== 'weather').map((l) => [l.product_code, l.amount, l.idempotency_key.split(':').slice(2).join(':')]);
  assert.deepEqual(monthly, [
    [null, -55_000, '2026-02-27T21:00:00.000Z'], // the tariff on 28 Feb (billing day 31 clamped)
    ['child_location', -10_000, '2026-02-27T21:00:00.000Z'],
  ]);
  const again = await run('2026-03-01T12:00:00Z');
  assert.equal(again.tariffFees + again.productFees, 0, 'a second run charges nothing');

  env.clock.set('2026-03-31T00:00:00Z');
  const before31 = await lastEntryId(s.accountId);
  await run('2026-03-31T00:00:00Z'); // 31 Mar 03:00 in Moscow: the billing day is back on the 31st
  const march = await feeLines(s.accountId, before31);
  assert.equal(march.filter((l) => l.product_code === 'weather').length, 30);
  assert.deepEqual(
    march.filter((l) => l.product_code !== 'weather').map((l) => l.idempotency_key.split(':').slice(2).join(':')),
    ['2026-03-30T21:00:00.000Z', '2026-03-30T21:00:00.000Z'],
  );
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, sums.sum);
  assert.equal(sums.balance, 300_000 - 700 - 10_000 - 59 * 700 - 2 * 55_000 - 2 * 10_000);
  // The tariff's allowance started again for the new period.
  const q = await core.db.query<{ period_start: Date }>("SELECT period_start FROM quota WHERE subscriber_id = $1 AND source = 'tariff:smart' ORDER BY period_start DESC LIMIT 1", [s.subscriberId]);
  assert.equal(q[0]!.period_start.toISOString(), '2026-03-30T21:00:00.000Z');
});

test('a daily tariff is charged at the local midnight of the subscriber’s region', async () => {
  env.clock.set('2026-03-10T02:00:00Z');
  const vl = await makeSubscriber(core, { tariffCode: 'super_day', regionCode: '25', openingBalance: 10_000 }); // UTC+10
  const kg = await makeSubscriber(core, { tariffCode: 'super_day', regionCode: '39', openingBalance: 10_000 }); // UTC+2
  await run('2026-03-10T13:59:59Z');
  assert.equal((await feeLines(vl.accountId)).length, 0);
  await run('2026-03-10T14:00:00Z'); // 11 Mar 00:00 in Vladivostok
  assert.deepEqual((await feeLines(vl.accountId)).map((l) => l.amount), [-1500]);
  assert.equal((await feeLines(kg.accountId)).length, 0);
  await run('2026-03-10T22:00:00Z'); // 11 Mar 00:00 in Kaliningrad
  assert.deepEqual((await feeLines(kg.accountId)).map((l) => l.amount), [-1500]);
});

test('not enough money: the content subscription is suspended, the tariff blocks the number; a top-up brings both back', async () => {
  env.clock.set('2026-04-01T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 56_000 });
  await connectProduct(core, subscriberCtx(s.subscriberId), { msisdn: 'me', productCode: 'dating' }); // 15 ₽ a day
  // 1 May: the 550 ₽ tariff fee and 30 days of dating do not fit in what is left.
  env.clock.set('2026-05-01T09:00:00Z');
  await run('2026-05-01T09:00:00Z');
  const inst = await core.db.query<{ status: string }>("SELECT status FROM product_instance WHERE subscriber_id = $1 AND product_code = 'dating'", [s.subscriberId]);
  assert.equal(inst[0]!.status, 'suspended');
  const sub = await core.db.query<{ status: string }>('SELECT status FROM subscriber WHERE id = $1', [s.subscriberId]);
  const balance = (await ledgerSum(core, s.accountId)).balance;
  assert.equal(sub[0]!.status, balance < 0 ? 'blocked' : 'active');
  assert.ok(balance < 0, `the tariff fee took the balance negative: ${balance}`);
  const kinds = (await core.db.query<{ kind: string }>("SELECT meta->>'kind' AS kind FROM sms_message WHERE msisdn = $1 ORDER BY id", [s.msisdn])).map((r) => r.kind);
  assert.ok(kinds.includes('suspended') && kinds.includes('blocked'));
  // Nothing more is charged for a suspended product.
  // April's 29 daily fees were due before May's tariff fee and were paid first.
  const lines = await feeLines(s.accountId);
  assert.equal(lines.filter((l) => l.product_code === 'dating').length, 1 + 29);
  assert.equal(lines.at(-1)!.product_code, null, 'the tariff fee came last');
  const count = lines.length;
  await run('2026-05-02T09:00:00Z');
  assert.equal((await feeLines(s.accountId)).length, count + 0, 'nothing more for a suspended product (the tariff is not due)');

  await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: 'topup-1' }), { msisdn: s.msisdn, amount: 100_000, kind: 'payment', reason: 'cash' });
  const after = await core.db.query<{ status: string }>("SELECT s.status FROM subscriber s WHERE s.id = $1 UNION ALL SELECT status FROM product_instance WHERE subscriber_id = $1 AND product_code = 'dating'", [s.subscriberId]);
  assert.deepEqual(after.map((r) => r.status), ['active', 'active']);
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, sums.sum);
});

test('fee runs from three instances at once charge every fee exactly once', async () => {
  env.clock.set('2026-06-01T09:00:00Z');
  const subs = [];
  for (let i = 0; i < 30; i++) subs.push(await makeSubscriber(core, { tariffCode: i % 2 ? 'super_day' : 'smart', openingBalance: 500_000 }));
  const cores = [core, await secondCore(env), await secondCore(env)];
  const at = new Date('2026-07-15T09:00:00Z');
  // Without the lease: SKIP LOCKED and the fee keys alone keep it exact.
  await Promise.all(cores.map((c) => runRecurringFees(c, systemCtx('race'), { now: at, batchSize: 4 })));
  // With the lease, too.
  const later = new Date('2026-08-15T09:00:00Z');
  const results = await Promise.all(cores.map((c) => feeRunJob(c, { now: later })));
  assert.ok(results.some((r) => r !== null));
  for (const s of subs) {
    const dup = await core.db.query('SELECT idempotency_key FROM ledger_entry WHERE account_id = $1 GROUP BY idempotency_key HAVING count(*) > 1', [s.accountId]);
    assert.deepEqual(dup, []);
    const fees = await feeLines(s.accountId);
    const tariff = await core.db.query<{ code: string }>('SELECT tariff_code AS code FROM subscriber WHERE id = $1', [s.subscriberId]);
    // smart: 15 Jul and 15 Aug (billing day 1 → 1 Jul, 1 Aug); super_day: one fee per local day from 2 Jun to 15 Aug.
    if (tariff[0]!.code === 'smart') assert.equal(fees.length, 2);
    else assert.equal(fees.length, 75);
    const sums = await ledgerSum(core, s.accountId);
    assert.equal(sums.balance, sums.sum);
  }
});
