import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { shareAllowanceAction, perform } from '../../src/domain/actions/registry.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { isDomainError } from '../../src/domain/shared/errors.ts';
import { listShares } from '../../src/domain/sharing/list-shares.ts';
import { shareAllowance } from '../../src/domain/sharing/share-allowance.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { ledgerSum, makeSubscriber, refusal, secondCore, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const GB = 1024 ** 3;
const DAY = 86_400_000;

async function setSharing(path: string, value: unknown) {
  await core.db.query(`UPDATE catalog_setting SET value = jsonb_set(value, $1::text[], $2::jsonb) WHERE key = 'settings'`, [['sharing', ...path.split('.')], JSON.stringify(value)]);
}

/** Bytes (or seconds) left now in a number's quotas of a unit: its own, and gifts received. */
async function left(accountId: number, subscriberId: number, unit: 'bytes' | 'seconds') {
  const rows = await core.db.query<{ own: number; gifts: number }>(
    `SELECT COALESCE(SUM(included - used) FILTER (WHERE source NOT LIKE 'gift:%'), 0)::bigint AS own,
            COALESCE(SUM(included - used) FILTER (WHERE source LIKE 'gift:%'), 0)::bigint AS gifts
       FROM quota WHERE account_id = $1 AND subscriber_id = $2 AND unit = $3 AND period_start <= $4 AND period_end > $4`,
    [accountId, subscriberId, unit, core.clock.now()],
  );
  return { own: Number(rows[0]!.own), gifts: Number(rows[0]!.gifts) };
}

test('a gift of 3 GB: taken from the giver’s package, the fee charged through the ledger, the recipient told by SMS, both sides audited', async () => {
  env.clock.set('2026-03-10T09:00:00Z');
  const giver = await makeSubscriber(core);
  const friend = await makeSubscriber(core, { tariffCode: 'basic' });
  const ctx = subscriberCtx(giver.subscriberId);
  const before = await left(giver.accountId, giver.subscriberId, 'bytes');
  assert.equal(before.own, 15 * GB);

  const offer = await shareAllowanceAction.offer(core, ctx, { msisdn: 'me', kind: 'data', amount: 3, to: `8${friend.msisdn.slice(1)}` });
  assert.equal(offer.refusal, null);
  assert.deepEqual(offer.facts, { price: 1000, period: 'once', connectionFee: 0, commission: 0, chargedToday: 1000 });
  assert.deepEqual(offer.details.kinds.map((k) => [k.kind, k.min, k.max, k.available]), [['data', 1, 30, 15], ['minutes', 10, 300, 500]]);
  assert.deepEqual(shareAllowanceAction.confirmation(offer, 'web'), { kind: 'explicit' });
  assert.equal(shareAllowanceAction.confirmation(offer, 'sms').kind, 'reply');

  const r = await perform(core, ctx, shareAllowanceAction, 'me', { kind: 'data', amount: 3, to: `+7 ${friend.msisdn.slice(1)}` });
  assert.equal(r.to, friend.msisdn);
  assert.equal(r.fee, 1000);
  assert.equal(r.validUntil, '2026-03-17T09:00:00.000Z');
  assert.equal(r.balance, 100_000 - 1000);

  assert.deepEqual(await left(giver.accountId, giver.subscriberId, 'bytes'), { own: 12 * GB, gifts: 0 });
  assert.deepEqual(await left(friend.accountId, friend.subscriberId, 'bytes'), { own: 0, gifts: 3 * GB });
  const books = await ledgerSum(core, giver.accountId);
  assert.equal(books.balance, 99_000);
  assert.equal(books.sum, books.balance);
  const [entry] = await core.db.query<{ amount: number; category: string; idempotency_key: string }>(
    `SELECT amount, category, idempotency_key FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'share:%'`,
    [giver.accountId],
  );
  assert.deepEqual({ ...entry, amount: Number(entry!.amount) }, { amount: -1000, category: 'one_off', idempotency_key: `share:${r.transferId}` });

  const sms = await core.db.query<{ text: string }>(`SELECT text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'share_gift'`, [friend.msisdn]);
  assert.equal(sms.length, 1);
  assert.match(sms[0]!.text, /подарил вам 3\u00a0ГБ интернета\. Подарок действует до 17 марта 2026 г\. в 12:00\./);

  const audit = await core.db.query<{ action: string; subscriber_id: number }>(`SELECT action, subscriber_id FROM audit_event WHERE action LIKE 'share.%' ORDER BY id`);
  assert.deepEqual(audit.map((a) => [a.action, Number(a.subscriber_id)]), [['share.give', giver.subscriberId], ['share.receive', friend.subscriberId]]);

  // Each side sees its own line, and nobody else's.
  const mine = await listShares(core, ctx, { msisdn: 'me' });
  assert.deepEqual(mine.items.map((i) => [i.direction, i.counterpart, i.kind, i.amount, i.fee, i.remaining]), [['given', friend.msisdn, 'data', 3, 1000, null]]);
  const theirs = await listShares(core, subscriberCtx(friend.subscriberId), { msisdn: 'me' });
  assert.deepEqual(theirs.items.map((i) => [i.direction, i.counterpart, i.amount, i.fee, i.remaining]), [['received', giver.msisdn, 3, 0, 3 * GB]]);
  await assert.rejects(listShares(core, subscriberCtx(friend.subscriberId), { msisdn: giver.msisdn }), refusal('SUBSCRIBER_NOT_FOUND'));
  const balance = await getBalance(core, subscriberCtx(friend.subscriberId), { msisdn: 'me' });
  assert.equal(balance.remaining.bytes.remaining, 3 * GB);
});

