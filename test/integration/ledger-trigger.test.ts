import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postEntries } from '../../src/domain/ledger/post-entry.ts';
import { ledgerSum, makeSubscriber, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
before(async () => {
  env = await testCore();
});
after(() => env.close());

// Through the one write path: the repeat below relies on its ON CONFLICT on ledger_entry_key.
const insert = (rows: [number, number, string][]) =>
  postEntries(
    env.core.db,
    { account: rows.map((r) => r[0]), amount: rows.map((r) => r[1]), kind: rows.map(() => 'adjustment' as const), key: rows.map((r) => r[2]), sub: rows.map(() => null), category: rows.map(() => null) },
    env.core.clock.now(),
  );

test('one statement of many entries over several accounts moves each balance by the sum of its new entries', async () => {
  const a = await makeSubscriber(env.core, { openingBalance: 10_000 });
  const b = await makeSubscriber(env.core, { openingBalance: 500 });
  await insert([
    [a.accountId, -150, 't1'],
    [b.accountId, 1_000, 't1'],
    [a.accountId, -250, 't2'],
    [a.accountId, 75, 't3'],
    [b.accountId, -1, 't2'],
  ]);
  assert.equal((await ledgerSum(env.core, a.accountId)).balance, 10_000 - 150 - 250 + 75);
  assert.equal((await ledgerSum(env.core, b.accountId)).balance, 500 + 1_000 - 1);
  // A repeat of the same keys inserts nothing and moves nothing; a new key beside them does.
  await insert([
    [a.accountId, -150, 't1'],
    [a.accountId, -250, 't2'],
    [a.accountId, -9, 't4'],
  ]);
  for (const s of [a, b]) {
    const l = await ledgerSum(env.core, s.accountId);
    assert.equal(l.balance, l.sum, 'balance equals the sum of its entries');
  }
  assert.equal((await ledgerSum(env.core, a.accountId)).balance, 10_000 - 150 - 250 + 75 - 9);
});

test('concurrent multi-account batches in opposite orders neither deadlock nor lose a kopeck', async () => {
  const subs = await Promise.all(Array.from({ length: 6 }, () => makeSubscriber(env.core, { openingBalance: 0 })));
  const ids = subs.map((s) => s.accountId);
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      env.core.db.tx((tx) =>
        tx.query(
          `INSERT INTO ledger_entry (account_id, amount, kind, idempotency_key)
           SELECT a, 7, 'adjustment', 'c' || $2 || ':' || a FROM unnest($1::bigint[]) AS a`,
          [i % 2 ? [...ids].reverse() : ids, i],
        ),
      ),
    ),
  );
  for (const id of ids) {
    const l = await ledgerSum(env.core, id);
    assert.deepEqual([l.balance, l.sum], [56, 56], 'eight batches of 7 kopecks each');
  }
});
