// Migration 018 took the row-by-row foreign keys off the tables billing writes by the thousand
// (usage_record, ledger_entry, quota, bonus_lot, bonus_entry) and checks the same once per
// statement. These tests prove that what the keys guaranteed still holds, and that the fee run's
// batched blocking still blocks, audits and notifies every number it should.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import type { Core } from '../../src/domain/core.ts';
import { requireTariff } from '../../src/domain/catalog/read-catalog.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { ctxAs, ledgerSum, makeSubscriber, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

/** An id no account or subscriber has. */
async function missingId(table: 'account' | 'subscriber'): Promise<number> {
  return (await core.db.query<{ id: number }>(`SELECT COALESCE(max(id), 0)::bigint + 1000 AS id FROM ${table}`))[0]!.id;
}

const refusedFor = (what: RegExp) => (e: unknown) => e instanceof Error && what.test(e.message);

test('a ledger statement naming a missing account fails whole: no entry is kept and no balance moves', async () => {
  const s = await makeSubscriber(core, { openingBalance: 5_000 });
  const ghost = await missingId('account');
  const before = await ledgerSum(core, s.accountId);
  await assert.rejects(
    core.db.query(
      `INSERT INTO ledger_entry (account_id, amount, kind, idempotency_key)
       SELECT a, m, 'adjustment', k FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS e(a, m, k)`,
      [[s.accountId, ghost], [-100, -100], ['g1', 'g1']],
    ),
    refusedFor(/account that does not exist/),
  );
  const now = await ledgerSum(core, s.accountId);
  assert.deepEqual(now, before, 'the good row of the same statement was rolled back with it');
  assert.equal(now.balance, now.sum);
  const orphans = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = $1', [ghost]);
  assert.equal(orphans[0]!.n, 0);
});