test('parallel transfers never overdraw the giver’s package: of 8 × 3 GB from 15 GB exactly 5 are made, over two instances', async () => {
  env.clock.set('2026-03-11T09:00:00Z');
  await setSharing('perDay', 100);
  await setSharing('perMonth', 100);
  try {
    const other = await secondCore(env);
    for (let trial = 0; trial < 3; trial++) {
      const giver = await makeSubscriber(core);
      const friends = await Promise.all(Array.from({ length: 4 }, () => makeSubscriber(core)));
      const ctx = subscriberCtx(giver.subscriberId);
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => shareAllowance(i % 2 ? other : core, ctx, { msisdn: giver.msisdn, kind: 'data', amount: 3, to: friends[i % 4]!.msisdn })),
      );
      const ok = results.filter((x) => x.status === 'fulfilled');
      const failed = results.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
      assert.equal(ok.length, 5, `trial ${trial}: ${failed.map((f) => String(f.reason)).join('; ')}`);
      for (const f of failed) assert.ok(isDomainError(f.reason) && f.reason.code === 'INSUFFICIENT_ALLOWANCE', String(f.reason));
      assert.deepEqual(await left(giver.accountId, giver.subscriberId, 'bytes'), { own: 0, gifts: 0 });
      let gifts = 0;
      for (const f of friends) gifts += (await left(f.accountId, f.subscriberId, 'bytes')).gifts;
      assert.equal(gifts, 15 * GB);
      const books = await ledgerSum(core, giver.accountId);
      assert.equal(books.balance, 100_000 - 5 * 1000);
      assert.equal(books.sum, books.balance);
    }
  } finally {
    await setSharing('perDay', 3);
    await setSharing('perMonth', 10);
  }
});

test('abuse limits: 3 transfers a local day, 10 a calendar month; the next day and the next month open again', async () => {
  // 23:30 in Moscow on 31 March; the local day is what counts.
  env.clock.set('2026-03-31T19:00:00Z');
  const giver = await makeSubscriber(core, { tariffCode: 'premium', openingBalance: 1_000_000 });
  const friend = await makeSubscriber(core);
  const ctx = subscriberCtx(giver.subscriberId);
  const give = () => perform(core, ctx, shareAllowanceAction, 'me', { kind: 'minutes', amount: 10, to: friend.msisdn });
  for (let i = 0; i < 3; i++) await give();
  await assert.rejects(give(), (e) => isDomainError(e) && e.code === 'SHARE_LIMIT_REACHED' && e.params.period === 'day' && e.params.limit === 3);
  const offer = await shareAllowanceAction.offer(core, ctx, { msisdn: 'me' });
  assert.deepEqual(offer.refusal, { code: 'SHARE_LIMIT_REACHED', params: { period: 'day', limit: 3 } });
  assert.deepEqual(offer.details.limits, { perDay: 3, perMonth: 10, today: 3, thisMonth: 3 });
  // The refusal is audited.
  const refused = await core.db.query(`SELECT 1 FROM audit_event WHERE action = 'share.give' AND outcome = 'refused' AND subscriber_id = $1`, [giver.subscriberId]);
  assert.ok(refused.length >= 1);

  // 00:30 local on 1 April: a new day and a new month.
  env.clock.set('2026-03-31T21:30:00Z');
  for (let d = 0; d < 4; d++) {
    for (let i = 0; i < (d === 3 ? 1 : 3); i++) await give();
    env.clock.advance(DAY);
  }
  // 10 in April so far: the month's limit, though today (4 April) has had none.
  await assert.rejects(give(), (e) => isDomainError(e) && e.code === 'SHARE_LIMIT_REACHED' && e.params.period === 'month' && e.params.limit === 10);
});

