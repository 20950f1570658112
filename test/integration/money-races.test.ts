import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SANDBOX_CARDS } from '../../src/adapters/payments/sandbox.ts';
import { createApiKey } from '../../src/domain/auth/api-keys.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger.ts';
import { ledgerSum, makeSubscriber, secondCore, testApp, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * Money actions sent twice at the same moment under one Idempotency-Key, one copy to each of two
 * app instances (two connection pools on PostgreSQL, so the requests truly race): one payment, one
 * provider payment, one credit, and both answers the same. Twenty trials each.
 */
const TRIALS = 20;
let env: TestEnv;
let core: Core;
let apps: FastifyInstance[];
let bases: string[];
let operator: Record<string, string>;
before(async () => {
  env = await testCore();
  core = env.core;
  apps = [await testApp(core), await testApp(await secondCore(env))];
  bases = [];
  for (const a of apps) bases.push(await a.listen({ port: 0, host: '127.0.0.1' }));
  operator = { authorization: `Bearer ${(await createApiKey(core.db, { name: 'races' })).key}` };
});
after(async () => {
  for (const a of apps) await a.close();
  await env.close();
});

async function login(openingBalance = 0) {
  const s = await makeSubscriber(core, { openingBalance });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await apps[0]!.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  return { ...s, auth: { authorization: `Bearer ${res.json<{ token: string }>().token}` } };
}

interface Answer {
  statusCode: number;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** A request over a real socket to instance `i`, as a client sends it. */
async function send(i: number, req: { url: string; headers: Record<string, string>; payload: Record<string, unknown> }): Promise<Answer> {
  const res = await fetch(`${bases[i]}${req.url}`, { method: 'POST', headers: { ...req.headers, 'content-type': 'application/json' }, body: JSON.stringify(req.payload) });
  const body = await res.text();
  return { statusCode: res.status, body, json: <T>() => JSON.parse(body) as T };
}

/** The same request to both instances at once. */
function twice(req: { url: string; headers: Record<string, string>; payload: Record<string, unknown> }) {
  return Promise.all(apps.map((_, i) => send(i, req)));
}

const count = async (sql: string, params: unknown[]) => (await core.db.query<{ n: number }>(`SELECT count(*)::int AS n ${sql}`, params))[0]?.n ?? 0;

async function paySandbox(url: string) {
  const path = new URL(url, 'http://x').pathname;
  return apps[0]!.inject({ method: 'POST', url: path, payload: `card=${SANDBOX_CARDS.success}&expiry=12%2F30&action=pay`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

async function assertLedgerWhole(accountId: number) {
  const sums = await ledgerSum(core, accountId);
  assert.equal(sums.balance, sums.sum, 'balance equals the sum of its entries');
  assert.deepEqual((await verifyLedger(core.db)).mismatches, []);
}

test('top-up: two simultaneous requests with one key get one payment, one provider payment, the same link, and one credit', async () => {
  const s = await login(0);
  for (let i = 0; i < TRIALS; i++) {
    const key = `race-topup-${i}`;
    const sandboxBefore = await count('FROM sandbox_payment', []);
    const [a, b] = await twice({ url: '/api/v1/subscribers/me/payments', headers: { ...s.auth, 'idempotency-key': key }, payload: { amount: 12300 } });
    assert.equal(a!.statusCode, 201, a!.body);
    assert.equal(b!.statusCode, 201, b!.body);
    const ja = a!.json<{ paymentId: string | null; confirmationUrl: string | null }>();
    const jb = b!.json<{ paymentId: string | null; confirmationUrl: string | null }>();
    assert.match(String(ja.paymentId), /^[0-9a-f-]{36}$/, `trial ${i}: a payment id`);
    assert.equal(jb.paymentId, ja.paymentId, `trial ${i}: one payment`);
    assert.ok(ja.confirmationUrl, `trial ${i}: a link`);
    assert.equal(jb.confirmationUrl, ja.confirmationUrl, `trial ${i}: the same link`);
    assert.equal(await count('FROM payment WHERE account_id = $1 AND idempotency_key = $2', [s.accountId, key]), 1);
    assert.equal((await count('FROM sandbox_payment', [])) - sandboxBefore, 1, `trial ${i}: one provider payment`);
    // The row holds the link it gave out.
    assert.equal(await count('FROM payment WHERE id = $1 AND confirmation_url = $2', [ja.paymentId, ja.confirmationUrl]), 1);
    const paid = await paySandbox(ja.confirmationUrl);
    assert.match(paid.body, /succeeded/, paid.body);
  }
  assert.equal(await count("FROM ledger_entry WHERE account_id = $1 AND kind = 'payment'", [s.accountId]), TRIALS, 'one credit per key');
  assert.equal((await ledgerSum(core, s.accountId)).balance, TRIALS * 12300);
  await assertLedgerWhole(s.accountId);
});

test('top-up: the same key with another amount is refused with 422 and writes nothing, also when both arrive together', async () => {
  const s = await login(0);
  const first = await send(0, { url: '/api/v1/subscribers/me/payments', headers: { ...s.auth, 'idempotency-key': 'k-amount' }, payload: { amount: 12300 } });
  assert.equal(first.statusCode, 201);
  const payments = await count('FROM payment WHERE account_id = $1', [s.accountId]);
  const provider = await count('FROM sandbox_payment', []);
  const other = await send(1, { url: '/api/v1/subscribers/me/payments', headers: { ...s.auth, 'idempotency-key': 'k-amount' }, payload: { amount: 45600 } });
  assert.equal(other.statusCode, 422, other.body);
  assert.equal(other.json<{ code: string }>().code, 'IDEMPOTENCY_KEY_REUSED');
  const saveCard = await send(1, { url: '/api/v1/subscribers/me/payments', headers: { ...s.auth, 'idempotency-key': 'k-amount' }, payload: { amount: 12300, saveCard: true } });
  assert.equal(saveCard.statusCode, 422, 'another saveCard is another request');
  assert.equal(await count('FROM payment WHERE account_id = $1', [s.accountId]), payments);
  assert.equal(await count('FROM sandbox_payment', []), provider);

  for (let i = 0; i < 5; i++) {
    const key = `k-together-${i}`;
    const res = await Promise.all(
      [12300, 45600].map((amount, j) => send(j, { url: '/api/v1/subscribers/me/payments', headers: { ...s.auth, 'idempotency-key': key }, payload: { amount } })),
    );
    assert.deepEqual(res.map((r) => r.statusCode).sort(), [201, 422]);
    assert.equal(await count('FROM payment WHERE account_id = $1 AND idempotency_key = $2', [s.accountId, key]), 1);
  }
  assert.equal(await count('FROM sandbox_payment', []), provider + 5);
});

test('saved card: two simultaneous one-tap top-ups with one key charge the card once and credit once', async () => {
  const s = await login(0);
  const started = await send(0, { url: '/api/v1/subscribers/me/payments', headers: s.auth, payload: { amount: 1000, saveCard: true } });
  await paySandbox(started.json<{ confirmationUrl: string }>().confirmationUrl);
  const card = (await core.db.query<{ id: number }>('SELECT id FROM saved_card WHERE account_id = $1', [s.accountId]))[0];
  assert.ok(card);
  for (let i = 0; i < TRIALS; i++) {
    const key = `race-card-${i}`;
    const charges = await count('FROM sandbox_payment', []);
    const [a, b] = await twice({ url: '/api/v1/subscribers/me/payments/card', headers: { ...s.auth, 'idempotency-key': key }, payload: { amount: 5000, cardId: card.id } });
    assert.equal(a!.statusCode, 201, a!.body);
    assert.equal(b!.statusCode, 201, b!.body);
    assert.equal(a!.json<{ paymentId: string }>().paymentId, b!.json<{ paymentId: string }>().paymentId);
    assert.equal(b!.json<{ status: string }>().status, 'succeeded');
    assert.equal(a!.json<{ status: string }>().status, 'succeeded');
    assert.equal((await count('FROM sandbox_payment', [])) - charges, 1, `trial ${i}: one charge`);
  }
  assert.equal((await ledgerSum(core, s.accountId)).balance, 1000 + TRIALS * 5000);
  await assertLedgerWhole(s.accountId);
});

test('promised payment: two simultaneous requests with one key take it once', async () => {
  for (let i = 0; i < TRIALS; i++) {
    const s = await login(0);
    const [a, b] = await twice({ url: '/api/v1/subscribers/me/promised-payment', headers: { ...s.auth, 'idempotency-key': `race-promised-${i}` }, payload: { amount: 10_000 } });
    assert.equal(a!.statusCode, 201, a!.body);
    assert.equal(b!.statusCode, 201, b!.body);
    assert.deepEqual(a!.json(), b!.json(), 'the same answer');
    assert.equal(await count('FROM promised_payment WHERE account_id = $1', [s.accountId]), 1);
    assert.equal(await count("FROM ledger_entry WHERE account_id = $1 AND kind = 'promised'", [s.accountId]), 1);
    const other = await send(0, { url: '/api/v1/subscribers/me/promised-payment', headers: { ...s.auth, 'idempotency-key': `race-promised-${i}` }, payload: { amount: 5_000 } });
    assert.equal(other.statusCode, 422, 'the key with another amount');
    await assertLedgerWhole(s.accountId);
  }
});

test('TMF654 topupBalance: two simultaneous requests with one key book once and name the same resource', async () => {
  const s = await makeSubscriber(core, { openingBalance: 0 });
  for (let i = 0; i < TRIALS; i++) {
    const body = { amount: { amount: 123, units: 'RUB' }, usageType: 'monetary', bucket: [{ id: `money-${s.msisdn}` }], partyAccount: { id: String(s.accountId) }, reason: 'cash' };
    const [a, b] = await twice({ url: '/tmf-api/prepayBalanceManagement/v4/topupBalance', headers: { ...operator, 'idempotency-key': `race-tmf-${i}` }, payload: body });
    assert.equal(a!.statusCode, 201, a!.body);
    assert.equal(b!.statusCode, 201, b!.body);
    assert.equal(a!.json<{ id: string }>().id, b!.json<{ id: string }>().id);
    const other = await send(1, { url: '/tmf-api/prepayBalanceManagement/v4/topupBalance', headers: { ...operator, 'idempotency-key': `race-tmf-${i}` }, payload: { ...body, amount: { amount: 124, units: 'RUB' } } });
    assert.equal(other.statusCode, 422, 'the key with another amount');
  }
  assert.equal(await count("FROM ledger_entry WHERE account_id = $1 AND kind = 'payment'", [s.accountId]), TRIALS);
  assert.equal(await count("FROM tmf_balance_action WHERE account_id = $1 AND kind = 'topupBalance'", [s.accountId]), TRIALS);
  assert.equal((await ledgerSum(core, s.accountId)).balance, TRIALS * 12_300);
  await assertLedgerWhole(s.accountId);
});

test('usage: the same batch sent twice at once charges each record once', async () => {
  const s = await makeSubscriber(core, { openingBalance: 1_000_000 });
  for (let i = 0; i < TRIALS; i++) {
    const records = Array.from({ length: 10 }, (_, j) => ({
      recordId: `race-${i}-${j}`,
      msisdn: s.msisdn,
      kind: 'voice',
      zone: 'roaming',
      startedAt: new Date(core.clock.now().getTime() - 3_600_000 + j * 60_000).toISOString(),
      durationSeconds: 120,
    }));
    const [a, b] = await twice({ url: '/api/v1/usage', headers: operator, payload: { records } });
    assert.equal(a!.statusCode, 200, a!.body);
    assert.equal(b!.statusCode, 200, b!.body);
    const ra = a!.json<{ accepted: number; duplicates: number }>();
    const rb = b!.json<{ accepted: number; duplicates: number }>();
    assert.equal(ra.accepted + rb.accepted, 10, `trial ${i}: each record rated once`);
    assert.equal(ra.duplicates + rb.duplicates, 10);
  }
  assert.equal(await count('FROM usage_record WHERE account_id = $1', [s.accountId]), TRIALS * 10);
  const dup = await core.db.query('SELECT idempotency_key FROM ledger_entry WHERE account_id = $1 GROUP BY idempotency_key HAVING count(*) > 1', [s.accountId]);
  assert.deepEqual(dup, []);
  await assertLedgerWhole(s.accountId);
});
