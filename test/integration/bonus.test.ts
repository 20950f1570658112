import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { charge } from '../../src/domain/billing/charge.ts';
import { exchangePoints } from '../../src/domain/bonus/exchange-points.ts';
import { getBonusBalance } from '../../src/domain/bonus/get-bonus-balance.ts';
import { getBonusHistory } from '../../src/domain/bonus/get-bonus-history.ts';
import { listRewards } from '../../src/domain/bonus/list-rewards.ts';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { DomainError } from '../../src/domain/shared/errors.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { expirePoints } from '../../src/jobs/expire-points.ts';
import { ledgerSum, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv, refusal } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const DAY = 86_400_000;

/** A charge as any billing path books it, here a plain one-off fee. */
function spend(s: { accountId: number; subscriberId: number }, amount: number, key: string) {
  return core.db.tx((tx) =>
    charge(tx, { accountId: s.accountId, subscriberId: s.subscriberId, amount, kind: 'fee', category: 'one_off', idempotencyKey: key, at: core.clock.now() }),
  );
}

/** Points history sums to what is left in the lots: nothing is earned, spent or expired off the books. */
async function pointsBooks(accountId: number) {
  const rows = await core.db.query<{ entries: number; lots: number }>(
    `SELECT COALESCE((SELECT SUM(points) FROM bonus_entry WHERE account_id = $1), 0)::bigint AS entries,
            COALESCE((SELECT SUM(remaining) FROM bonus_lot WHERE account_id = $1), 0)::bigint AS lots`,
    [accountId],
  );
  return rows[0]!;
}

test('every charge earns points: floor(rubles × rate), once per ledger entry, at the rate in the store now', async () => {
  env.clock.set('2026-03-10T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const ctx = subscriberCtx(s.subscriberId);
  // 30 ₽ connection fee and 3,50 ₽ first day: 30 + 3 points.
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'everywhere_home' });
  let bonus = await getBonusBalance(core, ctx, { msisdn: 'me' });
  assert.equal(bonus.points, 33);
  // The same charge booked again (a retried fee run) earns nothing more.
  const first = await spend(s, 999, 'fee-run-1');
  const again = await spend(s, 999, 'fee-run-1');
  assert.equal(first.booked, true);
  assert.equal(again.booked, false);
  bonus = await getBonusBalance(core, ctx, { msisdn: 'me' });
  assert.equal(bonus.points, 33 + 9);
  // Operators change the rate at run time; the next charge uses it.
  await core.db.query(`UPDATE catalog_setting SET value = jsonb_set(value, '{bonus,pointsPerRuble}', '2') WHERE key = 'settings'`);
  try {
    await spend(s, 1050, 'fee-run-2');
  } finally {
    await core.db.query(`UPDATE catalog_setting SET value = jsonb_set(value, '{bonus,pointsPerRuble}', '1') WHERE key = 'settings'`);
  }
  bonus = await getBonusBalance(core, ctx, { msisdn: 'me' });
  assert.equal(bonus.points, 33 + 9 + 21);
  // The month's points are one lot and one line of history that grows with it.
  let history = await getBonusHistory(core, ctx, { msisdn: 'me' });
  assert.deepEqual(history.items.map((i) => [i.kind, i.points, i.period]), [['earn', 63, '2026-03']]);
  assert.equal(history.nextCursor, null);
  // March's lot expires when the 13th month after it begins: every point lives 12 full months.
  const lots = await core.db.query<{ points: number; remaining: number; expires_at: Date; reference: string }>(
    'SELECT points, remaining, expires_at, reference FROM bonus_lot WHERE account_id = $1 ORDER BY id',
    [s.accountId],
  );
  assert.deepEqual(
    lots.map((l) => [Number(l.points), Number(l.remaining), l.expires_at.toISOString(), l.reference]),
    [[63, 63, '2027-04-01T00:00:00.000Z', 'month:2026-03']],
  );
  // A new month starts a new lot and a new line.
  env.clock.set('2026-04-02T10:00:00Z');
  await spend(s, 550, 'fee-run-3');
  await spend(s, 1_000, 'fee-run-4');
  history = await getBonusHistory(core, ctx, { msisdn: 'me' });
  assert.deepEqual(history.items.map((i) => [i.kind, i.points, i.period]), [['earn', 15, '2026-04'], ['earn', 63, '2026-03']]);
  assert.equal(history.items[0]!.at, '2026-04-02T10:00:00.000Z', 'placed where the month began');
  const page1 = await getBonusHistory(core, ctx, { msisdn: 'me', limit: 1 });
  const page2 = await getBonusHistory(core, ctx, { msisdn: 'me', limit: 1, cursor: page1.nextCursor! });
  assert.deepEqual([...page1.items, ...page2.items].map((i) => i.points), [15, 63]);
  assert.equal(page2.nextCursor, null);
  assert.equal((await getBonusBalance(core, ctx, { msisdn: 'me' })).points, 78);
  const books = await pointsBooks(s.accountId);
  assert.equal(books.entries, books.lots);
});

