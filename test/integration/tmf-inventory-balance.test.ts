import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { listCap, setListCap } from '../../src/domain/shared/operator-access.ts';
import { ctxAs, ledgerSum, makeSubscriber } from '../helpers/core.ts';
import { matchesFilters } from '../../src/channels/tmf/conventions.ts';
import { assertPagedFilters, closeTmfEnv, ISO_Z, openTmfEnv, startListener, tmfClient, walkPages, type Res, type TmfEnv } from '../helpers/tmf.ts';

let t: TmfEnv;
let core: Core;
let app: FastifyInstance;
let auth: { authorization: string };
before(async () => {
  t = await openTmfEnv();
  ({ core, app, auth } = t);
});
after(() => closeTmfEnv(t));

test('TMF637 product: tariff and connected products of a number, filters, fields, pages, retrieve, create, terminate, 404', async () => {
  const call = tmfClient(app, auth, '/tmf-api/productInventory/v4');
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await connectProduct(core, ctxAs({ kind: 'operator_api', apiKeyId: 1 }), { msisdn: s.msisdn, productCode: 'weather' });
  const list = await call('GET', `/product?relatedParty.id=${s.msisdn}`);
  assert.equal(list.status, 200);
  const items = list.body as unknown as Res[];
  assert.equal(list.headers['x-total-count'], String(items.length));
  const tariff = items.find((p) => (p.productOffering as Res).id === 'tariff-smart')!;
  const weather = items.find((p) => (p.productOffering as Res).id === 'weather')!;
  assert.equal(tariff.id, `${s.accountId}-tariff-${s.subscriberId}`);
  for (const p of [tariff, weather]) {
    assert.equal(p['@type'], 'Product');
    assert.equal(p.status, 'active');
    assert.match(String(p.startDate), ISO_Z);
    assert.equal(p.href, `http://abonent.test/tmf-api/productInventory/v4/product/${String(p.id)}`);
    assert.deepEqual(p.billingAccount, { id: String(s.accountId), '@referredType': 'BillingAccount' });
    assert.ok((p.relatedParty as Res[]).some((r) => r.id === s.msisdn));
    assert.ok(Array.isArray(p.productPrice) && Array.isArray(p.productCharacteristic));
  }
  assert.deepEqual(weather.productPrice, [{ priceType: 'recurring', recurringChargePeriod: 'day', price: { taxIncludedAmount: { unit: 'RUB', value: 7 } } }]);

  const filtered = await call('GET', `/product?relatedParty.id=${s.msisdn}&productOffering.id=weather&fields=status`);
  assert.deepEqual(filtered.body, [{ id: weather.id, href: weather.href, status: 'active' }]);
  const page = await call('GET', `/product?relatedParty.id=${s.msisdn}&limit=1&offset=1`);
  assert.equal(page.headers['x-result-count'], '1');
  assert.equal((await call('GET', `/product/${String(weather.id)}`)).body!.id, weather.id);
  assert.equal((await call('GET', '/product/999-999')).status, 404);

  const created = await call('POST', '/product', { status: 'active', productOffering: { id: 'news' }, relatedParty: [{ id: s.msisdn }] });
  assert.equal(created.status, 201, created.raw);
  assert.equal((created.body!.productOffering as Res).id, 'news');
  const refused = await call('POST', '/product', { status: 'active', productOffering: { id: 'news' }, relatedParty: [{ id: s.msisdn }] });
  assert.equal(refused.status, 409);
  assert.equal(refused.body!.code, 'ALREADY_CONNECTED');
  assert.equal((await call('POST', '/product', { productOffering: { id: 'news' } })).status, 400, 'status is required');

  const patched = await call('PATCH', `/product/${String(created.body!.id)}`, { status: 'terminated' });
  assert.equal(patched.status, 200, patched.raw);
  assert.equal(patched.body!.status, 'terminated');
  assert.match(String(patched.body!.terminationDate), ISO_Z);
  assert.equal((await call('DELETE', `/product/${String(weather.id)}`)).status, 204);
  assert.equal((await call('GET', `/product/${String(weather.id)}`)).body!.status, 'terminated');
  assert.equal((await call('DELETE', `/product/${String(tariff.id)}`)).status, 409);
});

