// Billing speed, round 2 (migration 021 and the fee run's batch statements): the columns a fee run
// and the ledger move for every subscriber every day stay out of every index (so the updates are
// heap-only), the reference checks still refuse what they refused when they probe by key, and the
// fee run's due set and lock — one statement now — still skip what another runner holds and go on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import type { Core } from '../../src/domain/core.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { holdLocks, ledgerSum, makeSubscriber, secondCore, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

test('no index names subscriber.tariff_next_charge_at or account.balance (their daily updates stay heap-only)', async () => {
  const rows = await core.db.query<{ table: string; def: string; fillfactor: string | null }>(
    `SELECT c.relname AS table, pg_get_indexdef(i.indexrelid) AS def,
            (SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor') AS fillfactor
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
      WHERE c.relname IN ('subscriber', 'account') AND c.relnamespace = current_schema()::regnamespace`,
  );
  const tables = new Set(rows.map((r) => r.table));
  assert.deepEqual([...tables].sort(), ['account', 'subscriber'], 'both tables and their indexes were read');
  assert.ok(rows.length >= 4);
  for (const r of rows) {
    // In the key, an INCLUDE list, an expression or a partial index's predicate alike.
    if (r.table === 'subscriber') assert.doesNotMatch(r.def, /tariff_next_charge_at/, r.def);
    if (r.table === 'account') assert.doesNotMatch(r.def, /\bbalance\b/, r.def);
    assert.equal(r.fillfactor, '50', `${r.table} leaves room on its pages for the next row versions`);
  }
});

test('a ledger statement moves every account it names by the sum of its entries, and refuses a missing one among many', async () => {
  const subs = await Promise.all([1, 2, 3].map(() => makeSubscriber(core, { openingBalance: 10_000 })));
  const ids = subs.map((s) => s.accountId);
  // Two entries on the first account in one statement: it moves by both.
  await core.db.query(
    `INSERT INTO ledger_entry (account_id, amount, kind, idempotency_key, category, description)
     SELECT a, m, 'adjustment', k, 'other', 'test' FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS u(a, m, k)`,
    [[ids[0], ids[0], ids[1], ids[2]], [-100, -250, 300, -7], ['hp-1', 'hp-2', 'hp-3', 'hp-4']],
  );
  const expected = [10_000 - 350, 10_000 + 300, 10_000 - 7];
  for (const [i, id] of ids.entries()) {
    const l = await ledgerSum(core, id);
    assert.deepEqual([l.balance, l.sum], [expected[i], expected[i]]);
  }
  const missing = (await core.db.query<{ id: number }>('SELECT max(id)::bigint + 1000 AS id FROM account'))[0]!.id;
  await assert.rejects(
    core.db.query(
      `INSERT INTO ledger_entry (account_id, amount, kind, idempotency_key, category, description)
       SELECT a, -1, 'adjustment', k, 'other', 'test' FROM unnest($1::bigint[], $2::text[]) AS u(a, k)`,
      [[ids[0], missing, ids[1]], ['hp-5', 'hp-6', 'hp-7']],
    ),
    (e: unknown) => e instanceof Error && /ledger entry for an account that does not exist/.test(e.message),
  );
  for (const [i, id] of ids.entries()) {
    const l = await ledgerSum(core, id);
    assert.deepEqual([l.balance, l.sum], [expected[i], expected[i]], 'the refused statement moved nothing');
  }
});

test('a fee run goes past a batch whose accounts another runner holds, and the next run charges them once', async () => {
  const at = new Date('2026-06-02T09:00:00Z');
  // The earlier tests' numbers are charged up to `at` first: then only these three are due.
  await runRecurringFees(core, systemCtx('test'), { now: at });
  env.clock.set('2026-06-01T09:00:00Z');
  const subs: Awaited<ReturnType<typeof makeSubscriber>>[] = [];
  for (let i = 0; i < 3; i++) subs.push(await makeSubscriber(core, { tariffCode: 'super_day', openingBalance: 50_000 }));
  const fees = async (accountId: number) =>
    (await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = $1 AND kind = 'fee'", [accountId]))[0]!.n;
  const before = await Promise.all(subs.map((s) => fees(s.accountId)));

  // Another instance holds the first two accounts (a whole batch of two).
  const other = await secondCore(env);
  const hold = await holdLocks(other.db, (tx) => tx.query('SELECT id FROM account WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [[subs[0]!.accountId, subs[1]!.accountId]]));
  try {
    const run = runRecurringFees(core, systemCtx('test'), { now: at, batchSize: 2 });
    if (core.db.kind === 'postgres') {
      const first = await run;
      assert.equal(first.tariffFees, 1, 'only the free account was charged');
      assert.deepEqual(await Promise.all(subs.map((s) => fees(s.accountId))), [before[0], before[1], before[2]! + 1]);
      await hold.release();
      const second = await runRecurringFees(core, systemCtx('test'), { now: at, batchSize: 2 });
      assert.equal(second.tariffFees, 2, 'the held accounts, once each');
    } else {
      // The embedded store runs one transaction at a time: the fee run waits for the holder.
      await hold.release();
      assert.equal((await run).tariffFees, 3);
    }
  } finally {
    await hold.release();
  }
  assert.deepEqual(await Promise.all(subs.map((s) => fees(s.accountId))), before.map((n) => n + 1), 'each number charged its day once');
  const again = await runRecurringFees(core, systemCtx('test'), { now: at, batchSize: 2 });
  assert.equal(again.tariffFees, 0, 'nothing left due');
  for (const s of subs) {
    const l = await ledgerSum(core, s.accountId);
    assert.equal(l.balance, l.sum);
  }
});
