import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/domain/core.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { expireReservations } from '../../src/domain/ledger/balance-ops.ts';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger.ts';
import { ledgerSum, makeSubscriber } from '../helpers/core.ts';
import { matchesFilters } from '../../src/channels/tmf/conventions.ts';
import { closeTmfEnv, ISO_Z, openTmfEnv, startListener, tmfClient, walkPages, type Res, type TmfEnv } from '../helpers/tmf.ts';

let t: TmfEnv;
let core: Core;
let app: FastifyInstance;
let auth: { authorization: string };
before(async () => {
  t = await openTmfEnv();
  ({ core, app, auth } = t);
});
after(() => closeTmfEnv(t));
const available = async (accountId: number) => (await core.db.query<{ n: number }>('SELECT (balance + credit_limit)::bigint AS n FROM account WHERE id = $1', [accountId]))[0]!.n;

test('TMF654 reserveBalance: holds money through the ledger once per key, list, fields, retrieve, delete releases, expiry, 404', async () => {
  const call = tmfClient(app, auth, '/tmf-api/prepayBalanceManagement/v4');
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url, query: 'eventType=reserveBalanceCreateEvent,reserveBalanceCancelEvent' })).status, 201);
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  const before = await available(s.accountId);
  const body = { amount: { amount: 30, units: 'RUB' }, usageType: 'monetary', bucket: [{ id: `money-${s.msisdn}` }], partyAccount: { id: String(s.accountId) }, reason: 'pending purchase' };
  assert.equal((await call('POST', '/reserveBalance', { ...body, partyAccount: undefined })).status, 400, 'partyAccount is required');
  const made = await call('POST', '/reserveBalance', body, { 'idempotency-key': 'hold-1' });
  assert.equal(made.status, 201, made.raw);
  const r = made.body!;
  assert.equal(r['@type'], 'ReserveBalance');
  assert.equal(r.status, 'created');
  assert.deepEqual(r.amount, { amount: 30, units: 'RUB' });
  assert.match(String(r.confirmationDate), ISO_Z);
  assert.equal(r.href, `http://abonent.test/tmf-api/prepayBalanceManagement/v4/reserveBalance/${String(r.id)}`);
  assert.equal(r.reason, 'pending purchase');
  const again = await call('POST', '/reserveBalance', body, { 'idempotency-key': 'hold-1' });
  assert.equal(again.status, 201);
  assert.equal(again.body!.id, r.id, 'a retry names the same reservation');
  assert.equal(await available(s.accountId), before - 3_000, 'held once: what may be spent drops');
  const l = await ledgerSum(core, s.accountId);
  assert.equal(l.sum, l.balance, 'the balance is the sum of the entries');
  const money = (await call('GET', `/bucket/money-${s.msisdn}`)).body!;
  assert.deepEqual(money.reservedValue, { amount: 30, units: 'RUB' });

  const tooMuch = await call('POST', '/reserveBalance', { ...body, amount: { amount: 1_000_000, units: 'RUB' } });
  assert.equal(tooMuch.status, 422);
  assert.equal(tooMuch.body!.code, 'INSUFFICIENT_FUNDS');
  assert.equal((await call('POST', '/reserveBalance', { ...body, amount: { amount: 1.001 } })).status, 400);
  assert.equal((await call('POST', '/reserveBalance', { ...body, validFor: { endDateTime: '2020-01-01T00:00:00Z' } })).status, 400, 'validity must end in the future');

  const second = await call('POST', '/reserveBalance', { ...body, amount: { amount: 5, units: 'RUB' }, validFor: { endDateTime: '2026-03-10T10:00:00Z' } });
  assert.equal(second.status, 201, second.raw);
  const list = await call('GET', `/reserveBalance?logicalResource.value=${s.msisdn}&fields=status`);
  assert.equal(list.headers['x-total-count'], '2');
  // Both were made at the same instant of the test clock: find ours by id, not by position.
  assert.deepEqual((list.body as unknown as Res[]).find((x) => x.id === r.id), { id: r.id, href: r.href, status: 'created' });
  assert.equal((await call('GET', `/reserveBalance?logicalResource.value=${s.msisdn}&limit=1`)).headers['x-result-count'], '1');
  assert.equal((await call('GET', `/reserveBalance/${String(r.id)}`)).body!.id, r.id);
  assert.equal((await call('GET', '/reserveBalance/nope')).status, 404);

  assert.equal((await call('DELETE', `/reserveBalance/${String(r.id)}`)).status, 204);
  assert.equal((await call('DELETE', `/reserveBalance/${String(r.id)}`)).status, 204, 'releasing twice credits once');
  assert.equal((await call('GET', `/reserveBalance/${String(r.id)}`)).body!.status, 'cancelled');
  assert.equal(await available(s.accountId), before - 500);
  assert.equal((await call('DELETE', '/reserveBalance/nope')).status, 404);

  t.env.clock.advance(2 * 3600_000);
  assert.equal(await expireReservations(core, systemCtx('test'), { now: core.clock.now() }), 1);
  assert.equal(await expireReservations(core, systemCtx('test'), { now: core.clock.now() }), 0);
  assert.equal((await call('GET', `/reserveBalance/${String(second.body!.id)}`)).body!.status, 'cancelled');
  assert.equal(await available(s.accountId), before, 'every hold is back');
  const entries = await core.db.query<Res>("SELECT amount, kind, category FROM ledger_entry WHERE account_id = $1 AND kind = 'adjustment' ORDER BY id", [s.accountId]);
  assert.deepEqual(entries.map((e) => Number(e.amount)), [-3_000, -500, 3_000, 500]);
  assert.ok(entries.every((e) => e.category === 'other'));
  const audit = await core.db.query<{ action: string; outcome: string }>("SELECT action, outcome FROM audit_event WHERE subscriber_id = $1 AND action LIKE 'balance.%' ORDER BY id", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => `${a.action}:${a.outcome}`), ['balance.reserve:ok', 'balance.reserve:refused', 'balance.reserve:ok', 'balance.reservation.release:ok', 'balance.reservation.expire:ok']);
  await listener.waitFor('reserveBalanceCreateEvent', 2, 10_000);
  await listener.waitFor('reserveBalanceCancelEvent', 1, 10_000);
  assert.equal((await verifyLedger(core.db)).mismatches.length, 0);
  await listener.close();
});