test('TMF637 product paged by the store with every filter: pages neither repeat nor miss an item, each filter as the attribute filter over the whole list, others refused', async () => {
  const op = ctxAs({ kind: 'operator_api', apiKeyId: 1 });
  t.env.clock.set('2026-03-02T08:00:00Z');
  const a = await makeSubscriber(core);
  const b = await makeSubscriber(core);
  await connectProduct(core, op, { msisdn: a.msisdn, productCode: 'weather' });
  t.env.clock.set('2026-03-05T08:00:00Z');
  await connectProduct(core, op, { msisdn: b.msisdn, productCode: 'weather' });
  await connectProduct(core, op, { msisdn: b.msisdn, productCode: 'news' });
  const call = tmfClient(app, auth, '/tmf-api/productInventory/v4');
  const news = (await call('GET', `/product?relatedParty.id=${b.msisdn}&productOffering.id=news`)).body![0] as Res;
  assert.equal((await call('DELETE', `/product/${String(news.id)}`)).status, 204);

  const whole = await call('GET', '/product?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length > 5);
  const walked = await walkPages(app, auth, '/tmf-api/productInventory/v4/product?limit=2');
  assert.deepEqual(walked, all.map((p) => String(p.id)));
  assert.equal(new Set(walked).size, walked.length);
  assert.deepEqual(await walkPages(app, auth, '/tmf-api/productInventory/v4/product?productOffering.id=weather&limit=1'), all.filter((p) => (p.productOffering as Res).id === 'weather').map((p) => String(p.id)));

  const since = new Date('2026-03-04T00:00:00Z');
  const weatherName = String(all.find((p) => (p.productOffering as Res).id === 'weather')!.name);
  const cases: [string, ((p: Res) => boolean)?][] = [
    [`id=${String(news.id)}`],
    ['status=terminated'],
    ['status=active'],
    [`productSerialNumber=${a.msisdn}`],
    [`relatedParty.id=${b.msisdn}`],
    [`relatedParty.id=${b.customerId}&relatedParty.role=customer`],
    ['relatedParty.role=owner'],
    ['productOffering.id=tariff-smart'],
    [`productOffering.name=${encodeURIComponent(weatherName)}`],
    [`name=${encodeURIComponent(weatherName)}&status=active`],
    [`billingAccount.id=${a.accountId}`],
    ['billingAccount.id=abc'],
    [`startDate=${String(news.startDate)}`],
    [`startDate.gte=${since.toISOString()}`, (p) => new Date(String(p.startDate)) >= since],
    [`startDate.lt=${since.toISOString()}&productOffering.id=weather`, (p) => new Date(String(p.startDate)) < since && (p.productOffering as Res).id === 'weather'],
    [`terminationDate.lte=2030-01-01T00:00:00Z`, (p) => p.terminationDate !== undefined],
    ['isBundle=false&isCustomerVisible=true&@type=Product'],
    ['isCustomerVisible=false'],
    ['status=active&status=terminated', () => false],
  ];
  for (const [q, wanted] of cases) {
    const filter = wanted ?? ((p: Res) => matchesFilters(p, Object.fromEntries(new URLSearchParams(q))));
    const expected = all.filter(filter).map((p) => String(p.id));
    const got = await call('GET', `/product?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((p) => String(p.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
  }
  assert.ok(all.some((p) => new Date(String(p.startDate)) >= since) && all.some((p) => new Date(String(p.startDate)) < since), 'the date range cuts the list');

  for (const [q, field] of [
    ['productPrice.priceType=recurring', 'productPrice.priceType'],
    ['startDate.gt=yesterday', 'startDate.gt'],
    ['isBundle=maybe', 'isBundle'],
  ] as const) {
    const bad = await call('GET', `/product?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field, q);
  }
  const refused = await call('GET', '/product?productPrice.priceType=recurring', undefined, { 'accept-language': 'en' });
  assert.match(String(refused.body!.message), /it can by id, name, status, productSerialNumber, relatedParty\.id/);
});

test('TMF654: buckets, accumulated balance, topup and adjust through the ledger once per key, history, 404', async () => {
  const call = tmfClient(app, auth, '/tmf-api/prepayBalanceManagement/v4');
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url, query: 'eventType=topupBalanceCreateEvent' })).status, 201);
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  const buckets = await call('GET', `/bucket?logicalResource.value=${s.msisdn}`);
  assert.equal(buckets.status, 200);
  const money = (buckets.body as unknown as Res[]).find((b) => b.id === `money-${s.msisdn}`)!;
  assert.deepEqual(money.remainingValue, { amount: 100, units: 'RUB' });
  assert.equal(money.usageType, 'monetary');
  assert.ok((buckets.body as unknown as Res[]).some((b) => b.usageType === 'voice'), 'the tariff minutes are a bucket');
  assert.equal((await call('GET', `/bucket/money-${s.msisdn}?fields=remainingValue`)).body!.remainingValue !== undefined, true);
  assert.equal((await call('GET', '/bucket/money-70000000000')).status, 404);

  const topup = { amount: { amount: 150.5, units: 'RUB' }, usageType: 'monetary', bucket: [{ id: `money-${s.msisdn}` }], partyAccount: { id: String(s.accountId) }, reason: 'cash at a shop' };
  assert.equal((await call('POST', '/topupBalance', { ...topup, partyAccount: undefined })).status, 400, 'partyAccount is required');
  const first = await call('POST', '/topupBalance', topup, { 'idempotency-key': 'shop-42' });
  assert.equal(first.status, 201, first.raw);
  assert.equal(first.body!['@type'], 'TopupBalance');
  assert.equal(first.body!.status, 'confirmed');
  assert.match(String(first.body!.confirmationDate), ISO_Z);
  const again = await call('POST', '/topupBalance', topup, { 'idempotency-key': 'shop-42' });
  assert.equal(again.status, 201);
  assert.equal(again.body!.id, first.body!.id, 'a retry names the same resource');
  const ledger = await ledgerSum(core, s.accountId);
  assert.equal(ledger.balance, 10_000 + 15_050, 'booked once');
  assert.equal(ledger.sum, ledger.balance);
  assert.equal((await call('POST', '/topupBalance', { ...topup, amount: { amount: 1, units: 'RUB' } }, { 'idempotency-key': 'shop-42' })).status, 422, 'same key, other request');
  assert.equal((await call('POST', '/topupBalance', { ...topup, amount: { amount: 1.001, units: 'RUB' } })).status, 400, 'no fractions of a kopeck');
  const ev = await listener.waitFor('topupBalanceCreateEvent');
  assert.equal(ev[0]!.path, '/cb/listener/topupBalanceCreateEvent');

  const debit = await call('POST', '/adjustBalance', { amount: { amount: 50, units: 'RUB' }, adjustType: 'debit', usageType: 'monetary', bucket: [{ id: `money-${s.msisdn}` }], reason: 'correction' });
  assert.equal(debit.status, 201, debit.raw);
  assert.equal(debit.body!.adjustType, 'debit');
  const tooMuch = await call('POST', '/adjustBalance', { amount: { amount: 100_000, units: 'RUB' }, adjustType: 'debit', usageType: 'monetary', bucket: [{ id: `money-${s.msisdn}` }] });
  assert.equal(tooMuch.status, 422);
  assert.equal(tooMuch.body!.code, 'INSUFFICIENT_FUNDS');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 10_000 + 15_050 - 5_000);
  assert.equal(listener.events.filter((e) => e.body.eventType === 'adjustBalanceCreateEvent').length, 0, 'the hub query filters event types');

  const acc = await call('GET', `/accumulatedBalance/${s.msisdn}`);
  assert.deepEqual(acc.body!.totalBalance, { amount: 200.5, units: 'RUB' });
  assert.equal(acc.body!['@type'], 'AccumulatedBalance');
  const topups = await call('GET', `/topupBalance?logicalResource.value=${s.msisdn}&fields=amount`);
  assert.deepEqual(topups.body, [{ id: first.body!.id, href: first.body!.href, amount: { amount: 150.5, units: 'RUB' } }]);
  assert.equal((await call('GET', `/adjustBalance/${String(debit.body!.id)}`)).body!.reason, 'correction');
  assert.equal((await call('GET', '/adjustBalance/nope')).status, 404);

  const history = await call('GET', `/balanceActionHistory?logicalResource.value=${s.msisdn}&adjustType=credit`);
  assert.equal(history.headers['x-total-count'], '2', 'opening balance and the top-up');
  const line = (history.body as unknown as Res[])[0]!;
  assert.equal(line['@type'], 'BalanceActionHistory');
  assert.equal((await call('GET', `/balanceActionHistory/${String(line.id)}`)).body!.id, line.id);
  assert.equal((await call('GET', '/balanceActionHistory/1-999999')).status, 404);
  await listener.close();
});

