// One balance read (issue 16): every place that shows or answers with a number's balance gets it
// from ledger/read-balance.ts, so they all state the same balance, credit, available and status —
// for a consumer number with its own trust limit and for a business number on a shared credit pool.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listNumbers } from '../../src/domain/business/list-numbers.ts';
import { updateContract } from '../../src/domain/business/limits.ts';
import type { Core } from '../../src/domain/core.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { readBalance, readBalances, type BalanceFacts } from '../../src/domain/ledger/read-balance.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { loadSubscriber } from '../../src/domain/subscribers/access.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { createWidgetToken } from '../../src/domain/widget/create-widget-token.ts';
import { readWidgetCard } from '../../src/domain/widget/read-widget-card.ts';
import { makeCompany } from '../helpers/business.ts';
import { ctxAs, ledgerSum, makeSubscriber, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
const clock = new ManualClock('2026-03-15T09:00:00Z');
before(async () => {
  env = await testCore({ clock });
  core = env.core;
});
after(() => env.close());

const staff = (key?: string) => ctxAs({ kind: 'staff', staffId: 1 }, key ? { idempotencyKey: key } : {});
const facts = (b: BalanceFacts) => ({ balance: b.balance, creditLimit: b.creditLimit, creditSource: b.creditSource, available: b.available, status: b.status, asOf: b.asOf });

test('a consumer number: every reader states the same balance, own credit, available and time', async () => {
  const s = await makeSubscriber(core, { openingBalance: 12_345 });
  await core.db.query('UPDATE account SET credit_limit = 5000 WHERE id = $1', [s.accountId]);
  const expected = { balance: 12_345, creditLimit: 5_000, creditSource: 'own', available: 17_345, status: 'active', asOf: clock.now().toISOString() };

  const one = await readBalance(core, { subscriberId: s.subscriberId });
  assert.deepEqual(facts(one!), expected);
  assert.deepEqual(facts((await readBalance(core, { msisdn: s.msisdn }))!), expected);
  assert.deepEqual(facts((await readBalances(core.db, { subscriberIds: [s.subscriberId] }, clock.now()))[0]!), expected);
  assert.deepEqual(facts((await readBalances(core.db, { accountIds: [s.accountId] }, clock.now()))[0]!), expected);
  assert.deepEqual(facts(await getBalance(core, subscriberCtx(s.subscriberId), { msisdn: 'me' }) as unknown as BalanceFacts), expected);

  // The locked read of a write use case takes the same definition of the facts.
  const locked = await core.db.tx((tx) => loadSubscriber(tx, staff().actor, s.msisdn, { access: 'read', lock: true }));
  assert.deepEqual([locked.balance, locked.creditLimit, locked.status], [12_345, 5_000, 'active']);

  const { token } = await createWidgetToken(core, subscriberCtx(s.subscriberId), { msisdn: 'me', label: 'one read' });
  const card = await readWidgetCard(core, { token });
  assert.deepEqual([card.balance, card.currency, card.asOf], [12_345, one!.currency, expected.asOf]);

  // What a top-up answers with is what is read next, and the sum of the entries.
  const topUp = await adjustBalance(core, staff('one-read-topup'), { msisdn: s.msisdn, amount: 655, kind: 'payment', reason: 'cash' });
  assert.equal(topUp.balance, 13_000);
  assert.equal((await readBalance(core, { subscriberId: s.subscriberId }))!.balance, 13_000);
  const books = await ledgerSum(core, s.accountId);
  assert.deepEqual([books.balance, books.sum], [13_000, 13_000]);
});

test("a business number on a credit pool: the pool's credit as each number sees it, the same in the portal and every read", async () => {
  const company = await makeCompany(core, 'ООО Один баланс', { regions: ['77'] });
  const admin = await company.admin('contract_admin');
  await updateContract(core, admin.ctx, { contractId: company.contracts['77']!, creditLimit: 50_000 });
  const a = await company.number({ tariff: 'basic', balance: 10_000 });
  const b = await company.number({ tariff: 'basic', balance: 1_000 });
  // b owes 3 000: the pool leaves a 47 000 of credit; b's own debt is its own and does not lower b's.
  await adjustBalance(core, staff('one-read-debt'), { msisdn: b.msisdn, amount: -4_000, kind: 'adjustment', reason: 'debt', allowOverdraft: true });

  const reads = await readBalances(core.db, { subscriberIds: [b.subscriberId, a.subscriberId] }, clock.now());
  assert.deepEqual(
    reads.map((r) => [r.msisdn, r.balance, r.creditLimit, r.creditSource, r.available]),
    [
      [b.msisdn, -3_000, 50_000, 'company_pool', 47_000],
      [a.msisdn, 10_000, 47_000, 'company_pool', 57_000],
    ],
    'in the order asked',
  );
  for (const [s, r] of [[b, reads[0]!], [a, reads[1]!]] as const) {
    assert.deepEqual(facts((await readBalance(core, { msisdn: s.msisdn }))!), facts(r));
    assert.deepEqual(facts(await getBalance(core, admin.ctx, { msisdn: s.msisdn }) as unknown as BalanceFacts), facts(r));
  }
  const listed = await listNumbers(core, admin.ctx, {});
  assert.deepEqual(
    listed.items.map((i) => [i.msisdn, i.balance]).sort(),
    [
      [a.msisdn, 10_000],
      [b.msisdn, -3_000],
    ].sort(),
  );
});

test('an unknown number reads as nothing, alone or among others', async () => {
  assert.equal(await readBalance(core, { msisdn: '79990000001' }), undefined);
  assert.equal(await readBalance(core, { subscriberId: 987_654_321 }), undefined);
  const s = await makeSubscriber(core, { openingBalance: 100 });
  assert.deepEqual(
    (await readBalances(core.db, { subscriberIds: [987_654_321, s.subscriberId] }, clock.now())).map((r) => r.subscriberId),
    [s.subscriberId],
  );
  assert.deepEqual(await readBalances(core.db, { subscriberIds: [] }, clock.now()), []);
});
