import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { getBonusBalance } from '../../src/domain/bonus/get-bonus-balance.ts';
import type { Core } from '../../src/domain/core.ts';
import { createInstallmentPlan } from '../../src/domain/installments/create-installment-plan.ts';
import { getInstallments } from '../../src/domain/installments/get-installments.ts';
import { payInstallment } from '../../src/domain/installments/pay-installment.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { DomainError } from '../../src/domain/shared/errors.ts';
import { runInstallments } from '../../src/jobs/installments.ts';
import { ctxAs, ledgerSum, makeSubscriber, secondCore, subscriberCtx, testApp, testCore, type TestEnv, refusal } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let other: Core;
before(async () => {
  env = await testCore();
  core = env.core;
  other = await secondCore(env);
});
after(() => env.close());

const staff = () => ctxAs({ kind: 'staff', staffId: 3 }, { channel: 'staff' });

async function installmentEntries(accountId: number) {
  return core.db.query<{ amount: number; kind: string; category: string; idempotency_key: string }>(
    "SELECT amount, kind, category, idempotency_key FROM ledger_entry WHERE account_id = $1 AND reference LIKE 'installment:%' ORDER BY id",
    [accountId],
  );
}

async function smsTo(msisdn: string) {
  return (await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id", [msisdn])).map((r) => r.text);
}

/** The job as the scheduler runs it: twice at once on two app instances, then once more. */
async function runJobTwice(now: Date) {
  await Promise.all([runInstallments(core, { now }), runInstallments(other, { now })]);
  await runInstallments(core, { now });
}

test('a plan started on 31 January: dates clamped to month ends in local time, amounts sum to the total', async () => {
  env.clock.set('2026-01-31T09:00:00Z'); // 12:00 in Moscow
  const s = await makeSubscriber(core, { openingBalance: 0 });
  const plan = await createInstallmentPlan(core, staff(), { msisdn: s.msisdn, deviceName: 'Phone X', total: 100_000, months: 12 });
  assert.equal(plan.monthlyAmount, 8333);
  assert.equal(plan.dayOfMonth, 31);
  assert.equal(plan.status, 'active');
  assert.deepEqual(plan.schedule.map((r) => r.amount), [...Array(11).fill(8333), 8337]);
  assert.equal(plan.schedule.reduce((sum, r) => sum + r.amount, 0), 100_000);
  // Local midnight in Moscow (UTC+3) of the 31st, or of the month's last day.
  assert.deepEqual(plan.schedule.slice(0, 4).map((r) => r.dueAt), [
    '2026-02-27T21:00:00.000Z',
    '2026-03-30T21:00:00.000Z',
    '2026-04-29T21:00:00.000Z',
    '2026-05-30T21:00:00.000Z',
  ]);
  assert.equal(plan.schedule[11]!.dueAt, '2027-01-30T21:00:00.000Z');
  // The day each is due, as the schedule says it in the number's region (what the app shows): the
  // instant above is the evening before in UTC, and a screen in UTC must not show that day.
  assert.deepEqual(plan.schedule.slice(0, 4).map((r) => r.dueDate), ['2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31']);
  assert.equal(plan.schedule[11]!.dueDate, '2027-01-31');
  assert.deepEqual(plan.nextPayment, { seq: 1, dueAt: '2026-02-27T21:00:00.000Z', amount: 8333 });
  assert.equal((await ledgerSum(core, s.accountId)).entries, 0, 'opening a plan charges nothing');

  // In Vladivostok (UTC+10) the same instant is already 19:00 on the 31st; dates follow local time.
  const v = await makeSubscriber(core, { regionCode: '25' });
  const vp = await createInstallmentPlan(core, subscriberCtx(v.subscriberId), { msisdn: 'me', deviceName: 'Watch', total: 1000, months: 3 });
  assert.deepEqual(vp.schedule.map((r) => [r.dueAt, r.amount]), [
    ['2026-02-27T14:00:00.000Z', 333],
    ['2026-03-30T14:00:00.000Z', 333],
    ['2026-04-29T14:00:00.000Z', 334],
  ]);
  const listed = await getInstallments(core, subscriberCtx(v.subscriberId), { msisdn: 'me' });
  assert.deepEqual(listed.items.map((p) => p.id), [vp.id]);
  assert.deepEqual(listed.items[0]!.schedule.map((r) => r.dueDate), ['2026-02-28', '2026-03-31', '2026-04-30']);

  // Who may open one, and what is valid.
  const admin = ctxAs({ kind: 'business_admin', adminId: 1, customerId: s.customerId, role: 'contract_admin', departmentId: null }, { channel: 'business' });
  await assert.rejects(createInstallmentPlan(core, admin, { msisdn: s.msisdn, deviceName: 'Phone', total: 10_000, months: 2 }), refusal('FORBIDDEN'));
  await assert.rejects(createInstallmentPlan(core, staff(), { msisdn: s.msisdn, deviceName: 'Phone', total: 10_000, months: 0 }), refusal('VALIDATION'));
  await assert.rejects(createInstallmentPlan(core, staff(), { msisdn: s.msisdn, deviceName: ' ', total: 10_000, months: 2 }), refusal('VALIDATION'));
  await assert.rejects(createInstallmentPlan(core, subscriberCtx(v.subscriberId), { msisdn: s.msisdn, deviceName: 'Phone', total: 10_000, months: 2 }), refusal('SUBSCRIBER_NOT_FOUND'));
  const audit = await core.db.query<{ outcome: string; n: number }>(
    "SELECT outcome, count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'installment.create' GROUP BY outcome ORDER BY outcome",
    [s.subscriberId],
  );
  assert.deepEqual(audit, [{ outcome: 'ok', n: 1 }, { outcome: 'refused', n: 3 }]);
});

test('the job reminds three days before and takes the payment on the due date, each exactly once', async () => {
  env.clock.set('2026-01-31T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  const plan = await createInstallmentPlan(core, staff(), { msisdn: s.msisdn, deviceName: 'Phone X', total: 30_000, months: 3 });

  await runJobTwice(new Date('2026-02-24T20:59:59Z')); // more than three days before 28 Feb 00:00 MSK
  assert.deepEqual(await smsTo(s.msisdn), []);
  await runJobTwice(new Date('2026-02-24T21:00:00Z'));
  assert.deepEqual(await smsTo(s.msisdn), ['Рассрочка за «Phone X»: 28.02.2026 с баланса будет списан платёж 100,00\u00a0₽. Проверьте, что на балансе достаточно средств.']);
  assert.deepEqual(await installmentEntries(s.accountId), []);

  await runJobTwice(new Date('2026-02-27T20:59:59Z'));
  assert.deepEqual(await installmentEntries(s.accountId), [], 'not before the local due date');
  env.clock.set('2026-02-27T21:00:00Z');
  await runJobTwice(core.clock.now());
  assert.deepEqual(await installmentEntries(s.accountId), [
    { amount: -10_000, kind: 'fee', category: 'one_off', idempotency_key: `installment:${plan.id}:1` },
  ]);
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, 40_000);
  assert.equal(sums.balance, sums.sum);
  assert.equal((await getBonusBalance(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })).points, 100, 'a payment goes through charge() and earns points');
  const [view] = (await getInstallments(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })).items;
  assert.equal(view!.status, 'active');
  assert.deepEqual(view!.schedule.map((r) => r.status), ['paid', 'upcoming', 'upcoming']);
  assert.equal(view!.left, 20_000);
  assert.equal((await smsTo(s.msisdn)).length, 1, 'no second reminder');
  const collected = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'installment.collect'", [s.subscriberId]);
  assert.equal(collected[0]!.n, 1);

  // The next reminder and payment come on their own dates (31 March, local).
  await runJobTwice(new Date('2026-03-27T21:00:00Z'));
  assert.equal((await smsTo(s.msisdn)).length, 2);
  await runJobTwice(new Date('2026-03-30T21:00:00Z'));
  assert.equal((await installmentEntries(s.accountId)).length, 2);
});

