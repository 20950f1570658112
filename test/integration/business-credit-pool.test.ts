import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import { lockContractPools } from '../../src/domain/subscribers/access.ts';
import { getPromisedPaymentOffer } from '../../src/domain/billing/promised-payment.ts';
import { getTrustLimit, setTrustLimit } from '../../src/domain/billing/trust-limit.ts';
import { listContracts, updateContract } from '../../src/domain/business/limits.ts';
import type { Core } from '../../src/domain/core.ts';
import { settlePayment } from '../../src/domain/payments/settle-payment.ts';
import { startTopUp } from '../../src/domain/payments/top-up.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { DomainError, isDomainError } from '../../src/domain/shared/errors.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { makeCompany, type Company } from '../helpers/business.ts';
import { holdLocks, ledgerSum, makeSubscriber, refusal, secondCore, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let clock: ManualClock;
let seq = 0;

before(async () => {
  clock = new ManualClock('2026-03-15T09:00:00Z');
  env = await testCore({ clock });
  core = env.core;
});

after(async () => {
  await env?.close();
});

/** A company with one contract (Moscow) whose credit pool is `limit`. */
async function pooled(limit: number): Promise<{ company: Company; contractId: number; admin: Awaited<ReturnType<Company['admin']>> }> {
  const company = await makeCompany(core, `ООО Пул ${++seq}`, { regions: ['77'] });
  const admin = await company.admin('contract_admin');
  const contractId = company.contracts['77']!;
  await updateContract(core, admin.ctx, { contractId, creditLimit: limit });
  return { company, contractId, admin };
}

/** A number on the Basic tariff (no fee, blocked below zero) of the company's contract. */
const number = (company: Company, balance = 0) => company.number({ tariff: 'basic', balance });

/** One roaming call (Basic: always charged money, per second). */
function call(msisdn: string, minutes: number): UsageInput[] {
  return [{ recordId: `pool-${++seq}`, msisdn, kind: 'voice', zone: 'roaming', startedAt: new Date(clock.now().getTime() - 60_000), durationSeconds: minutes * 60, counterpart: '79990000000' }];
}

const status = async (subscriberId: number) => (await core.db.query<{ status: string }>('SELECT status FROM subscriber WHERE id = $1', [subscriberId]))[0]!.status;

/** The pool's debt D, from the ledger: Σ over the contract's accounts of what their entries leave below zero. */
async function ledgerDebt(accountIds: number[]): Promise<number> {
  let d = 0;
  for (const id of accountIds) {
    const s = await ledgerSum(core, id);
    assert.equal(s.balance, s.sum, 'balance equals the sum of its entries');
    d += Math.max(0, -s.sum);
  }
  return d;
}

async function pay(subscriberId: number, amount: number): Promise<void> {
  const started = await startTopUp(core, subscriberCtx(subscriberId, { idempotencyKey: `pool-pay-${++seq}` }), { msisdn: 'me', amount });
  const [p] = await core.db.query<{ provider_ref: string }>('SELECT provider_ref FROM payment WHERE id = $1', [started.paymentId]);
  const settled = await settlePayment(core, { type: 'payment.succeeded', providerRef: p!.provider_ref });
  assert.equal(settled.status, 'succeeded');
}

test("one pool per contract: the contract's numbers share it, and a second number is refused what the first one used", async () => {
  const { company, contractId, admin } = await pooled(30_000);
  const a = await number(company);
  const b = await number(company);
  const rich = await number(company, 50_000);
  // The contract's limit is no longer copied onto every number's account.
  const own = await core.db.query<{ credit_limit: number; pool_contract_id: number }>('SELECT credit_limit, pool_contract_id FROM account WHERE id = ANY($1::bigint[]) ORDER BY id', [[a.accountId, b.accountId]]);
  assert.deepEqual(own, [{ credit_limit: 0, pool_contract_id: contractId }, { credit_limit: 0, pool_contract_id: contractId }]);
  assert.deepEqual((await getBalance(core, subscriberCtx(b.subscriberId), { msisdn: 'me' })).available, 30_000);

  await connectProduct(core, subscriberCtx(a.subscriberId), { msisdn: 'me', productCode: 'internet_plus' });
  const debt = await ledgerDebt([a.accountId, b.accountId, rich.accountId]);
  assert.ok(debt > 0 && debt <= 30_000, `the first number used ${debt} of the pool`);
  // What the first number used is gone for the second one.
  await assert.rejects(connectProduct(core, subscriberCtx(b.subscriberId), { msisdn: 'me', productCode: 'internet_plus' }), (e: unknown) => {
    assert.ok(e instanceof DomainError && e.code === 'INSUFFICIENT_FUNDS');
    assert.equal(e.params.available, 30_000 - debt);
    return true;
  });
  const bView = await getBalance(core, subscriberCtx(b.subscriberId), { msisdn: 'me' });
  assert.deepEqual([bView.creditLimit, bView.available, bView.creditSource], [30_000 - debt, 30_000 - debt, 'company_pool']);
  // A number's own money is its own: it may spend it plus what is left of the pool.
  const richView = await getBalance(core, subscriberCtx(rich.subscriberId), { msisdn: 'me' });
  assert.equal(richView.available, 50_000 + 30_000 - debt);
  // The first number itself has only the rest of the pool left as well.
  assert.equal((await getBalance(core, subscriberCtx(a.subscriberId), { msisdn: 'me' })).available, 30_000 - debt);

  const [c] = (await listContracts(core, admin.ctx)).items.filter((x) => x.id === contractId);
  assert.deepEqual([c!.creditLimit, c!.poolDebt, c!.poolRemaining], [30_000, debt, 30_000 - debt]);

  // A consumer's own trust limit is untouched by all this.
  const consumer = await makeSubscriber(core, { openingBalance: 1_000, creditLimit: 5_000 });
  const cv = await getBalance(core, subscriberCtx(consumer.subscriberId), { msisdn: 'me' });
  assert.deepEqual([cv.creditLimit, cv.available, cv.creditSource], [5_000, 6_000, 'own']);
});

test('paid options connected at once on different numbers of one contract never spend the same headroom (two instances)', async () => {
  const limit = 50_000;
  const { company, contractId, admin } = await pooled(limit);
  const numbers = [];
  for (let i = 0; i < 6; i++) numbers.push(await number(company));
  const other = await secondCore(env);
  const prices: Record<string, number> = { internet_plus: 25_000, child_location: 10_000 };
  const ops = numbers.flatMap((n, i) =>
    Object.keys(prices).map((productCode, j) => async () => {
      try {
        await connectProduct((i + j) % 2 ? core : other, subscriberCtx(n.subscriberId), { msisdn: 'me', productCode });
        return { productCode, ok: true };
      } catch (e) {
        if (isDomainError(e) && e.code === 'INSUFFICIENT_FUNDS') return { productCode, ok: false };
        throw e;
      }
    }),
  );
  const results = await Promise.all(ops.map((op) => op()));
  const debt = await ledgerDebt(numbers.map((n) => n.accountId));
  assert.ok(debt <= limit, `the contract owes ${debt}, more than its pool ${limit}`);
  const charged = results.filter((r) => r.ok).reduce((sum, r) => sum + prices[r.productCode]!, 0);
  assert.equal(debt, charged, 'the debt is exactly what the successful connections cost');
  const refused = results.filter((r) => !r.ok);
  assert.ok(refused.length > 0 && refused.length < results.length, 'some fit the pool, some did not');
  // Nothing was refused that would still have fitted: what is left is less than any refused price.
  assert.ok(limit - debt < Math.min(...refused.map((r) => prices[r.productCode]!)));
  const [c] = (await listContracts(core, admin.ctx)).items.filter((x) => x.id === contractId);
  assert.deepEqual([c!.poolDebt, c!.poolRemaining], [debt, limit - debt]);
});

test("when the pool is exhausted every number below zero is blocked; a payment to one number unblocks the others once the debt fits again", async () => {
  const limit = 30_000;
  const { company } = await pooled(limit);
  const a = await number(company);
  const b = await number(company);
  const c = await number(company);
  const accounts = [a.accountId, b.accountId, c.accountId];
  await ingestUsage(core, systemCtx('test'), call(b.msisdn, 5));
  const bDebt = await ledgerDebt([b.accountId]);
  assert.ok(bDebt > 0 && bDebt < limit);
  assert.equal(await status(b.subscriberId), 'active', 'within the pool');
  // Usage is charged after the fact, even past the pool; the balance rules then block.
  await ingestUsage(core, systemCtx('test'), call(a.msisdn, 15));
  const debt = await ledgerDebt(accounts);
  assert.ok(debt > limit, `the pool is exhausted: ${debt} owed of ${limit}`);
  assert.deepEqual([await status(a.subscriberId), await status(b.subscriberId), await status(c.subscriberId)], ['blocked', 'blocked', 'active'], 'the numbers below zero are blocked, the one at zero is not');
  const [audit] = await core.db.query<{ details: { pool?: number } }>("SELECT details FROM audit_event WHERE subscriber_id = $1 AND action = 'subscriber.block'", [b.subscriberId]);
  assert.ok(audit?.details.pool, 'the other number was blocked for the pool');
  // Nothing is left for the number at zero either.
  await assert.rejects(connectProduct(core, subscriberCtx(c.subscriberId), { msisdn: 'me', productCode: 'sms_100' }), refusal('INSUFFICIENT_FUNDS'));

  // Money on one number pays no other number's debt: the pool stays exhausted.
  await pay(c.subscriberId, 10_000);
  assert.equal(await ledgerDebt(accounts), debt);
  assert.deepEqual([await status(a.subscriberId), await status(b.subscriberId)], ['blocked', 'blocked']);

  // A payment to A that brings the contract's debt back within the pool unblocks B as well.
  const aDebt = await ledgerDebt([a.accountId]);
  const repay = debt - limit + 10_000;
  assert.ok(repay < aDebt, 'A stays in debt itself');
  await pay(a.subscriberId, repay);
  assert.equal(await ledgerDebt(accounts), limit - 10_000);
  assert.deepEqual([await status(a.subscriberId), await status(b.subscriberId), await status(c.subscriberId)], ['active', 'active', 'active']);
  const [sms] = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'unblocked'", [b.msisdn]);
  assert.equal(sms!.n, 1, 'B is told it works again');
});

test('lowering the pool below the debt blocks the numbers in debt; raising it back unblocks them', async () => {
  const { company, contractId, admin } = await pooled(50_000);
  const a = await number(company);
  const b = await number(company, 5_000);
  await connectProduct(core, subscriberCtx(a.subscriberId), { msisdn: 'me', productCode: 'internet_plus' });
  const debt = await ledgerDebt([a.accountId, b.accountId]);
  assert.ok(debt > 10_000);
  assert.equal(await status(a.subscriberId), 'active');
  const lowered = await updateContract(core, admin.ctx, { contractId, creditLimit: 10_000 });
  assert.deepEqual([lowered.creditLimit, lowered.poolDebt, lowered.poolRemaining], [10_000, debt, 0]);
  assert.deepEqual([await status(a.subscriberId), await status(b.subscriberId)], ['blocked', 'active'], 'a number with money of its own stays on');
  const raised = await updateContract(core, admin.ctx, { contractId, creditLimit: debt });
  assert.deepEqual([raised.poolDebt, raised.poolRemaining], [debt, 0]);
  assert.equal(await status(a.subscriberId), 'active', 'a debt the pool covers exactly is within it');
});

test("a pooled number's credit comes from the company: the subscriber is told so and cannot set a trust limit of their own", async () => {
  const { company, admin } = await pooled(20_000);
  const n = await number(company);
  await assert.rejects(setTrustLimit(core, subscriberCtx(n.subscriberId), { msisdn: 'me', limit: 1_000 }), (e: unknown) => {
    assert.ok(e instanceof DomainError && e.code === 'TRUST_LIMIT_UNAVAILABLE');
    assert.equal(e.params.reason, 'company_pool');
    return true;
  });
  const trust = await getTrustLimit(core, subscriberCtx(n.subscriberId), { msisdn: 'me' });
  assert.deepEqual([trust.creditSource, trust.current, trust.eligibleMax], ['company_pool', 20_000, 0]);
  // As with a trust limit of one's own, a number with the company's credit takes no promised payment.
  assert.equal((await getPromisedPaymentOffer(core, subscriberCtx(n.subscriberId), { msisdn: 'me' })).reason, 'trust_limit');
  const app = await testApp(core);
  try {
    const { createSession } = await import('../../src/domain/auth/sessions.ts');
    const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: n.subscriberId, channel: 'web', method: 'test' })).token;
    const auth = { authorization: `Bearer ${token}` };
    const bal = await app.inject({ method: 'GET', url: '/api/v1/subscribers/me/balance', headers: auth });
    assert.equal(bal.statusCode, 200);
    assert.deepEqual([bal.json<{ creditSource: string }>().creditSource, bal.json<{ creditLimit: number }>().creditLimit], ['company_pool', 20_000]);
    for (const [lang, text] of [['ru', /общим кредитным лимитом договора/], ['en', /company contract's shared credit limit/]] as const) {
      const res = await app.inject({ method: 'PUT', url: `/api/v1/subscribers/me/trust-limit?lang=${lang}`, headers: auth, payload: { limit: 1_000 } });
      assert.equal(res.statusCode, 409);
      assert.match(res.json<{ title: string }>().title, text);
    }
    const list = await app.inject({ method: 'GET', url: '/api/v1/business/contracts', headers: { authorization: `Bearer ${admin.token}` } });
    assert.equal(list.statusCode, 200);
    const [c] = list.json<{ items: { creditLimit: number; poolDebt: number; poolRemaining: number }[] }>().items;
    assert.deepEqual([c!.creditLimit, c!.poolDebt, c!.poolRemaining], [20_000, 0, 20_000]);
  } finally {
    await app.close();
  }
});

