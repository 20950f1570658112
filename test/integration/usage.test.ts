import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { DomainError } from '../../src/domain/shared/errors.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { ctxAs, ledgerSum, makeSubscriber, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const op = () => ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });
let n = 0;
const rec = (msisdn: string, r: Partial<UsageInput>): UsageInput => ({
  recordId: `r-${++n}`,
  msisdn,
  kind: 'voice',
  zone: 'home',
  startedAt: env.clock.now(),
  durationSeconds: 61,
  ...r,
});

test('calls draw whole started minutes from the tariff quota first, then money', async () => {
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  // Leave 2 minutes of the 500 included.
  await core.db.query("UPDATE quota SET used = included - 120 WHERE subscriber_id = $1 AND unit = 'seconds'", [s.subscriberId]);
  const res = await ingestUsage(core, op(), [rec(s.msisdn, { durationSeconds: 61 }), rec(s.msisdn, { durationSeconds: 150 })]);
  assert.equal(res.accepted, 2);
  // 61 s → 2 min from quota; 150 s → 3 min of money at 2.50 ₽.
  assert.equal(res.charged, 750);
  const rows = await core.db.query<{ billed_units: number; quota_units: number; charged: number }>(
    'SELECT billed_units, quota_units, charged FROM usage_record WHERE subscriber_id = $1 ORDER BY id',
    [s.subscriberId],
  );
  assert.deepEqual(rows, [
    { billed_units: 120, quota_units: 120, charged: 0 },
    { billed_units: 180, quota_units: 0, charged: 750 },
  ]);
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, 10_000 - 750);
  assert.equal(sums.balance, sums.sum);
  assert.equal((await getBalance(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })).remaining.seconds.remaining, 0);
});

test('per-second tariffs bill seconds with a fractional rate, rounded once', async () => {
  const s = await makeSubscriber(core, { tariffCode: 'basic', openingBalance: 10_000 });
  const res = await ingestUsage(core, op(), [rec(s.msisdn, { durationSeconds: 7 })]);
  // 7 s × 2.90 ₽/min = 33.83 kopecks → 34.
  assert.equal(res.charged, 34);
});

test('data is billed per started 100 KB from the quota; options’ packages after the tariff’s', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await connectProduct(core, subscriberCtx(s.subscriberId), { msisdn: 'me', productCode: 'internet_plus' });
  await core.db.query("UPDATE quota SET used = included - 102400 WHERE subscriber_id = $1 AND unit = 'bytes' AND source = 'tariff:smart'", [s.subscriberId]);
  await ingestUsage(core, op(), [rec(s.msisdn, { kind: 'data', bytes: 150_000, durationSeconds: null })]);
  const q = await core.db.query<{ source: string; used: number }>("SELECT source, used FROM quota WHERE subscriber_id = $1 AND unit = 'bytes' ORDER BY source", [s.subscriberId]);
  // 150 000 B → 2 × 100 KB = 204 800 B: 102 400 from the tariff, the rest from Internet Plus.
  assert.deepEqual(q.map((x) => [x.source, x.used]), [
    ['internet_plus', 102_400],
    ['tariff:smart', 15_360 * 1024 * 1024],
  ]);
});

test('intercity calls: "everywhere at home" prices them as home calls; roaming never uses quotas', async () => {
  const s = await makeSubscriber(core, { tariffCode: 'super_day', openingBalance: 100_000 });
  await core.db.query("UPDATE quota SET used = included WHERE subscriber_id = $1", [s.subscriberId]);
  const before = await ingestUsage(core, op(), [rec(s.msisdn, { zone: 'intercity', durationSeconds: 60 })]);
  assert.equal(before.charged, 500);
  await connectProduct(core, subscriberCtx(s.subscriberId), { msisdn: 'me', productCode: 'everywhere_home' });
  const afterOption = await ingestUsage(core, op(), [rec(s.msisdn, { zone: 'intercity', durationSeconds: 60 })]);
  assert.equal(afterOption.charged, 300);
  const t = await makeSubscriber(core, { openingBalance: 100_000 });
  const roaming = await ingestUsage(core, op(), [rec(t.msisdn, { zone: 'roaming', durationSeconds: 30 }), rec(t.msisdn, { zone: 'roaming', kind: 'data', bytes: 1024 * 1024, durationSeconds: null })]);
  // 30 s → one started minute at 15 ₽; 1 MiB → 11 started 100 KB blocks = 1.07421875 MB × 9.90 ₽ = 10.63 ₽.
  assert.equal(roaming.charged, 1500 + 1063);
  const cats = await core.db.query<{ category: string }>("SELECT DISTINCT category FROM ledger_entry WHERE account_id = $1 AND kind = 'usage'", [t.accountId]);
  assert.deepEqual(cats, [{ category: 'roaming' }]);
});