test('exchange spends the oldest lots first and adds the package to the quotas for its days', async () => {
  env.clock.set('2026-03-10T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'internet_plus' }); // 250 ₽: 250 points in March
  env.clock.set('2026-04-01T09:00:00Z');
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'child_location' }); // 100 ₽: 100 points in April
  const rewards = await listRewards(core, ctx, { msisdn: 'me' });
  assert.equal(rewards.points, 350);
  assert.ok(rewards.items.length >= 4 && rewards.items.length <= 6);
  assert.deepEqual(rewards.items.filter((r) => r.affordable).map((r) => r.code), ['sms_100', 'internet_1gb', 'minutes_100']);
  assert.equal(rewards.items.find((r) => r.code === 'discount_100')!.credit, 10_000);

  const before = await getBalance(core, ctx, { msisdn: 'me' });
  const res = await exchangePoints(core, ctx, { msisdn: 'me', rewardCode: 'minutes_100' });
  assert.equal(res.cost, 300);
  assert.equal(res.pointsLeft, 50);
  assert.equal(res.validUntil, new Date(core.clock.now().getTime() + 30 * DAY).toISOString());
  const after = await getBalance(core, ctx, { msisdn: 'me' });
  assert.equal(after.remaining.seconds.included - before.remaining.seconds.included, 100 * 60);
  assert.equal(after.balance, before.balance, 'a package costs no money');
  const quota = after.quotas.find((q) => q.source === 'bonus:minutes_100');
  assert.equal(quota?.periodEnd, res.validUntil);
  const lots = await core.db.query<{ points: number; remaining: number }>('SELECT points, remaining FROM bonus_lot WHERE account_id = $1 ORDER BY id', [s.accountId]);
  assert.deepEqual(lots.map((l) => [l.points, l.remaining]), [[250, 0], [100, 50]]);
  assert.equal((await getBonusBalance(core, ctx, { msisdn: 'me' })).points, 50);
  const spent = await core.db.query<{ points: number; reward_code: string; lots: { points: number }[] }>(
    "SELECT points, reward_code, lots FROM bonus_entry WHERE account_id = $1 AND kind = 'spend'",
    [s.accountId],
  );
  assert.deepEqual(spent.map((e) => [e.points, e.reward_code, e.lots.map((l) => l.points)]), [[-300, 'minutes_100', [250, 50]]]);
  const audit = await core.db.query<{ outcome: string }>("SELECT outcome FROM audit_event WHERE subscriber_id = $1 AND action = 'bonus.exchange'", [s.subscriberId]);
  assert.deepEqual(audit, [{ outcome: 'ok' }]);
  const books = await pointsBooks(s.accountId);
  assert.equal(books.entries, books.lots);
});

test('exchange refusals change nothing and are audited; a repeat with the same key credits once', async () => {
  env.clock.set('2026-03-10T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 200_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await spend(s, 60_000, 'big-1'); // 600 points
  await assert.rejects(exchangePoints(core, ctx, { msisdn: 'me', rewardCode: 'no_such' }), refusal('REWARD_NOT_FOUND'));
  await assert.rejects(exchangePoints(core, ctx, { msisdn: 'me', rewardCode: 'discount_100' }), (e: unknown) => {
    assert.ok(e instanceof DomainError && e.code === 'INSUFFICIENT_POINTS');
    assert.deepEqual(e.params, { required: 1000, available: 600 });
    return true;
  });
  assert.equal((await getBonusBalance(core, ctx, { msisdn: 'me' })).points, 600);
  const refused = await core.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'bonus.exchange' AND outcome = 'refused'",
    [s.subscriberId],
  );
  assert.equal(refused[0]!.n, 2);

  await spend(s, 40_000, 'big-2'); // 1000 points in all
  const balanceBefore = (await ledgerSum(core, s.accountId)).balance;
  const keyed = subscriberCtx(s.subscriberId, { idempotencyKey: 'exchange-discount-1' });
  const first = await exchangePoints(core, keyed, { msisdn: 'me', rewardCode: 'discount_100' });
  const second = await exchangePoints(core, keyed, { msisdn: 'me', rewardCode: 'discount_100' });
  assert.deepEqual(second, first);
  assert.equal(first.credited, 10_000);
  assert.equal(first.pointsLeft, 0);
  const sums = await ledgerSum(core, s.accountId);
  assert.equal(sums.balance, balanceBefore + 10_000);
  assert.equal(sums.balance, sums.sum);
  const credit = await core.db.query<{ amount: number; kind: string; category: string }>(
    "SELECT amount, kind, category FROM ledger_entry WHERE account_id = $1 AND kind = 'bonus'",
    [s.accountId],
  );
  assert.deepEqual(credit, [{ amount: 10_000, kind: 'bonus', category: 'bonus' }]);
  // A credit is not spending: it earns nothing.
  assert.equal((await getBonusBalance(core, ctx, { msisdn: 'me' })).points, 0);
  await assert.rejects(exchangePoints(core, keyed, { msisdn: 'me', rewardCode: 'sms_100' }), refusal('IDEMPOTENCY_KEY_REUSED'));
});