test('usage, quota and bonus rows for a missing account or subscriber are refused', async () => {
  const s = await makeSubscriber(core);
  const ghostAccount = await missingId('account');
  const ghostSub = await missingId('subscriber');
  const usage = (account: number, sub: number) =>
    core.db.query(
      `INSERT INTO usage_record (account_id, record_id, subscriber_id, kind, zone, started_at, billed_units, rated_at)
       VALUES ($1, $3, $2, 'sms', 'home', now(), 1, now())`,
      [account, sub, `guard-${account}-${sub}`],
    );
  await assert.rejects(usage(ghostAccount, s.subscriberId), refusedFor(/usage_record row for an account that does not exist/));
  await assert.rejects(usage(s.accountId, ghostSub), refusedFor(/usage_record row for a subscriber that does not exist/));
  await usage(s.accountId, s.subscriberId); // the real pair is accepted

  const quota = (account: number, sub: number) =>
    core.db.query(
      `INSERT INTO quota (account_id, subscriber_id, unit, source, period_start, period_end, included)
       VALUES ($1, $2, 'sms', 'guard', now(), now() + interval '1 day', 10)`,
      [account, sub],
    );
  await assert.rejects(quota(ghostAccount, s.subscriberId), refusedFor(/quota row for an account/));
  await assert.rejects(quota(s.accountId, ghostSub), refusedFor(/quota row for a subscriber/));
  await quota(s.accountId, s.subscriberId);

  await assert.rejects(
    core.db.query(
      `INSERT INTO bonus_lot (account_id, subscriber_id, points, remaining, earned_at, expires_at, reference)
       VALUES ($1, $2, 5, 5, now(), now() + interval '1 year', 'guard-lot')`,
      [s.accountId, ghostSub],
    ),
    refusedFor(/bonus_lot row for a subscriber/),
  );
  await assert.rejects(
    core.db.query(
      `INSERT INTO bonus_entry (account_id, subscriber_id, kind, points, reference, idempotency_key, created_at)
       VALUES ($1, NULL, 'earn', 5, 'guard', 'guard-entry', now())`,
      [ghostAccount],
    ),
    refusedFor(/bonus_entry row for an account/),
  );
  const left = await core.db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM usage_record WHERE account_id = $1 OR subscriber_id = $2)
          + (SELECT count(*) FROM quota WHERE account_id = $1 OR subscriber_id = $2)
          + (SELECT count(*) FROM bonus_lot WHERE account_id = $1 OR subscriber_id = $2)
          + (SELECT count(*) FROM bonus_entry WHERE account_id = $1) AS n`,
    [ghostAccount, ghostSub],
  );
  assert.equal(Number(left[0]!.n), 0, 'nothing refused was stored');
});

test('the owner of a usage or quota row cannot be changed, and an account or subscriber with rows cannot be deleted', async () => {
  const a = await makeSubscriber(core);
  const b = await makeSubscriber(core);
  await core.db.query(
    `INSERT INTO usage_record (account_id, record_id, subscriber_id, kind, zone, started_at, billed_units, rated_at)
     VALUES ($1, 'owner-1', $2, 'sms', 'home', now(), 1, now())`,
    [a.accountId, a.subscriberId],
  );
  await assert.rejects(core.db.query("UPDATE usage_record SET account_id = $1 WHERE record_id = 'owner-1'", [b.accountId]), refusedFor(/do not change/));
  await assert.rejects(core.db.query('UPDATE quota SET subscriber_id = $1 WHERE subscriber_id = $2', [b.subscriberId, a.subscriberId]), refusedFor(/do not change/));
  // Other columns still change as before (rating uses quotas up this way).
  await core.db.query('UPDATE quota SET used = used WHERE subscriber_id = $1', [a.subscriberId]);

  await assert.rejects(core.db.query('DELETE FROM subscriber WHERE id = $1', [a.subscriberId]), refusedFor(/still has usage, quota or bonus rows/));
  await assert.rejects(core.db.query('DELETE FROM account WHERE id = $1', [a.accountId]), (e: unknown) => e instanceof Error);
  const still = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriber WHERE id = $1', [a.subscriberId]);
  assert.equal(still[0]!.n, 1);
});

test('a balance still moves only through ledger entries', async () => {
  const s = await makeSubscriber(core, { openingBalance: 1_000 });
  await assert.rejects(core.db.query('UPDATE account SET balance = balance + 1 WHERE id = $1', [s.accountId]), refusedFor(/only through ledger entries/));
  // Other columns of the account may change; the balance stays the sum of its entries.
  await core.db.query('UPDATE account SET updated_at = now() WHERE id = $1', [s.accountId]);
  await core.db.query("INSERT INTO ledger_entry (account_id, amount, kind, idempotency_key) VALUES ($1, -300, 'adjustment', 'guard-move')", [s.accountId]);
  const l = await ledgerSum(core, s.accountId);
  assert.deepEqual([l.balance, l.sum], [700, 700]);
});

test('a fee run that leaves several numbers short blocks, audits and tells each one, and leaves the others alone', async () => {
  env.clock.set('2026-06-01T06:00:00Z');
  // smart costs 550 ₽ a month: two cannot pay it, one can.
  const poor = [await makeSubscriber(core, { openingBalance: 10_000 }), await makeSubscriber(core, { openingBalance: 20_000 })];
  const rich = await makeSubscriber(core, { openingBalance: 500_000 });
  const all = [...poor, rich];
  const since = (await core.db.query<{ id: number }>('SELECT COALESCE(max(id), 0)::bigint AS id FROM audit_event'))[0]!.id;
  env.clock.set('2026-07-01T06:00:00Z');
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-07-01T06:00:00Z') });

  const status = await core.db.query<{ id: number; status: string }>('SELECT id, status FROM subscriber WHERE id = ANY($1::bigint[]) ORDER BY id', [all.map((s) => s.subscriberId)]);
  assert.deepEqual(status.map((r) => r.status), ['blocked', 'blocked', 'active']);
  const audits = await core.db.query<{ subscriber_id: number; customer_id: number; details: { balance: number; threshold: number } }>(
    "SELECT subscriber_id, customer_id, details FROM audit_event WHERE action = 'subscriber.block' AND id > $1 AND subscriber_id = ANY($2::bigint[]) ORDER BY subscriber_id",
    [since, all.map((s) => s.subscriberId)],
  );
  assert.deepEqual(audits.map((a) => [a.subscriber_id, a.customer_id]), poor.map((s) => [s.subscriberId, s.customerId]));
  for (const [i, s] of poor.entries()) {
    const l = await ledgerSum(core, s.accountId);
    assert.equal(l.balance, l.sum);
    assert.equal(audits[i]!.details.balance, l.balance, 'the audit names the balance that blocked the number');
    const sms = await core.db.query<{ kind: string; text: string }>("SELECT meta->>'kind' AS kind, text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'blocked'", [s.msisdn]);
    assert.equal(sms.length, 1, 'one notice per blocked number');
    assert.match(sms[0]!.text, /^Баланс -?[\d\s\u00a0]+/);
  }
  const richSms = await core.db.query("SELECT 1 FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'blocked'", [rich.msisdn]);
  assert.equal(richSms.length, 0);

  // A top-up still unblocks (the rules run after every payment as before).
  await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: 'guard-topup' }), { msisdn: poor[0]!.msisdn, amount: 100_000, kind: 'payment', reason: 'cash' });
  const back = await core.db.query<{ status: string }>('SELECT status FROM subscriber WHERE id = $1', [poor[0]!.subscriberId]);
  assert.equal(back[0]!.status, 'active');
});

test('the fee run grants the new period one quota row per unit the tariff includes, with its amounts', async () => {
  env.clock.set('2026-08-01T06:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 500_000 });
  const tariff = await requireTariff(core.db, 'smart');
  env.clock.set('2026-09-01T06:00:00Z');
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-09-01T06:00:00Z') });
  const rows = await core.db.query<{ unit: string; included: number; period_start: Date; period_end: Date }>(
    "SELECT unit, included, period_start, period_end FROM quota WHERE subscriber_id = $1 AND source = 'tariff:smart' AND period_start >= '2026-08-15' ORDER BY id",
    [s.subscriberId],
  );
  const expected: [string, number][] = [];
  if (tariff.included.minutes) expected.push(['seconds', tariff.included.minutes * 60]);
  if (tariff.included.sms) expected.push(['sms', tariff.included.sms]);
  if (tariff.included.dataMb) expected.push(['bytes', tariff.included.dataMb * 1024 * 1024]);
  assert.ok(expected.length >= 2, 'smart includes several kinds of allowance');
  assert.deepEqual(rows.map((r) => [r.unit, Number(r.included)]), expected);
  for (const r of rows) {
    assert.equal(r.period_start.toISOString(), '2026-08-31T21:00:00.000Z', 'from the local midnight of the billing day (Moscow)');
    assert.equal(r.period_end.toISOString(), '2026-09-30T21:00:00.000Z');
  }
});
