import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { SandboxProvider} from '../../src/adapters/payments/sandbox.ts';
import { SANDBOX_CARDS, SANDBOX_PAGE_TTL_MS, SIGNATURE_HEADER } from '../../src/adapters/payments/sandbox.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { takePromisedPayment } from '../../src/domain/billing/promised-payment.ts';
import type { Core } from '../../src/domain/core.ts';
import { runAutoPayments, setAutoPayment } from '../../src/domain/payments/auto-payment.ts';
import { ctxAs, ledgerSum, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let sandbox: SandboxProvider;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  sandbox = core.payments as SandboxProvider;
});
after(async () => {
  await app.close();
  await env.close();
});

async function login(openingBalance = 0) {
  const s = await makeSubscriber(core, { openingBalance });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  return { ...s, auth: { authorization: `Bearer ${res.json<{ token: string }>().token}` } };
}

async function startTopUp(s: { auth: Record<string, string> }, amount: number, saveCard = false, key?: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/subscribers/me/payments',
    headers: { ...s.auth, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { amount, saveCard, returnUrl: '/payments' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<{ paymentId: string; confirmationUrl: string; status: string }>();
}

async function payOnSandboxPage(confirmationUrl: string, card: string, action = 'pay') {
  const page = await app.inject({ url: confirmationUrl });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Песочница оплаты/);
  return app.inject({ method: 'POST', url: confirmationUrl, payload: `card=${card}&expiry=12%2F30&action=${action}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

const paymentStatus = async (s: { auth: Record<string, string> }, id: string) =>
  (await app.inject({ url: `/api/v1/subscribers/me/payments/${id}`, headers: s.auth })).json<{ status: string; failureReason: string | null }>();

test('top-up through the sandbox page: webhook credits once, card saved as a token, redirect back', async () => {
  const s = await login(0);
  const started = await startTopUp(s, 50_000, true);
  assert.equal(started.status, 'pending');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 0, 'nothing credited before the provider confirms');
  const done = await payOnSandboxPage(started.confirmationUrl, SANDBOX_CARDS.success);
  assert.equal(done.statusCode, 303);
  assert.equal(done.headers.location, '/payments?payment=succeeded');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 50_000);
  assert.equal((await paymentStatus(s, started.paymentId)).status, 'succeeded');
  const cards = (await app.inject({ url: '/api/v1/subscribers/me/cards', headers: s.auth })).json<{ items: { id: number; last4: string }[] }>().items;
  assert.deepEqual(cards.map((c) => c.last4), ['4242']);
  const stored = await core.db.query<{ token: string }>('SELECT token FROM saved_card WHERE account_id = $1', [s.accountId]);
  assert.match(stored[0]!.token, /^tok_/);
  assert.ok(!JSON.stringify(stored).includes(SANDBOX_CARDS.success), 'no card number is kept');
  // The page cannot be paid twice.
  assert.equal((await payOnSandboxPage(started.confirmationUrl, SANDBOX_CARDS.success).catch(() => null)) === null, false);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 50_000);
});

test('webhooks: duplicated and late events change nothing; forged signatures and unknown payments are refused', async () => {
  const s = await login(0);
  const started = await startTopUp(s, 20_000);
  const ref = (await core.db.query<{ provider_ref: string }>('SELECT provider_ref FROM payment WHERE id = $1', [started.paymentId]))[0]!.provider_ref;
  const body = JSON.stringify({ id: 'evt_1', type: 'payment.succeeded', providerRef: ref });
  const post = (b: string, sig: string) => app.inject({ method: 'POST', url: '/api/v1/payments/webhook/sandbox', payload: b, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sig } });
  // The webhook arrives before the payer is back from the page.
  const first = await post(body, sandbox.sign(body));
  assert.equal(first.statusCode, 200);
  assert.equal(first.json<{ changed: boolean }>().changed, true);
  const repeat = await post(body, sandbox.sign(body));
  assert.equal(repeat.json<{ changed: boolean }>().changed, false);
  // A late "failed" for the same payment does not undo it.
  const late = JSON.stringify({ id: 'evt_2', type: 'payment.failed', providerRef: ref, reason: 'late' });
  assert.equal((await post(late, sandbox.sign(late))).json<{ changed: boolean }>().changed, false);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 20_000);
  const forged = await post(body.replace('succeeded', 'succeeded '), sandbox.sign(body));
  assert.equal(forged.statusCode, 403);
  assert.equal((await post(body, '0'.repeat(64))).statusCode, 403);
  assert.equal((await post(body, 'not-hex')).statusCode, 403);
  const unknown = JSON.stringify({ id: 'evt_3', type: 'payment.succeeded', providerRef: 'sbx_00000000-0000-0000-0000-000000000000' });
  assert.equal((await post(unknown, sandbox.sign(unknown))).statusCode, 404);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 20_000);
});

test('declined and cancelled payments credit nothing and say why', async () => {
  const s = await login(0);
  const declined = await startTopUp(s, 10_000);
  const d = await payOnSandboxPage(declined.confirmationUrl, SANDBOX_CARDS.declined);
  assert.equal(d.headers.location, '/payments?payment=failed');
  assert.deepEqual(await paymentStatus(s, declined.paymentId).then((p) => [p.status, p.failureReason]), ['failed', 'card declined']);
  const cancelled = await startTopUp(s, 10_000);
  await payOnSandboxPage(cancelled.confirmationUrl, '', 'cancel');
  assert.equal((await paymentStatus(s, cancelled.paymentId)).status, 'cancelled');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 0);
});

test('a repeated start with the same key is the same payment', async () => {
  const s = await login(0);
  const a = await startTopUp(s, 10_000, false, 'topup-key-1');
  const b = await startTopUp(s, 10_000, false, 'topup-key-1');
  assert.equal(a.paymentId, b.paymentId);
  assert.equal(a.confirmationUrl, b.confirmationUrl);
});

test('a top-up repays the promised payment first and unblocks the number', async () => {
  const s = await login(0);
  await takePromisedPayment(core, subscriberCtx(s.subscriberId), { msisdn: 'me', amount: 10_000 });
  const started = await startTopUp(s, 30_000);
  await payOnSandboxPage(started.confirmationUrl, SANDBOX_CARDS.success);
  const pp = await core.db.query<{ status: string }>('SELECT status FROM promised_payment WHERE account_id = $1', [s.accountId]);
  assert.equal(pp[0]!.status, 'repaid');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 10_000 - 1000 + 30_000 - 10_000);
});

test('refund by staff books a refund entry once per key and never beyond the payment', async () => {
  const s = await login(0);
  const started = await startTopUp(s, 20_000);
  await payOnSandboxPage(started.confirmationUrl, SANDBOX_CARDS.success);
  await core.db.query("INSERT INTO staff_user (email, name, password_hash) VALUES ('refunds@test.example', 'R', $1) ON CONFLICT DO NOTHING", [await hashPassword('staff-pass-1')]);
  const staffLogin = await app.inject({ method: 'POST', url: '/api/v1/auth/staff/login', payload: { email: 'refunds@test.example', password: 'staff-pass-1' } });
  const h = { authorization: `Bearer ${staffLogin.json<{ token: string }>().token}`, 'idempotency-key': 'refund-1' };
  const r1 = await app.inject({ method: 'POST', url: `/api/v1/payments/${started.paymentId}/refund`, headers: h, payload: { amount: 5000, reason: 'goodwill' } });
  assert.equal(r1.statusCode, 200, r1.body);
  const r2 = await app.inject({ method: 'POST', url: `/api/v1/payments/${started.paymentId}/refund`, headers: h, payload: { amount: 5000, reason: 'goodwill' } });
  assert.deepEqual(r2.json(), r1.json());
  const tooMuch = await app.inject({ method: 'POST', url: `/api/v1/payments/${started.paymentId}/refund`, headers: { ...h, 'idempotency-key': 'refund-2' }, payload: { amount: 20_000, reason: 'x' } });
  assert.equal(tooMuch.statusCode, 422);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 15_000);
  const bySubscriber = await app.inject({ method: 'POST', url: `/api/v1/payments/${started.paymentId}/refund`, headers: { ...s.auth, 'idempotency-key': 'r3' }, payload: { amount: 1, reason: 'x' } });
  assert.equal(bySubscriber.statusCode, 403);
});

test('saved card top-up and auto-payment by threshold and monthly, within limits, every attempt recorded', async () => {
  env.clock.set('2026-05-10T09:00:00Z');
  const s = await login(0);
  const started = await startTopUp(s, 10_000, true);
  await payOnSandboxPage(started.confirmationUrl, SANDBOX_CARDS.success);
  const cardId = (await core.db.query<{ id: number }>('SELECT id FROM saved_card WHERE account_id = $1', [s.accountId]))[0]!.id;
  const oneTap = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/payments/card', headers: s.auth, payload: { amount: 5000, cardId } });
  assert.equal(oneTap.statusCode, 201, oneTap.body);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 15_000);

  const ctx = subscriberCtx(s.subscriberId);
  await setAutoPayment(core, ctx, { msisdn: 'me', settings: { mode: 'threshold', threshold: 20_000, amount: 10_000, cardId, dailyLimit: 20_000 } });
  const run1 = await runAutoPayments(core, { now: env.clock.now() });
  assert.ok(run1.succeeded >= 1);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 25_000);
  // Above the threshold now: nothing more.
  await runAutoPayments(core, { now: env.clock.now() });
  assert.equal((await ledgerSum(core, s.accountId)).balance, 25_000);
  // Spend, wait past the retry hour: a second top-up fits the daily limit, a third does not.
  await core.db.query("UPDATE quota SET used = included WHERE subscriber_id = $1", [s.subscriberId]);
  const { ingestUsage } = await import('../../src/domain/billing/ingest-usage.ts');
  const call = (id: string) => ingestUsage(core, ctxAs({ kind: 'system', name: 't' }), [{ recordId: id, msisdn: s.msisdn, kind: 'voice', zone: 'roaming', startedAt: env.clock.now(), durationSeconds: 600 }]);
  await call('ap-1');
  env.clock.advance(61 * 60_000);
  await runAutoPayments(core, { now: env.clock.now() });
  await call('ap-2');
  env.clock.advance(61 * 60_000);
  await runAutoPayments(core, { now: env.clock.now() });
  const attempts = await core.db.query<{ outcome: string }>('SELECT outcome FROM auto_payment_attempt WHERE account_id = $1 ORDER BY id', [s.accountId]);
  assert.deepEqual(attempts.map((a) => a.outcome), ['succeeded', 'succeeded', 'limit_reached']);

  await setAutoPayment(core, ctx, { msisdn: 'me', settings: { mode: 'monthly', dayOfMonth: 15, amount: 30_000, cardId, dailyLimit: 100_000, monthlyLimit: 100_000 } });
  const before = (await ledgerSum(core, s.accountId)).balance;
  await runAutoPayments(core, { now: new Date('2026-05-14T20:00:00Z') }); // 14 May 23:00 Moscow: not yet
  assert.equal((await ledgerSum(core, s.accountId)).balance, before);
  await runAutoPayments(core, { now: new Date('2026-05-14T21:00:00Z') }); // 15 May 00:00 Moscow
  await runAutoPayments(core, { now: new Date('2026-05-14T21:30:00Z') });
  assert.equal((await ledgerSum(core, s.accountId)).balance, before + 30_000);
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, sums.sum);
});

test('auto-payment over HTTP: saved cards, set by threshold and monthly, its attempts, switched off — every answer as its schema states', async () => {
  env.clock.set('2026-06-10T09:00:00Z');
  const s = await login(0);
  const started = await startTopUp(s, 10_000, true);
  await payOnSandboxPage(started.confirmationUrl, SANDBOX_CARDS.success);
  const cards = await app.inject({ url: '/api/v1/subscribers/me/cards', headers: s.auth });
  assert.equal(cards.statusCode, 200, cards.body);
  const [card] = cards.json<{ items: { id: number; last4: string; brand: string; expiry: string }[] }>().items;
  assert.ok(card);
  assert.deepEqual(Object.keys(card).sort(), ['brand', 'expiry', 'id', 'last4']);
  assert.equal(card.last4, '4242');

  const url = '/api/v1/subscribers/me/auto-payment';
  const never = await app.inject({ url, headers: s.auth });
  assert.equal(never.statusCode, 200, never.body);
  assert.deepEqual(never.json(), { settings: null, attempts: [] });

  const byThreshold = await app.inject({ method: 'PUT', url, headers: s.auth, payload: { mode: 'threshold', amount: 10_000, threshold: 20_000, cardId: card.id } });
  assert.equal(byThreshold.statusCode, 200, byThreshold.body);
  assert.deepEqual(byThreshold.json(), { enabled: true, nextRunAt: null, dailyLimit: 30_000, monthlyLimit: 100_000 });
  await runAutoPayments(core, { now: env.clock.now() });
  const afterRun = await app.inject({ url, headers: s.auth });
  assert.equal(afterRun.statusCode, 200, afterRun.body);
  assert.deepEqual(afterRun.json(), {
    settings: { enabled: true, mode: 'threshold', threshold: 20_000, amount: 10_000, dayOfMonth: null, cardId: card.id, dailyLimit: 30_000, monthlyLimit: 100_000, nextRunAt: null },
    attempts: [{ at: '2026-06-10T09:00:00.000Z', trigger: 'threshold', amount: 10_000, outcome: 'succeeded', detail: null }],
  });

  const monthly = await app.inject({ method: 'PUT', url, headers: s.auth, payload: { mode: 'monthly', amount: 30_000, dayOfMonth: 15, cardId: card.id } });
  assert.equal(monthly.statusCode, 200, monthly.body);
  // 15 June 00:00 Moscow.
  assert.equal(monthly.json<{ nextRunAt: string }>().nextRunAt, '2026-06-14T21:00:00.000Z');
  const read = (await app.inject({ url, headers: s.auth })).json<{ settings: { mode: string; dayOfMonth: number; threshold: number | null; nextRunAt: string } }>();
  assert.deepEqual([read.settings.mode, read.settings.dayOfMonth, read.settings.threshold, read.settings.nextRunAt], ['monthly', 15, null, '2026-06-14T21:00:00.000Z']);

  const off = await app.inject({ method: 'DELETE', url, headers: s.auth });
  assert.equal(off.statusCode, 200, off.body);
  assert.deepEqual(off.json(), { enabled: false });
  const stopped = (await app.inject({ url, headers: s.auth })).json<{ settings: { enabled: boolean } }>();
  assert.equal(stopped.settings.enabled, false, 'the settings stay, switched off');
});

test('an abandoned sandbox page lapses after its time: cancelled once by the job, nothing credited, the page no longer pays', async () => {
  const s = await login(0);
  const started = await startTopUp(s, 30_000);
  const fresh = await startTopUp(s, 10_000);
  env.clock.advance(SANDBOX_PAGE_TTL_MS - 1000);
  const late = await startTopUp(s, 5_000); // opened just now: not lapsing with the others
  env.clock.advance(2000);
  // This file's earlier tests left pages open too: they lapse with these.
  assert.ok((await sandbox.expireAbandoned(core.clock.now())) >= 2);
  assert.equal((await paymentStatus(s, started.paymentId)).status, 'cancelled');
  assert.equal((await paymentStatus(s, fresh.paymentId)).status, 'cancelled');
  assert.equal((await paymentStatus(s, late.paymentId)).status, 'pending');
  assert.equal(await sandbox.expireAbandoned(core.clock.now()), 0, 'each lapses once');
  // The payer comes back to the lapsed page: nothing is charged or credited.
  await payOnSandboxPage(started.confirmationUrl, SANDBOX_CARDS.success).catch(() => null);
  assert.equal((await paymentStatus(s, started.paymentId)).status, 'cancelled');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 0);
  const ref = (await core.db.query<{ status: string }>('SELECT status FROM sandbox_payment WHERE merchant_key = $1', [started.paymentId]))[0];
  assert.equal(ref?.status, 'cancelled');
});