test('TMF654 balanceActionHistory paged by the store with every filter: pages neither repeat nor miss a line, each filter as the attribute filter over the whole list, others refused', async () => {
  const s = await makeSubscriber(core, { openingBalance: 30_000 });
  await connectProduct(core, ctxAs({ kind: 'operator_api', apiKeyId: 1 }), { msisdn: s.msisdn, productCode: 'weather' });
  const call = tmfClient(app, auth, '/tmf-api/prepayBalanceManagement/v4');
  t.env.clock.advance(60_000);
  assert.equal((await call('POST', '/adjustBalance', { adjustType: 'debit', usageType: 'monetary', amount: { amount: 12.5, units: 'RUB' }, bucket: { id: `money-${s.msisdn}` }, reason: 'goodwill' })).status, 201);
  const whole = await call('GET', '/balanceActionHistory?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length > 4);
  const walked = await walkPages(app, auth, '/tmf-api/prepayBalanceManagement/v4/balanceActionHistory?limit=2');
  assert.deepEqual(walked, all.map((e) => String(e.id)));
  assert.equal(new Set(walked).size, walked.length);
  const mine = all.filter((e) => (e.logicalResource as Res[] | undefined)?.[0]?.value === s.msisdn);
  assert.ok(mine.length >= 3);
  assert.deepEqual(await walkPages(app, auth, `/tmf-api/prepayBalanceManagement/v4/balanceActionHistory?logicalResource.value=${s.msisdn}&limit=1`), mine.map((e) => String(e.id)));

  const debit = mine.find((e) => e.adjustType === 'debit' && (e.amount as Res).amount === 12.5)!;
  const since = new Date(String(debit.requestedDate));
  const cases: [string, ((e: Res) => boolean)?][] = [
    [`id=${String(debit.id)}`],
    ['adjustType=debit'],
    ['amount.amount=12.5&amount.units=RUB'],
    [`reason=${String(debit.reason)}`],
    [`description=${encodeURIComponent(String(debit.description))}`],
    [`requestedDate.gte=${since.toISOString()}`, (e) => new Date(String(e.requestedDate)) >= since],
    [`confirmationDate.lt=${since.toISOString()}&adjustType=credit`, (e) => new Date(String(e.confirmationDate)) < since && e.adjustType === 'credit'],
    [`bucket.id=money-${s.msisdn}`],
    [`logicalResource.id=${s.msisdn}&receiverLogicalResource.value=${s.msisdn}`],
    [`partyAccount.id=${s.accountId}`],
    ['product.id=weather'],
    [`category=${String(all.find((e) => e.category !== undefined)?.category ?? 'none')}`],
    ['status=confirmed&usageType=monetary&@type=BalanceActionHistory'],
    ['adjustType=debit&adjustType=credit', () => false],
  ];
  for (const [q, wanted] of cases) {
    const filter = wanted ?? ((e: Res) => matchesFilters(e, Object.fromEntries(new URLSearchParams(q))));
    const expected = all.filter(filter).map((e) => String(e.id));
    const got = await call('GET', `/balanceActionHistory?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((e) => String(e.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
    assert.ok(q.includes('&adjustType=debit&') || q.endsWith('adjustType=credit') || expected.length > 0, `${q} matches something`);
  }
  for (const [q, field] of [
    ['relatedParty.id=79000000000', 'relatedParty.id'],
    ['requestedDate.gt=yesterday', 'requestedDate.gt'],
    ['amount.amount=abc', 'amount.amount'],
  ] as const) {
    const bad = await call('GET', `/balanceActionHistory?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field, q);
  }
});

test('TMF654 topupBalance and adjustBalance paged by the store with every filter, each as the attribute filter over the whole list, others refused', async () => {
  const call = tmfClient(app, auth, '/tmf-api/prepayBalanceManagement/v4');
  const numbers = [await makeSubscriber(core), await makeSubscriber(core)];
  for (const [i, amount] of [10, 20, 30, 40].entries()) {
    const s = numbers[i % 2]!;
    t.env.clock.advance(60_000);
    const res = await call('POST', '/topupBalance', { amount: { amount, units: 'RUB' }, usageType: 'monetary', bucket: { id: `money-${s.msisdn}` }, partyAccount: { id: String(s.accountId) }, reason: i < 2 ? 'cash' : 'bank transfer' });
    assert.equal(res.status, 201, res.raw);
  }
  const whole = await call('GET', '/topupBalance?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length >= 4);
  const walked = await walkPages(app, auth, '/tmf-api/prepayBalanceManagement/v4/topupBalance?limit=3');
  assert.deepEqual(walked, all.map((a) => String(a.id)));
  assert.equal(new Set(walked).size, walked.length);
  const third = all.find((a) => (a.amount as Res).amount === 30)!;
  const since = new Date(String(third.requestedDate));
  const cases: [string, ((a: Res) => boolean)?][] = [
    [`id=${String(third.id)}`],
    ['amount.amount=30&amount.units=RUB'],
    ['reason=cash'],
    ['usageType=monetary&status=confirmed&@type=TopupBalance'],
    [`relatedParty.id=${numbers[1]!.msisdn}&relatedParty.role=subscriber`],
    [`logicalResource.value=${numbers[0]!.msisdn}`],
    [`partyAccount.id=${numbers[0]!.accountId}`],
    [`requestedDate.gte=${since.toISOString()}`, (a) => new Date(String(a.requestedDate)) >= since],
    ['reason=cash&reason=bank%20transfer', () => false],
  ];
  for (const [q, wanted] of cases) {
    const filter = wanted ?? ((a: Res) => matchesFilters(a, Object.fromEntries(new URLSearchParams(q))));
    const expected = all.filter(filter).map((a) => String(a.id));
    const got = await call('GET', `/topupBalance?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((a) => String(a.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
    assert.ok(q.includes('&reason=') || expected.length > 0, `${q} matches something`);
  }
  const adjusted = await call('GET', '/adjustBalance?adjustType=debit&limit=1000');
  assert.equal(adjusted.status, 200, adjusted.raw);
  assert.ok((adjusted.body as unknown as Res[]).every((a) => a.adjustType === 'debit'));
  for (const [path, q, field] of [
    ['topupBalance', 'adjustType=debit', 'adjustType'],
    ['topupBalance', 'channel.id=shop', 'channel.id'],
    ['adjustBalance', 'requestedDate.lt=soon', 'requestedDate.lt'],
  ] as const) {
    const bad = await call('GET', `/${path}?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field, q);
  }
});

test('unknown API keys get 401; every TMF API is in the OpenAPI document', async () => {
  const res = await app.inject({ url: '/tmf-api/prepayBalanceManagement/v4/bucket', headers: { authorization: 'Bearer abk_nonsense' } });
  assert.equal(res.statusCode, 401);
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  for (const p of [
    '/tmf-api/productInventory/v4/product/{id}',
    '/tmf-api/prepayBalanceManagement/v4/topupBalance',
    '/tmf-api/prepayBalanceManagement/v4/reserveBalance/{id}',
    '/tmf-api/prepayBalanceManagement/v4/transferBalance',
    '/tmf-api/usageManagement/v4/usage',
    '/tmf-api/usageManagement/v4/usageSpecification/{id}',
    '/tmf-api/productOrderingManagement/v4/productOrder',
    '/tmf-api/productOrderingManagement/v4/cancelProductOrder',
  ]) assert.ok(doc.paths[p], p);
});

test('TMF654 bucket and accumulatedBalance paged by the store over more than a page, none repeated or missed; each filter applied by the store as the attribute filter reads; any other filter is a 400', async () => {
  const numbers = [await makeSubscriber(core), await makeSubscriber(core), await makeSubscriber(core, { tariffCode: 'basic' })];
  await core.db.query("UPDATE subscriber SET status = 'blocked' WHERE msisdn = $1", [numbers[1]!.msisdn]);
  const e = encodeURIComponent;
  const base = '/tmf-api/prepayBalanceManagement/v4';
  const buckets = (await tmfClient(app, auth, base)('GET', '/bucket?limit=1000')).body as unknown as Res[];
  const quota = buckets.find((b) => b.usageType === 'voice' && ((b.relatedParty as Res[])[0]!.id === numbers[0]!.msisdn))!;
  assert.ok(quota, 'a quota of the number');
  const start = String((quota.validFor as Res).startDateTime);
  const starts = (b: Res) => (b.validFor ? Date.parse(String((b.validFor as Res).startDateTime)) : NaN);
  await assertPagedFilters(
    app,
    auth,
    `${base}/bucket`,
    [
      `id=money-${numbers[1]!.msisdn}`,
      `id=${String(quota.id)}`,
      'id=quota-1-x',
      `name=${e(String(quota.name))}&usageType=voice`,
      `name=${e('Main balance')}`,
      'usageType=monetary&status=suspended',
      'usageType=data',
      'remainingValue.units=minutes',
      'isShared=false&@type=Bucket',
      'isShared=true',
      'status=active',
      `logicalResource.value=${numbers[0]!.msisdn}`,
      `logicalResource.id=${numbers[2]!.msisdn}&relatedParty.role=subscriber`,
      `relatedParty.id=${numbers[1]!.msisdn}`,
      `partyAccount.id=${numbers[2]!.accountId}`,
      `validFor.startDateTime=${start}`,
      [`validFor.startDateTime.lte=${start}&usageType=sms`, (b) => starts(b) <= Date.parse(start) && b.usageType === 'sms'],
      [`validFor.endDateTime.gt=${start}`, (b) => (b.validFor ? Date.parse(String((b.validFor as Res).endDateTime)) > Date.parse(start) : false)],
    ],
    { pageSize: 4, empty: ['id=quota-1-x', 'isShared=true'] },
  );
  await assertPagedFilters(
    app,
    auth,
    `${base}/accumulatedBalance`,
    [
      `id=${numbers[1]!.msisdn}`,
      `bucket.id=${String(quota.id)}`,
      `bucket.id=money-${numbers[2]!.msisdn}&name=Balance`,
      'bucket.id=quota-1-999999',
      `logicalResource.value=${numbers[0]!.msisdn}&logicalResource.id=${numbers[0]!.msisdn}`,
      `relatedParty.id=${numbers[2]!.msisdn}&relatedParty.role=subscriber`,
      `partyAccount.id=${numbers[1]!.accountId}&@type=AccumulatedBalance`,
    ],
    { pageSize: 2, empty: ['bucket.id=quota-1-999999'] },
  );
  const mine = (await tmfClient(app, auth, base)('GET', `/accumulatedBalance?id=${numbers[0]!.msisdn}`)).body as unknown as Res[];
  assert.deepEqual(
    (mine[0]!.bucket as Res[]).map((b) => b.id),
    buckets.filter((b) => (b.relatedParty as Res[])[0]!.id === numbers[0]!.msisdn).map((b) => b.id),
    "the number's buckets, all of them",
  );
  assert.equal((await tmfClient(app, auth, base)('GET', `/bucket/${String(quota.id)}`)).body!.id, quota.id, 'a quota retrieved by its id');
  for (const [path, q, field] of [
    ['bucket', 'remainingValue.amount=5', 'remainingValue.amount'],
    ['bucket', 'validFor.startDateTime.gt=later', 'validFor.startDateTime.gt'],
    ['accumulatedBalance', 'totalBalance.amount=5', 'totalBalance.amount'],
  ] as const) {
    const bad = await tmfClient(app, auth, base)('GET', `/${path}?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field);
  }
});

test('a read without a page (a retrieve) that reaches its bound is refused with a request for a narrower filter, never cut short', async () => {
  const s = await makeSubscriber(core);
  const [own] = await core.db.query<{ n: number }>('SELECT 1 + count(*)::int AS n FROM quota q JOIN subscriber s ON s.id = q.subscriber_id WHERE s.msisdn = $1', [s.msisdn]);
  const bound = listCap();
  setListCap(own!.n - 1);
  try {
    const res = await app.inject({ url: `/tmf-api/prepayBalanceManagement/v4/accumulatedBalance/${s.msisdn}`, headers: { host: 'abonent.test', 'accept-language': 'ru', ...auth } });
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json<Res>();
    assert.equal(body.code, 'VALIDATION');
    assert.match(String(body.message), /больше \d+ (записи|записей) подходит под запрос: сузьте его фильтром \/ more than \d+ items? match: narrow the request with a filter/);
    setListCap(own!.n);
    assert.equal((await app.inject({ url: `/tmf-api/prepayBalanceManagement/v4/accumulatedBalance/${s.msisdn}`, headers: { host: 'abonent.test', ...auth } })).statusCode, 200, 'within the bound');
  } finally {
    setListCap(bound);
  }
});