test('eligibility: the tariff, bounds, what is left, the recipient; a gift received is not passed on', async () => {
  env.clock.set('2026-03-12T09:00:00Z');
  const basic = await makeSubscriber(core, { tariffCode: 'basic' });
  const giver = await makeSubscriber(core);
  const friend = await makeSubscriber(core);
  const ctxBasic = subscriberCtx(basic.subscriberId);
  const o = await shareAllowanceAction.offer(core, ctxBasic, { msisdn: 'me' });
  assert.deepEqual(o.refusal, { code: 'SHARE_NOT_ALLOWED', params: { reason: 'tariff' } });
  assert.equal(o.shown, false);
  await assert.rejects(shareAllowance(core, ctxBasic, { msisdn: 'me', kind: 'data', amount: 1, to: giver.msisdn }), (e) => isDomainError(e) && e.params.reason === 'tariff');

  const ctx = subscriberCtx(giver.subscriberId);
  const judge = async (input: { kind: 'data' | 'minutes'; amount: number; to: string }) => (await shareAllowanceAction.offer(core, ctx, { msisdn: 'me', ...input })).refusal;
  assert.deepEqual(await judge({ kind: 'data', amount: 31, to: friend.msisdn }), { code: 'SHARE_AMOUNT_NOT_ALLOWED', params: { kind: 'data', min: 1, max: 30 } });
  assert.deepEqual(await judge({ kind: 'minutes', amount: 5, to: friend.msisdn }), { code: 'SHARE_AMOUNT_NOT_ALLOWED', params: { kind: 'minutes', min: 10, max: 300 } });
  assert.deepEqual(await judge({ kind: 'data', amount: 16, to: friend.msisdn }), { code: 'INSUFFICIENT_ALLOWANCE', params: { kind: 'data', required: 16, available: 15 } });
  assert.deepEqual(await judge({ kind: 'data', amount: 1, to: giver.msisdn }), { code: 'SHARE_NOT_ALLOWED', params: { reason: 'self' } });
  assert.deepEqual(await judge({ kind: 'data', amount: 1, to: '79990009999' }), { code: 'SHARE_NOT_ALLOWED', params: { reason: 'recipient' } });
  await assert.rejects(perform(core, ctx, shareAllowanceAction, 'me', { kind: 'data', amount: 1, to: 'nonsense' }), refusal('VALIDATION'));
  await assert.rejects(perform(core, ctx, shareAllowanceAction, 'me', { kind: 'sms', amount: 1, to: friend.msisdn }), refusal('VALIDATION'));

  // The friend got 2 GB and has 15 GB of their own: they may give 15, not 17.
  await perform(core, ctx, shareAllowanceAction, 'me', { kind: 'data', amount: 2, to: friend.msisdn });
  const fctx = subscriberCtx(friend.subscriberId);
  const fo = await shareAllowanceAction.offer(core, fctx, { msisdn: 'me', kind: 'data', amount: 16, to: giver.msisdn });
  assert.deepEqual(fo.refusal, { code: 'INSUFFICIENT_ALLOWANCE', params: { kind: 'data', required: 16, available: 15 } });

  // Not enough money for the fee.
  const poor = await makeSubscriber(core, { openingBalance: 500 });
  await assert.rejects(perform(core, subscriberCtx(poor.subscriberId), shareAllowanceAction, 'me', { kind: 'data', amount: 1, to: friend.msisdn }), refusal('INSUFFICIENT_FUNDS'));
  assert.deepEqual(await left(poor.accountId, poor.subscriberId, 'bytes'), { own: 15 * GB, gifts: 0 });
});

test('a gift is used before the recipient’s money and ends after its days; what is left goes back to nobody', async () => {
  env.clock.set('2026-03-13T09:00:00Z');
  const giver = await makeSubscriber(core);
  const friend = await makeSubscriber(core, { tariffCode: 'basic' });
  const r = await shareAllowance(core, subscriberCtx(giver.subscriberId), { msisdn: giver.msisdn, kind: 'minutes', amount: 20, to: friend.msisdn });
  const giverLeft = await left(giver.accountId, giver.subscriberId, 'seconds');
  assert.equal(giverLeft.own, (500 - 20) * 60);

  const call = (id: string, at: string, seconds: number) => ingestUsage(core, systemCtx('test'), [{ recordId: id, msisdn: friend.msisdn, kind: 'voice', zone: 'home', startedAt: at, durationSeconds: seconds }]);
  env.clock.set('2026-03-19T09:00:00Z');
  const inside = await call('gift-1', '2026-03-19T08:00:00Z', 5 * 60);
  assert.equal(inside.charged, 0);
  assert.equal((await left(friend.accountId, friend.subscriberId, 'seconds')).gifts, 15 * 60);

  env.clock.set(new Date(new Date(r.validUntil).getTime() + 60_000).toISOString());
  assert.equal((await left(friend.accountId, friend.subscriberId, 'seconds')).gifts, 0);
  const outside = await call('gift-2', new Date(new Date(r.validUntil).getTime() + 1000).toISOString(), 60);
  assert.ok(outside.charged > 0, 'after its end the gift covers nothing');
  // The giver gets nothing back.
  assert.equal((await left(giver.accountId, giver.subscriberId, 'seconds')).own, giverLeft.own);
  const theirs = await listShares(core, subscriberCtx(friend.subscriberId), { msisdn: 'me' });
  assert.equal(theirs.items[0]!.remaining, 0);
});