test('short of money on the due date: overdue and one SMS in the subscriber’s language; paid once topped up', async () => {
  env.clock.set('2026-01-31T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 5000, language: 'en' });
  const plan = await createInstallmentPlan(core, staff(), { msisdn: s.msisdn, deviceName: 'Tablet', total: 30_000, months: 3 });
  const due = new Date('2026-02-27T21:00:00Z');
  await runJobTwice(due);
  await runJobTwice(new Date(due.getTime() + 3_600_000));
  assert.deepEqual(await installmentEntries(s.accountId), []);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 5000);
  const texts = await smsTo(s.msisdn);
  // The job first ran on the due date, past the reminder window: only the overdue notice, once.
  assert.deepEqual(texts, ['Installment for "Tablet": the payment of RUB 100.00 could not be taken, the balance is too low. Top up and it will be taken automatically.']);
  env.clock.set(due);
  let [view] = (await getInstallments(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })).items;
  assert.equal(view!.status, 'overdue');
  assert.equal(view!.schedule[0]!.status, 'due');

  await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: 'topup-1' }), { msisdn: s.msisdn, amount: 10_000, kind: 'payment', reason: 'top-up' });
  env.clock.set('2026-03-01T09:00:00Z');
  await runJobTwice(core.clock.now());
  assert.deepEqual((await installmentEntries(s.accountId)).map((e) => e.amount), [-10_000]);
  [view] = (await getInstallments(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })).items;
  assert.equal(view!.status, 'active');
  assert.equal(view!.id, plan.id);
  assert.equal((await smsTo(s.msisdn)).length, 1);
});

