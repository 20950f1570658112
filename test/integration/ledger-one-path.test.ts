// One ledger write path (issue 16): a charge booked alone (`charge`, as connecting a product or a
// promised payment's fee does) and the same charge booked in a batch (`postEntries` with many
// columns, as the usage import and the fee run do) write the same ledger entry and earn the same
// bonus points — floor(kopecks × rate / 100) per charge, never rounded over a batch's sum.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { charge } from '../../src/domain/billing/charge.ts';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import { pointsFor } from '../../src/domain/bonus/earn-points.ts';
import type { Core } from '../../src/domain/core.ts';
import { postEntries, postEntry, type EntryCategory, type EntryKind } from '../../src/domain/ledger/post-entry.ts';
import { ctxAs, ledgerSum, makeSubscriber, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

type Sub = Awaited<ReturnType<typeof makeSubscriber>>;

interface EntryRow {
  amount: number;
  kind: EntryKind;
  category: EntryCategory | null;
  idempotency_key: string;
  reference: string | null;
  product_code: string | null;
  description: string | null;
  created_at: Date;
}

/** An account's entries after its opening balance, as the ledger holds them. */
async function entriesOf(s: Sub): Promise<EntryRow[]> {
  const rows = await core.db.query<EntryRow>(
    `SELECT amount, kind, category, idempotency_key, reference, product_code, description, created_at
       FROM ledger_entry WHERE account_id = $1 AND kind IN ('fee', 'usage') ORDER BY id`,
    [s.accountId],
  );
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}

/** The account's points: the history's sum and what its lots hold (they must agree). */
async function pointsOf(s: Sub): Promise<number> {
  const [r] = await core.db.query<{ entries: number; lots: number }>(
    `SELECT COALESCE((SELECT SUM(points) FROM bonus_entry WHERE account_id = $1), 0)::bigint AS entries,
            COALESCE((SELECT SUM(remaining) FROM bonus_lot WHERE account_id = $1), 0)::bigint AS lots`,
    [s.accountId],
  );
  assert.equal(Number(r!.entries), Number(r!.lots), 'the points history sums to what the lots hold');
  return Number(r!.entries);
}

async function setRate(pointsPerRuble: number): Promise<void> {
  await core.db.query(`UPDATE catalog_setting SET value = jsonb_set(value, '{bonus,pointsPerRuble}', $1::jsonb) WHERE key = 'settings'`, [JSON.stringify(pointsPerRuble)]);
}

/** Re-books `rows` on `s`, one `charge()` each, with the same keys, texts and times. */
async function chargeOneByOne(s: Sub, rows: EntryRow[]): Promise<void> {
  for (const r of rows) {
    await core.db.tx((tx) =>
      charge(tx, {
        accountId: s.accountId,
        subscriberId: s.subscriberId,
        amount: -r.amount,
        kind: r.kind as 'fee' | 'usage',
        category: r.category!,
        idempotencyKey: r.idempotency_key,
        reference: r.reference,
        productCode: r.product_code,
        description: r.description,
        at: r.created_at,
      }),
    );
  }
}

let n = 0;
const rec = (msisdn: string, r: Partial<UsageInput>): UsageInput => ({
  recordId: `one-path-${++n}`,
  msisdn,
  kind: 'voice',
  zone: 'home',
  startedAt: env.clock.now(),
  durationSeconds: 61,
  ...r,
});

test('usage charged in a batch by the usage import and the same charges booked one by one write the same entries and earn the same points', async () => {
  await setRate(1);
  const batched = await makeSubscriber(core, { openingBalance: 100_000 });
  const alone = await makeSubscriber(core, { openingBalance: 100_000 });
  for (const s of [batched, alone]) await core.db.query('UPDATE quota SET used = included WHERE subscriber_id = $1', [s.subscriberId]);

  // Three SMS at 2,50 ₽ and a call of 3 started minutes at 2,50 ₽: 2 + 2 + 2 + 7 points. Rounding
  // the batch's sum (15 ₽) once would give 15: the rule is per charge.
  const sms = { kind: 'sms' as const, durationSeconds: null };
  const res = await ingestUsage(core, ctxAs({ kind: 'operator_api', apiKeyId: 1 }), [
    rec(batched.msisdn, sms),
    rec(batched.msisdn, sms),
    rec(batched.msisdn, sms),
    rec(batched.msisdn, { durationSeconds: 150 }),
  ]);
  assert.equal(res.charged, 250 * 3 + 750);
  const entries = await entriesOf(batched);
  assert.deepEqual(
    entries.map((e) => e.amount),
    [-250, -250, -250, -750],
  );
  assert.equal(await pointsOf(batched), 13);

  await chargeOneByOne(alone, entries);
  assert.deepEqual(await entriesOf(alone), entries, 'the same ledger entries, field for field');
  assert.equal(await pointsOf(alone), await pointsOf(batched), 'the same points');
  assert.equal(await pointsOf(alone), entries.reduce((sum, e) => sum + pointsFor(-e.amount, 1), 0), 'the rule pointsFor states');

  // Booked again by either path: nothing new, no points twice; balance is the sum of the entries.
  await chargeOneByOne(alone, entries);
  await chargeOneByOne(batched, entries);
  for (const s of [batched, alone]) {
    assert.equal((await entriesOf(s)).length, 4);
    assert.equal(await pointsOf(s), 13);
    const books = await ledgerSum(core, s.accountId);
    assert.equal(books.balance, books.sum);
    assert.equal(books.balance, 100_000 - 1_500);
  }
});

test('a fractional rate: per charge, exact decimal arithmetic, the same alone and in a batch', async () => {
  await setRate(0.7);
  try {
    const batched = await makeSubscriber(core, { openingBalance: 10_000 });
    const alone = await makeSubscriber(core, { openingBalance: 10_000 });
    const at = env.clock.now();
    // 0,7 × 3 ₽ is 2,1 (not binary 2,0999…): 2 points; 0,7 × 2,50 ₽ is 1,75: 1 point each; 0,7 × 1 ₽: 0.
    const amounts = [-300, -250, -250, -100];
    const cols = {
      account: amounts.map(() => batched.accountId),
      amount: amounts,
      kind: amounts.map((): EntryKind => 'fee'),
      sub: amounts.map(() => batched.subscriberId),
      key: amounts.map((_, i) => `frac-${i}`),
      category: amounts.map((): EntryCategory => 'one_off'),
      description: amounts.map((_, i) => `fee ${i}`),
    };
    const posted = await core.db.tx((tx) => postEntries(tx, cols, at));
    assert.deepEqual(posted.map((p) => p.booked), [true, true, true, true]);
    assert.equal(await pointsOf(batched), 2 + 1 + 1 + 0, 'not floor(0,7 × 9 ₽) = 6');

    await chargeOneByOne(alone, await entriesOf(batched));
    assert.deepEqual(await entriesOf(alone), await entriesOf(batched));
    assert.equal(await pointsOf(alone), 4);

    // The batch again: the same ids, none booked, no points.
    const again = await core.db.tx((tx) => postEntries(tx, cols, at));
    assert.deepEqual(again, posted.map((p) => ({ id: p.id, booked: false })));
    assert.equal(await pointsOf(batched), 4);
  } finally {
    await setRate(1);
  }
});

test('only fee and usage charges earn points: payments, refunds, adjustments, promised payments and points exchanged earn none', async () => {
  await setRate(1);
  const s = await makeSubscriber(core, { openingBalance: 0 });
  const at = env.clock.now();
  const kinds: [EntryKind, number][] = [
    ['payment', 50_000],
    ['promised', 10_000],
    ['promised', -10_000],
    ['refund', -5_000],
    ['adjustment', -5_000],
    ['adjustment', 1_000],
    ['bonus', 2_000],
    ['fee', 5_000], // a credit of kind fee (a fee given back) takes nothing, so earns nothing
  ];
  for (const [i, [kind, amount]] of kinds.entries()) {
    await postEntry(core.db, { accountId: s.accountId, subscriberId: s.subscriberId, amount, kind, category: 'other', idempotencyKey: `kinds-${i}`, at });
  }
  assert.equal(await pointsOf(s), 0);
  await postEntry(core.db, { accountId: s.accountId, subscriberId: s.subscriberId, amount: -1_999, kind: 'fee', category: 'one_off', idempotencyKey: 'kinds-fee', at });
  assert.equal(await pointsOf(s), 19);
  const books = await ledgerSum(core, s.accountId);
  assert.equal(books.balance, books.sum);
  assert.equal(books.balance, 50_000 - 5_000 - 5_000 + 1_000 + 2_000 + 5_000 - 1_999);
});

test('a malformed batch is refused before anything is written', async () => {
  const s = await makeSubscriber(core, { openingBalance: 1_000 });
  const at = env.clock.now();
  const base = { account: [s.accountId], kind: ['fee' as const], sub: [s.subscriberId], key: ['bad'], category: ['one_off'] };
  await assert.rejects(postEntries(core.db, { ...base, amount: [0] }, at), RangeError);
  await assert.rejects(postEntries(core.db, { ...base, amount: [-1.5] }, at), RangeError);
  await assert.rejects(postEntries(core.db, { ...base, amount: [-100, -100] }, at), RangeError);
  assert.equal((await ledgerSum(core, s.accountId)).entries, 1, 'only the opening balance');
});