test("a month's points expire when the 13th month after it begins, exactly once per lot, and are shown as expiring soon before", async () => {
  env.clock.set('2026-05-01T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await spend(s, 50_000, 'may'); // 500 points of May, until 2027-06-01T00:00Z
  env.clock.set('2026-06-30T23:00:00Z');
  await spend(s, 20_000, 'june'); // 200 points of June, until 2027-07-01T00:00Z
  await exchangePoints(core, ctx, { msisdn: 'me', rewardCode: 'sms_100' }); // 150 from May's lot
  assert.equal((await getBonusBalance(core, ctx, { msisdn: 'me' })).points, 550);

  env.clock.set('2027-05-15T09:00:00Z');
  let soon = await getBonusBalance(core, ctx, { msisdn: 'me' });
  assert.deepEqual(soon.expiringSoon, [{ points: 350, expiresAt: '2027-06-01T00:00:00.000Z' }]);
  assert.equal(soon.expiringSoonTotal, 350);

  env.clock.set('2027-05-31T23:59:59.999Z');
  await expirePoints(core, { now: core.clock.now() });
  assert.equal((await getBonusBalance(core, ctx, { msisdn: 'me' })).points, 550, 'not a millisecond early');

  env.clock.set('2027-06-01T00:00:00Z');
  await Promise.all([expirePoints(core, { now: core.clock.now() }), expirePoints(core, { now: core.clock.now() })]);
  await expirePoints(core, { now: core.clock.now() });
  assert.equal((await getBonusBalance(core, ctx, { msisdn: 'me' })).points, 200);
  const expired = await core.db.query<{ points: number; lot_id: number }>("SELECT points, lot_id FROM bonus_entry WHERE account_id = $1 AND kind = 'expire'", [s.accountId]);
  assert.deepEqual(expired.map((e) => e.points), [-350]);
  soon = await getBonusBalance(core, ctx, { msisdn: 'me' });
  assert.deepEqual(soon.expiringSoon, [{ points: 200, expiresAt: '2027-07-01T00:00:00.000Z' }]);
  // The second lot goes a month later; a run after that finds nothing.
  env.clock.set('2027-07-01T00:00:00Z');
  await expirePoints(core, { now: core.clock.now() });
  const again = await expirePoints(core, { now: core.clock.now() });
  assert.equal(again.points, 0);
  const all = await getBonusHistory(core, ctx, { msisdn: 'me' });
  assert.deepEqual(all.items.map((i) => [i.kind, i.points]), [['expire', -200], ['expire', -350], ['spend', -150], ['earn', 200], ['earn', 500]]);
  assert.equal((await getBonusBalance(core, ctx, { msisdn: 'me' })).points, 0);
  assert.deepEqual(await pointsBooks(s.accountId), { entries: 0, lots: 0 });

  // A charge dated in a month whose lot has already expired earns nothing: its points would be gone.
  await spend(s, 10_000, 'july');
  assert.deepEqual(await pointsBooks(s.accountId), { entries: 100, lots: 100 }, 'July 2027 earns as usual');
  await core.db.tx((tx) =>
    charge(tx, { accountId: s.accountId, subscriberId: s.subscriberId, amount: 5_000, kind: 'fee', category: 'one_off', idempotencyKey: 'dated-back', at: new Date('2026-05-20T00:00:00Z') }),
  );
  assert.deepEqual(await pointsBooks(s.accountId), { entries: 100, lots: 100 });
  const mayLot = await core.db.query<{ remaining: number }>("SELECT remaining FROM bonus_lot WHERE account_id = $1 AND reference = 'month:2026-05'", [s.accountId]);
  assert.deepEqual(mayLot.map((l) => Number(l.remaining)), [0]);

  // Expired points cannot be exchanged even before the job has run on them.
  const late = await makeSubscriber(core, { openingBalance: 100_000 });
  await spend(late, 30_000, 'late'); // July 2027: until 2028-08-01T00:00Z
  env.clock.set('2028-08-01T00:00:00Z');
  await assert.rejects(exchangePoints(core, subscriberCtx(late.subscriberId), { msisdn: 'me', rewardCode: 'sms_100' }), refusal('INSUFFICIENT_POINTS'));
});

test("the points history only grows: a month's earn line may gain points, nothing else changes or goes", async () => {
  env.clock.set('2026-08-10T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await spend(s, 20_000, 'aug-1');
  await exchangePoints(core, subscriberCtx(s.subscriberId), { msisdn: 'me', rewardCode: 'sms_100' });
  const refused = /append-only/;
  await assert.rejects(core.db.query("UPDATE bonus_entry SET points = points - 1 WHERE account_id = $1 AND kind = 'earn'", [s.accountId]), refused);
  await assert.rejects(core.db.query("UPDATE bonus_entry SET created_at = created_at - interval '1 day' WHERE account_id = $1 AND kind = 'earn'", [s.accountId]), refused);
  await assert.rejects(core.db.query("UPDATE bonus_entry SET points = points - 1 WHERE account_id = $1 AND kind = 'spend'", [s.accountId]), refused);
  await assert.rejects(core.db.query('DELETE FROM bonus_entry WHERE account_id = $1', [s.accountId]), refused);
  await spend(s, 5_000, 'aug-2');
  const lines = await core.db.query<{ kind: string; points: number }>('SELECT kind, points FROM bonus_entry WHERE account_id = $1 ORDER BY id', [s.accountId]);
  assert.deepEqual(lines.map((l) => [l.kind, Number(l.points)]), [['earn', 250], ['spend', -150]]);
  assert.deepEqual(await pointsBooks(s.accountId), { entries: 100, lots: 100 });
});

test('HTTP: points, rewards, exchange and its refusals as problem+json', async () => {
  env.clock.set('2026-06-01T09:00:00Z');
  const app: FastifyInstance = await testApp(core);
  try {
    const s = await makeSubscriber(core, { openingBalance: 100_000 });
    await spend(s, 40_000, 'http-1'); // 400 points
    const { token } = await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'password' });
    const headers = { authorization: `Bearer ${token}` };
    const bonus = await app.inject({ url: '/api/v1/subscribers/me/bonus', headers });
    assert.equal(bonus.statusCode, 200);
    assert.equal(bonus.json<{ points: number }>().points, 400);
    const rewards = await app.inject({ url: '/api/v1/subscribers/me/bonus/rewards', headers });
    assert.ok(rewards.json<{ items: { code: string }[] }>().items.some((r) => r.code === 'internet_1gb'));
    const ok = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/bonus/exchange', headers: { ...headers, 'idempotency-key': 'http-ex-1' }, payload: { rewardCode: 'internet_1gb' } });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json<{ pointsLeft: number }>().pointsLeft, 150);
    const poor = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/bonus/exchange?lang=en', headers, payload: { rewardCode: 'internet_5gb' } });
    assert.equal(poor.statusCode, 402);
    assert.match(String(poor.headers['content-type']), /application\/problem\+json/);
    const problem = poor.json<{ type: string; title: string; required: number; available: number }>();
    assert.equal(problem.type, 'https://abonent.dev/problems/insufficient-points');
    assert.equal(problem.title, 'Not enough bonus points: 1000 needed, 150 available');
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/bonus/exchange', headers, payload: { rewardCode: 'nothing' } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json<{ title: string }>().title, 'Бонус «nothing» не найден');
    const bad = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/bonus/exchange', headers, payload: {} });
    assert.equal(bad.statusCode, 400);
    const history = await app.inject({ url: '/api/v1/subscribers/me/bonus/history?limit=1', headers });
    const page = history.json<{ items: { kind: string; points: number }[]; nextCursor: string | null }>();
    assert.deepEqual(page.items.map((i) => [i.kind, i.points]), [['spend', -250]]);
    assert.ok(page.nextCursor);
    const rest = await app.inject({ url: `/api/v1/subscribers/me/bonus/history?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`, headers });
    const last = rest.json<{ items: { kind: string; points: number }[]; nextCursor: string | null }>();
    assert.deepEqual(last.items.map((i) => [i.kind, i.points]), [['earn', 400]]);
    assert.equal(last.nextCursor, null);
    const anonymous = await app.inject({ url: '/api/v1/subscribers/me/bonus' });
    assert.equal(anonymous.statusCode, 401);
  } finally {
    await app.close();
  }
});