test('TMF654 transferBalance: both accounts in one transaction, idempotent, INSUFFICIENT_FUNDS, list, retrieve, 404', async () => {
  const call = tmfClient(app, auth, '/tmf-api/prepayBalanceManagement/v4');
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url, query: 'eventType=transferBalanceCreateEvent' })).status, 201);
  const a = await makeSubscriber(core, { openingBalance: 10_000 });
  const b = await makeSubscriber(core, { openingBalance: 1_000 });
  const body = {
    amount: { amount: 40, units: 'RUB' },
    usageType: 'monetary',
    bucket: [{ id: `money-${a.msisdn}` }],
    receiverBucket: [{ id: `money-${b.msisdn}` }],
    receiverBucketUsageType: 'monetary',
    receiverLogicalResource: [{ id: b.msisdn, value: b.msisdn }],
    reason: 'gift',
  };
  assert.equal((await call('POST', '/transferBalance', { ...body, receiverBucket: undefined })).status, 400, 'receiverBucket is required');
  const made = await call('POST', '/transferBalance', body, { 'idempotency-key': 'gift-1' });
  assert.equal(made.status, 201, made.raw);
  const t = made.body!;
  assert.equal(t['@type'], 'TransferBalance');
  assert.equal(t.status, 'completed');
  assert.equal(t.reason, 'gift');
  assert.deepEqual((t.receiverLogicalResource as Res[])[0]!.value, b.msisdn);
  assert.match(String(t.requestedDate), ISO_Z);
  const again = await call('POST', '/transferBalance', body, { 'idempotency-key': 'gift-1' });
  assert.equal(again.body!.id, t.id, 'a retry names the same transfer');
  assert.equal((await call('POST', '/transferBalance', { ...body, amount: { amount: 1, units: 'RUB' } }, { 'idempotency-key': 'gift-1' })).status, 422, 'same key, other request');
  assert.equal((await ledgerSum(core, a.accountId)).balance, 10_000 - 4_000);
  assert.equal((await ledgerSum(core, b.accountId)).balance, 1_000 + 4_000);

  const poor = await call('POST', '/transferBalance', { ...body, amount: { amount: 1_000_000, units: 'RUB' } });
  assert.equal(poor.status, 422);
  assert.equal(poor.body!.code, 'INSUFFICIENT_FUNDS');
  assert.equal((await ledgerSum(core, b.accountId)).balance, 5_000, 'a refused transfer credits nothing');
  assert.equal((await call('POST', '/transferBalance', { ...body, receiverBucket: [{ id: `money-${a.msisdn}` }], receiverLogicalResource: undefined })).status, 400, 'not to itself');
  assert.equal((await call('POST', '/transferBalance', { ...body, receiverBucket: [{ id: 'money-70000000009' }], receiverLogicalResource: undefined })).status, 404);

  // Opposite transfers at once: accounts are locked in id order, so neither deadlocks.
  const back = { ...body, amount: { amount: 1, units: 'RUB' }, bucket: body.receiverBucket, receiverBucket: body.bucket, receiverLogicalResource: [{ id: a.msisdn }] };
  const results = await Promise.all([...Array(4)].map((_, i) => call('POST', '/transferBalance', i % 2 ? back : { ...body, amount: { amount: 1, units: 'RUB' } })));
  assert.deepEqual(results.map((x) => x.status), [201, 201, 201, 201]);
  for (const acc of [a, b]) {
    const l = await ledgerSum(core, acc.accountId);
    assert.equal(l.sum, l.balance);
  }
  assert.equal((await ledgerSum(core, a.accountId)).balance + (await ledgerSum(core, b.accountId)).balance, 11_000, 'money moves, none is made');

  const list = await call('GET', `/transferBalance?logicalResource.value=${b.msisdn}`);
  assert.equal(list.headers['x-total-count'], '5', 'to or from the number');
  const mine = await call('GET', `/transferBalance?logicalResource.value=${a.msisdn}&amount.amount=40&fields=amount&limit=1`);
  assert.equal(mine.headers['x-result-count'], '1');
  assert.deepEqual((mine.body as unknown as Res[])[0], { id: t.id, href: t.href, amount: { amount: 40, units: 'RUB' } });
  assert.equal((await call('GET', `/transferBalance/${String(t.id)}`)).body!.id, t.id);
  assert.equal((await call('GET', '/transferBalance/nope')).status, 404);
  const audit = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'balance.transfer' AND outcome = 'ok' AND subscriber_id IN ($1, $2)", [a.subscriberId, b.subscriberId]);
  assert.equal(audit[0]!.n, 10, 'each side of each transfer is audited');
  await listener.waitFor('transferBalanceCreateEvent', 5, 10_000);
  await listener.close();
});