test('replaying a batch charges nothing twice; duplicates inside a batch count once', async () => {
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  await core.db.query("UPDATE quota SET used = included WHERE subscriber_id = $1", [s.subscriberId]);
  const batch = [rec(s.msisdn, { kind: 'sms', durationSeconds: null }), rec(s.msisdn, { durationSeconds: 60 })];
  const first = await ingestUsage(core, op(), [...batch, batch[0]!]);
  assert.deepEqual([first.accepted, first.duplicates, first.charged], [2, 1, 250 + 250]);
  const again = await ingestUsage(core, op(), batch);
  assert.deepEqual([again.accepted, again.duplicates, again.charged], [0, 2, 0]);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 10_000 - 500);
});

test('a batch mixing booked and new records books only the new ones: the quota and money of the first try are rolled back whole', async () => {
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  const other = await makeSubscriber(core, { openingBalance: 10_000 });
  const quota = async () =>
    Number((await core.db.query<{ used: number }>("SELECT sum(used)::bigint AS used FROM quota WHERE subscriber_id = $1 AND unit = 'seconds'", [s.subscriberId]))[0]!.used);
  const before = await quota();
  const old = rec(s.msisdn, { durationSeconds: 120 });
  await ingestUsage(core, op(), [old]);
  assert.equal(await quota(), before + 120);
  // The booked record comes again between new ones, and a bad one is refused once, not per try.
  const fresh = [rec(s.msisdn, { durationSeconds: 60 }), rec(other.msisdn, { kind: 'sms', durationSeconds: null })];
  const res = await ingestUsage(core, op(), [fresh[0]!, old, rec(s.msisdn, { durationSeconds: -1 }), fresh[1]!]);
  assert.deepEqual([res.accepted, res.duplicates, res.rejected.length], [2, 1, 1]);
  assert.equal(await quota(), before + 120 + 60, 'the booked call took its minutes once');
  const rows = await core.db.query<{ record_id: string }>('SELECT record_id FROM usage_record WHERE account_id = ANY($1::bigint[]) ORDER BY record_id', [[s.accountId, other.accountId]]);
  assert.deepEqual(rows.map((r) => r.record_id).sort(), [old.recordId, fresh[0]!.recordId, fresh[1]!.recordId].sort());
  for (const a of [s.accountId, other.accountId]) {
    const sums = await ledgerSum(core, a);
    assert.equal(sums.balance, sums.sum);
  }
});

test('bad records are rejected with a reason; the rest of the batch goes through', async () => {
  const s = await makeSubscriber(core);
  const res = await ingestUsage(core, op(), [
    rec(s.msisdn, {}),
    rec('79990009999', {}),
    rec('not a number', {}),
    rec(s.msisdn, { durationSeconds: -5 }),
    rec(s.msisdn, { startedAt: 'yesterday' }),
    rec(s.msisdn, { recordId: 'x'.repeat(300) }),
  ]);
  assert.equal(res.accepted, 1);
  assert.deepEqual(res.rejected.map((r) => r.reason), ['unknown number format', 'voice needs durationSeconds 0..86400', 'startedAt must be an ISO 8601 date-time that exists in the calendar', 'bad recordId', 'unknown subscriber']);
  await assert.rejects(ingestUsage(core, subscriberCtx(s.subscriberId), [rec(s.msisdn, {})]), (e: unknown) => e instanceof DomainError && e.code === 'FORBIDDEN');
});

test('usage that takes the balance below the threshold blocks the number, with an SMS', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100 });
  await core.db.query("UPDATE quota SET used = included WHERE subscriber_id = $1", [s.subscriberId]);
  await ingestUsage(core, op(), [rec(s.msisdn, { durationSeconds: 60 })]);
  const st = await core.db.query<{ status: string }>('SELECT status FROM subscriber WHERE id = $1', [s.subscriberId]);
  assert.equal(st[0]!.status, 'blocked');
  const sms = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'blocked'", [s.msisdn]);
  assert.equal(sms.length, 1);
  assert.match(sms[0]!.text, /-1,50/);
});

test('bonus points are earned on what usage charged, once, even when the batch is replayed', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await core.db.query("UPDATE quota SET used = included WHERE subscriber_id = $1", [s.subscriberId]);
  const batch = [rec(s.msisdn, { durationSeconds: 600 }), rec(s.msisdn, { kind: 'sms', durationSeconds: null })];
  const res = await ingestUsage(core, op(), batch);
  assert.equal(res.charged, 2500 + 250);
  await ingestUsage(core, op(), batch);
  const points = await core.db.query<{ p: number }>('SELECT COALESCE(SUM(points), 0)::int AS p FROM bonus_entry WHERE account_id = $1', [s.accountId]);
  assert.equal(points[0]!.p, 27, '1 point a ruble, rounded down');
});
