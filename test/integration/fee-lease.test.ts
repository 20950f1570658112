import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Core } from '../../src/domain/core.ts';
import { feeRunJob } from '../../src/jobs/fee-run.ts';
import { withLease } from '../../src/jobs/lease.ts';
import { makeSubscriber, secondCore, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * The fee lease between live runs: while one instance holds it, another is told so and charges
 * nothing. (A holder killed with -9 is test/integration/crash.test.ts: its rerun starts at once.)
 */
let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const feeCount = async (accounts: number[]) =>
  (await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_entry WHERE kind = 'fee' AND account_id = ANY($1::bigint[])", [accounts]))[0]?.n ?? 0;

test('two live fee runs never charge together: while one instance holds the lease, the other is refused and charges nothing', async () => {
  env.clock.set('2026-06-01T09:00:00Z');
  const accounts: number[] = [];
  for (let i = 0; i < 6; i++) accounts.push((await makeSubscriber(core, { openingBalance: 500_000 })).accountId);
  const other = await secondCore(env);
  const at = new Date('2026-07-15T09:00:00Z');
  const before = await feeCount(accounts);

  let sawBatch = false;
  const held = await withLease(core, 'fees', async (lease) => {
    assert.equal(lease.isHeld(), true);
    const refused = await feeRunJob(other, { now: at, onBatch: () => (sawBatch = true) });
    // And from the holder's own instance: a second run in the same process is refused too.
    const refusedHere = await feeRunJob(core, { now: at });
    return { refused, refusedHere };
  });
  assert.deepEqual(held, { refused: null, refusedHere: null });
  assert.equal(sawBatch, false, 'the refused run did no batch');
  assert.equal(await feeCount(accounts), before, 'nothing charged while the lease was held');

  // Released: the other instance takes it and charges the fees due.
  const ran = await feeRunJob(other, { now: at, batchSize: 2 });
  assert.ok(ran, 'the lease was free again');
  assert.ok(ran.tariffFees > 0);
  assert.equal(await feeCount(accounts), before + ran.tariffFees + ran.productFees);
});