test('TMF654 reserveBalance and transferBalance paged by the store with every filter, each as the attribute filter over the whole list, others refused', async () => {
  const call = tmfClient(app, auth, '/tmf-api/prepayBalanceManagement/v4');
  const [a, b, c] = [await makeSubscriber(core, { openingBalance: 50_000 }), await makeSubscriber(core, { openingBalance: 50_000 }), await makeSubscriber(core, { openingBalance: 50_000 })];
  const bucket = (n: { msisdn: string }) => [{ id: `money-${n.msisdn}` }];
  for (const [i, [from, to]] of [[a, b], [b, c], [a, c]].entries()) {
    t.env.clock.advance(60_000);
    const reserve = await call('POST', '/reserveBalance', { amount: { amount: 10 + i, units: 'RUB' }, usageType: 'monetary', bucket: bucket(from!), partyAccount: { id: String(from!.accountId) }, reason: i ? 'purchase' : 'hold' });
    assert.equal(reserve.status, 201, reserve.raw);
    const transfer = await call('POST', '/transferBalance', { amount: { amount: 5 + i, units: 'RUB' }, usageType: 'monetary', receiverBucketUsageType: 'monetary', bucket: bucket(from!), receiverBucket: bucket(to!), reason: i ? 'gift' : 'debt' });
    assert.equal(transfer.status, 201, transfer.raw);
  }
  assert.equal((await call('DELETE', `/reserveBalance/${String(((await call('GET', `/reserveBalance?reason=hold&logicalResource.value=${a.msisdn}`)).body as unknown as Res[])[0]!.id)}`)).status, 204);

  type Case = [string, ((x: Res) => boolean)?];
  const lists: [string, Case[]][] = [
    [
      'reserveBalance',
      [
        ['status=cancelled'],
        ['status=created&reason=purchase'],
        ['amount.amount=12&amount.units=RUB&usageType=monetary'],
        [`logicalResource.value=${a.msisdn}`],
        [`relatedParty.id=${b.msisdn}&partyAccount.id=${b.accountId}&@type=ReserveBalance`],
      ],
    ],
    [
      'transferBalance',
      [
        ['reason=gift&status=completed'],
        ['amount.amount=7'],
        [`logicalResource.value=${c.msisdn}`, (x) => [(x.logicalResource as Res[])[0]!.value, (x.receiverLogicalResource as Res[])[0]!.value].includes(c.msisdn)],
        [`receiverLogicalResource.value=${c.msisdn}&partyAccount.id=${b.accountId}`],
        [`relatedParty.id=${b.msisdn}&relatedParty.role=receiver`],
      ],
    ],
  ];
  for (const [path, cases] of lists) {
    const whole = await call('GET', `/${path}?limit=1000`);
    const all = whole.body as unknown as Res[];
    assert.equal(whole.headers['x-total-count'], String(all.length));
    assert.ok(all.length >= 3, path);
    const walked = await walkPages(app, auth, `/tmf-api/prepayBalanceManagement/v4/${path}?limit=2`);
    assert.deepEqual(walked, all.map((x) => String(x.id)), path);
    assert.equal(new Set(walked).size, walked.length, path);
    const last = all.at(-1)!;
    const since = new Date(String(last.requestedDate));
    for (const [q, wanted] of [...cases, [`id=${String(last.id)}`], [`requestedDate.gte=${since.toISOString()}`, (x: Res) => new Date(String(x.requestedDate)) >= since]] as Case[]) {
      const filter = wanted ?? ((x: Res) => matchesFilters(x, Object.fromEntries(new URLSearchParams(q))));
      const expected = all.filter(filter).map((x) => String(x.id));
      const got = await call('GET', `/${path}?${q}&limit=1000`);
      assert.equal(got.status, 200, `${path}?${q}: ${got.raw}`);
      assert.deepEqual((got.body as unknown as Res[]).map((x) => String(x.id)), expected, `${path}?${q}`);
      assert.equal(got.headers['x-total-count'], String(expected.length), `${path}?${q}`);
      assert.ok(expected.length > 0, `${path}?${q} matches something`);
    }
    const bad = await call('GET', `/${path}?channel.id=shop`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, path);
    assert.equal(bad.body!.field, 'channel.id', path);
  }
});