test('the fee run takes a pool’s contract without waiting: numbers of a pool that a paid action holds are left for the next run', async () => {
  const { company, contractId } = await pooled(10_000);
  const a = await company.number({ tariff: 'super_day', balance: 0 });
  const b = await company.number({ tariff: 'super_day', balance: 0 });
  const ids = [a.accountId, b.accountId];
  await core.db.query('UPDATE subscriber SET tariff_next_charge_at = $2 WHERE id = ANY($1::bigint[])', [[a.subscriberId, b.subscriberId], clock.now()]);
  const fees = async () =>
    (await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = ANY($1::bigint[]) AND kind = 'fee'", [ids]))[0]!.n;
  const before = await fees();

  // A paid action of the pool (on another instance) holds the contract row, as connectProduct does.
  const other = await secondCore(env);
  const hold = await holdLocks(other.db, (tx) => lockContractPools(tx, [contractId]));
  const run = runRecurringFees(core, systemCtx('test'), { now: clock.now() });
  try {
    if (core.db.kind === 'postgres') {
      const first = await run;
      assert.equal(first.deferred, 2, 'both numbers of the held pool are left for the next run');
      assert.equal(await fees(), before, 'nothing charged on them meanwhile');
      await hold.release();
      const second = await runRecurringFees(core, systemCtx('test'), { now: clock.now() });
      assert.equal(second.deferred, 0);
    } else {
      // The embedded store runs one transaction at a time: the fee run waits for the paid action.
      await hold.release();
      assert.equal((await run).deferred, 0);
    }
  } finally {
    await hold.release();
  }
  assert.equal(await fees(), before + 2, 'each number charged its fee once');
  await ledgerDebt(ids);
});

test("a payment that frees the pool resumes the other numbers' suspended products at once, from the pool", async () => {
  const limit = 30_000;
  const { company } = await pooled(limit);
  const a = await number(company);
  const b = await number(company);
  await connectProduct(core, subscriberCtx(b.subscriberId), { msisdn: 'me', productCode: 'child_location' });
  await ingestUsage(core, systemCtx('test'), call(a.msisdn, 20));
  assert.ok((await ledgerDebt([a.accountId, b.accountId])) > limit, 'the pool is exhausted');
  const [inst] = await core.db.query<{ next_charge_at: Date }>("SELECT next_charge_at FROM product_instance WHERE subscriber_id = $1 AND product_code = 'child_location'", [b.subscriberId]);
  const back = clock.now().getTime();
  clock.set(new Date(inst!.next_charge_at.getTime() + 60_000));
  try {
    await runRecurringFees(core, systemCtx('test'), { now: clock.now() });
    const productStatus = async () =>
      (await core.db.query<{ status: string }>("SELECT status FROM product_instance WHERE subscriber_id = $1 AND product_code = 'child_location'", [b.subscriberId]))[0]!.status;
    assert.equal(await productStatus(), 'suspended', 'no money in the pool for the month');
    const before = await ledgerSum(core, b.accountId);

    // A pays off enough of its own debt for the pool to cover B's month again.
    const debt = await ledgerDebt([a.accountId, b.accountId]);
    await pay(a.subscriberId, debt - limit + 15_000);
    assert.equal(await productStatus(), 'active', "B's product resumed with A's payment");
    const after = await ledgerSum(core, b.accountId);
    assert.equal(after.balance, before.balance - 10_000, "the month's fee is charged to B, from the pool");
    assert.equal(after.entries, before.entries + 1);
    assert.ok((await ledgerDebt([a.accountId, b.accountId])) <= limit, 'within the pool');
    const [audit] = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'product.resume'", [b.subscriberId]);
    assert.equal(audit!.n, 1);
  } finally {
    clock.set(new Date(back));
  }
});
