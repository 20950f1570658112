import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Core } from '../../src/domain/core.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { disableProduct } from '../../src/domain/services/disable-product.ts';
import { isDomainError } from '../../src/domain/shared/errors.ts';
import { ctxAs, ledgerSum, makeSubscriber, secondCore, storeKind, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let other: Core;
before(async () => {
  env = await testCore();
  core = env.core;
  other = await secondCore(env);
});
after(() => env.close());

const products = ['ringback', 'child_location', 'weather', 'news', 'sms_100', 'everywhere_home', 'internet_plus'];

/**
 * 200 operations at once on one account, spread over two app instances (two connection pools on
 * PostgreSQL): connects, disables and staff charges, a quarter of them repeats of the same key.
 */
async function storm(cores: Core[]) {
  const s = await makeSubscriber(core, { openingBalance: 300_000 });
  const ops: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < 200; i++) {
    const c = cores[i % cores.length]!;
    const code = products[i % products.length]!;
    // Every fourth operation reuses a key shared with others of its product: a client's retry.
    const key = i % 4 === 3 ? `retry-${code}` : `op-${i}`;
    if (i % 5 === 0) {
      ops.push(() => adjustBalance(c, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: i % 10 === 0 ? 'charge-shared' : `charge-${i}` }), { msisdn: s.msisdn, amount: -1000, reason: 'test charge' }));
    } else if (i % 3 === 0) {
      ops.push(() => disableProduct(c, subscriberCtx(s.subscriberId, { idempotencyKey: key }), { msisdn: 'me', productCode: code }));
    } else {
      ops.push(() => connectProduct(c, subscriberCtx(s.subscriberId, { idempotencyKey: key }), { msisdn: 'me', productCode: code }));
    }
  }
  const results = await Promise.allSettled(ops.map((op) => op()));
  const unexpected = results.filter((r) => r.status === 'rejected' && !isDomainError(r.reason));
  assert.deepEqual(unexpected, [], 'only domain refusals, never a crash or a deadlock');
  return s;
}

async function assertConsistent(accountId: number) {
  const sums = await ledgerSum(core, accountId);
  assert.equal(sums.balance, sums.sum, 'balance equals the sum of its entries');
  const dup = await core.db.query<{ idempotency_key: string; n: number }>(
    'SELECT idempotency_key, count(*)::int AS n FROM ledger_entry WHERE account_id = $1 GROUP BY idempotency_key HAVING count(*) > 1',
    [accountId],
  );
  assert.deepEqual(dup, [], 'no entry booked twice');
  const shared = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = $1 AND idempotency_key = 'adjust:charge-shared'", [accountId]);
  assert.equal(shared[0]!.n, 1, 'the charge sent 20 times under one key is booked once');
  // Every live product was charged exactly its connection fee and first period, once per connection.
  const perConnection = await core.db.query<{ product_code: string; n: number; connections: number }>(
    `SELECT e.product_code, count(*)::int AS n,
            (SELECT count(*)::int FROM product_instance i WHERE i.account_id = $1 AND i.product_code = e.product_code) AS connections
       FROM ledger_entry e WHERE e.account_id = $1 AND e.kind = 'fee' AND e.idempotency_key LIKE 'fee:%' GROUP BY e.product_code`,
    [accountId],
  );
  for (const row of perConnection) assert.equal(row.n, row.connections, `${row.product_code}: one first-period fee per connection`);
  const live = await core.db.query<{ product_code: string; n: number }>(
    "SELECT product_code, count(*)::int AS n FROM product_instance WHERE account_id = $1 AND status <> 'disabled' GROUP BY product_code HAVING count(*) > 1",
    [accountId],
  );
  assert.deepEqual(live, [], 'a product is live at most once');
  assert.ok(sums.balance >= 0, 'no charge passed the (zero) credit limit');
  assert.deepEqual((await verifyLedger(core.db)).mismatches, []);
}

test('200 parallel connect/disable/charge operations on one account stay exact', async () => {
  const s = await storm([core]);
  await assertConsistent(s.accountId);
});

test(`the same storm through two app instances sharing one ${storeKind} store`, async () => {
  const s = await storm([core, other]);
  await assertConsistent(s.accountId);
});