test('pay the next payment now, then everything left early; refusals; idempotent repeat', async () => {
  env.clock.set('2026-03-10T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 20_000 });
  const ctx = subscriberCtx(s.subscriberId);
  const plan = await createInstallmentPlan(core, ctx, { msisdn: 'me', deviceName: 'Phone Y', total: 50_000, months: 6 });
  assert.deepEqual(plan.schedule.map((r) => r.amount), [8333, 8333, 8333, 8333, 8333, 8335]);

  const next = await payInstallment(core, subscriberCtx(s.subscriberId, { idempotencyKey: 'pay-1' }), { msisdn: 'me', planId: plan.id });
  assert.deepEqual({ paid: next.paid, seqs: next.seqs, left: next.left, status: next.status }, { paid: 8333, seqs: [1], left: 41_667, status: 'active' });
  assert.deepEqual(await payInstallment(core, subscriberCtx(s.subscriberId, { idempotencyKey: 'pay-1' }), { msisdn: 'me', planId: plan.id }), next);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 20_000 - 8333);

  await assert.rejects(payInstallment(core, ctx, { msisdn: 'me', planId: plan.id, early: true }), (e: unknown) => {
    assert.ok(e instanceof DomainError && e.code === 'INSUFFICIENT_FUNDS');
    assert.deepEqual(e.params, { required: 41_667, available: 11_667 });
    return true;
  });
  const stranger = await makeSubscriber(core);
  await assert.rejects(payInstallment(core, subscriberCtx(stranger.subscriberId), { msisdn: 'me', planId: plan.id }), refusal('INSTALLMENT_NOT_FOUND'));
  await assert.rejects(payInstallment(core, ctx, { msisdn: 'me', planId: 999_999 }), refusal('INSTALLMENT_NOT_FOUND'));

  await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: 'topup-early' }), { msisdn: s.msisdn, amount: 40_000, kind: 'payment', reason: 'top-up' });
  const rest = await payInstallment(core, ctx, { msisdn: 'me', planId: plan.id, early: true });
  assert.deepEqual({ paid: rest.paid, seqs: rest.seqs, left: rest.left, status: rest.status }, { paid: 41_667, seqs: [2, 3, 4, 5, 6], left: 0, status: 'paid' });
  const entries = await installmentEntries(s.accountId);
  assert.equal(entries.reduce((sum, e) => sum - e.amount, 0), 50_000);
  assert.ok(entries.every((e) => e.kind === 'fee' && e.category === 'one_off'));
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, 60_000 - 50_000);
  assert.equal(sums.balance, sums.sum);
  const [view] = (await getInstallments(core, ctx, { msisdn: 'me' })).items;
  assert.equal(view!.status, 'paid');
  assert.equal(view!.nextPayment, null);
  assert.ok(view!.closedAt);
  await assert.rejects(payInstallment(core, ctx, { msisdn: 'me', planId: plan.id }), refusal('CONFLICT'));
  // The job has nothing to take from a paid plan.
  await runInstallments(core, { now: new Date('2026-12-31T00:00:00Z') });
  assert.equal((await installmentEntries(s.accountId)).length, 6);
  const audit = await core.db.query<{ outcome: string; n: number }>(
    "SELECT outcome, count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'installment.pay' GROUP BY outcome ORDER BY outcome",
    [s.subscriberId],
  );
  assert.deepEqual(audit, [{ outcome: 'ok', n: 2 }, { outcome: 'refused', n: 3 }]);
});

test('HTTP: open a plan in the shop, list it, pay it; unknown plan is a 404 problem', async () => {
  env.clock.set('2026-03-10T09:00:00Z');
  const app: FastifyInstance = await testApp(core);
  try {
    const s = await makeSubscriber(core, { openingBalance: 30_000 });
    const { token } = await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'password' });
    const headers = { authorization: `Bearer ${token}` };
    const created = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/installments', headers, payload: { deviceName: 'Phone Z', total: 24_000, months: 4 } });
    assert.equal(created.statusCode, 201);
    const plan = created.json<{ id: number; schedule: { amount: number }[] }>();
    assert.deepEqual(plan.schedule.map((r) => r.amount), [6000, 6000, 6000, 6000]);
    const list = await app.inject({ url: '/api/v1/subscribers/me/installments', headers });
    assert.deepEqual(list.json<{ items: { id: number; status: string }[] }>().items.map((p) => [p.id, p.status]), [[plan.id, 'active']]);
    const paid = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/installments/${plan.id}/pay`, headers, payload: {} });
    assert.equal(paid.statusCode, 200);
    const body = paid.json<{ seqs: number[]; paid: number; balance: number }>();
    assert.deepEqual([body.seqs, body.paid, body.balance], [[1], 6000, 24_000]);
    const early = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/installments/${plan.id}/pay`, headers, payload: { early: true } });
    assert.equal(early.json<{ status: string }>().status, 'paid');
    const missing = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/installments/${plan.id + 1000}/pay?lang=en`, headers, payload: {} });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ type: string; title: string }>().type, 'https://abonent.dev/problems/installment-not-found');
    assert.equal(missing.json<{ title: string }>().title, 'Installment plan not found');
    const bad = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/installments', headers, payload: { deviceName: 'Phone', total: 10.5, months: 2 } });
    assert.equal(bad.statusCode, 400);
  } finally {
    await app.close();
  }
});
