import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/domain/core.ts';
import { ledgerSum, makeSubscriber } from '../helpers/core.ts';
import { closeTmfEnv, openTmfEnv, tmfClient, type Res, type TmfEnv } from '../helpers/tmf.ts';

/** What a client written from the TMF v4 specifications alone does, and must get. */
const CATALOG = '/tmf-api/productCatalogManagement/v4';
const BALANCE = '/tmf-api/prepayBalanceManagement/v4';

let t: TmfEnv;
let core: Core;
let app: FastifyInstance;
let auth: { authorization: string };
before(async () => {
  t = await openTmfEnv();
  ({ core, app, auth } = t);
});
after(() => closeTmfEnv(t));

test('every list answers 100 items by default and at most 1000, with the counts and a Link to the next and previous page', async () => {
  const call = tmfClient(app, auth, CATALOG);
  const before = Number((await call('GET', '/category?limit=1')).headers['x-total-count']);
  const now = new Date('2026-01-01T00:00:00Z');
  for (let i = 0; i < 130; i++) await core.db.query('INSERT INTO tmf_resource (kind, id, body, updated_at) VALUES ($1, $2, $3, $4)', ['category', `bulk-${String(i).padStart(3, '0')}`, JSON.stringify({ name: `Bulk ${i}` }), now]);
  const total = before + 130;

  const first = await call('GET', '/category');
  assert.equal(first.status, 200);
  assert.equal((first.body as unknown as Res[]).length, 100, 'the default page');
  assert.equal(first.headers['x-total-count'], String(total));
  assert.equal(first.headers['x-result-count'], '100');
  assert.equal(first.headers.link, `<${CATALOG}/category?offset=100&limit=100>; rel="next"`);

  // A client follows the Link until there is no rel="next" and gets every item once.
  const seen = new Set((first.body as unknown as Res[]).map((c) => String(c.id)));
  const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))![1]!;
  const second = await app.inject({ url: next, headers: { host: 'abonent.test', ...auth } });
  const page2 = second.json<Res[]>();
  for (const c of page2) seen.add(String(c.id));
  assert.equal(seen.size, total);
  assert.equal(second.headers['x-result-count'], String(total - 100));
  assert.equal(second.headers.link, `<${CATALOG}/category?offset=0&limit=100>; rel="prev"`, 'no next page after the last');

  // Filters and fields stay in the links.
  const filtered = await call('GET', '/category?fields=name&limit=2&offset=2');
  assert.equal(filtered.headers.link, `<${CATALOG}/category?fields=name&limit=2&offset=4>; rel="next", <${CATALOG}/category?fields=name&limit=2&offset=0>; rel="prev"`);

  const tooMany = await call('GET', '/category?limit=1001');
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body!['@type'], 'Error');
  assert.equal((await call('GET', '/category?limit=1000')).headers['x-result-count'], String(total));

  // The OpenAPI document states the bounds.
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, { get: { parameters: { name: string; description?: string }[] } }> }>();
  // Every TMF collection (a GET without an id) takes the same bounded limit.
  const collections = Object.entries(doc.paths).filter(([path, ops]) => path.startsWith('/tmf-api/') && !path.includes('{') && ops.get);
  assert.ok(collections.length >= 23, `${collections.length} collections`);
  for (const [path, ops] of collections) {
    const limit = ops.get.parameters.find((p) => p.name === 'limit');
    assert.match(String(limit?.description), /100 by default, at most 1000/, path);
  }
});

test('every TMF route takes Content-Type: application/json with no body', async () => {
  const call = tmfClient(app, auth, CATALOG);
  const json = { 'content-type': 'application/json' };
  const created = await call('POST', '/productOffering', { name: 'Empty-body test' });
  assert.equal(created.status, 201);
  const del = await app.inject({ method: 'DELETE', url: `${CATALOG}/productOffering/${String(created.body!.id)}`, headers: { host: 'abonent.test', ...auth, ...json } });
  assert.equal(del.statusCode, 204, del.body);
  const get = await app.inject({ method: 'GET', url: `${CATALOG}/productOffering`, headers: { host: 'abonent.test', ...auth, ...json } });
  assert.equal(get.statusCode, 200);
  // A route that needs a body says so in the TMF error body, not as a parser error.
  const post = await app.inject({ method: 'POST', url: `${CATALOG}/productOffering`, headers: { host: 'abonent.test', ...auth, ...json } });
  assert.equal(post.statusCode, 400);
  assert.equal(post.json<Res>()['@type'], 'Error');
  assert.equal(post.json<Res>().code, 'VALIDATION');
  const patch = await app.inject({ method: 'PATCH', url: `${CATALOG}/productOffering/weather`, headers: { host: 'abonent.test', ...auth, 'content-type': 'application/merge-patch+json' } });
  assert.equal(patch.statusCode, 400);
  assert.equal(patch.json<Res>().code, 'VALIDATION');
  const broken = await app.inject({ method: 'POST', url: `${CATALOG}/productOffering`, payload: '{"name":', headers: { host: 'abonent.test', ...auth, ...json } });
  assert.equal(broken.statusCode, 400, 'a body that is not JSON is still refused');
  // Outside the TMF scopes nothing changed.
  const other = await app.inject({ method: 'POST', url: '/api/v1/auth/otp', headers: { host: 'abonent.test', ...json } });
  assert.equal(other.statusCode, 400);
});

test('TMF654 topupBalance, adjustBalance, reserveBalance and transferBalance take bucket as one BucketRef (and still a list), and echo the form given', async () => {
  const call = tmfClient(app, auth, BALANCE);
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  const amount = (rub: number) => ({ amount: rub, units: 'RUB' });
  const one = { id: `money-${s.msisdn}` };

  const topup = await call('POST', '/topupBalance', { amount: amount(20), usageType: 'monetary', bucket: one, partyAccount: { id: String(s.accountId) } });
  assert.equal(topup.status, 201, topup.raw);
  assert.deepEqual(topup.body!.bucket, { id: one.id, href: `http://abonent.test${BALANCE}/bucket/${one.id}` });
  const again = await call('GET', `/topupBalance/${String(topup.body!.id)}`);
  assert.deepEqual(again.body!.bucket, topup.body!.bucket);

  const adjust = await call('POST', '/adjustBalance', { amount: amount(5), usageType: 'monetary', adjustType: 'debit', bucket: one });
  assert.equal(adjust.status, 201, adjust.raw);
  assert.equal((adjust.body!.bucket as Res).id, one.id);

  const reserve = await call('POST', '/reserveBalance', { amount: amount(3), usageType: 'monetary', bucket: one, partyAccount: { id: String(s.accountId) } });
  assert.equal(reserve.status, 201, reserve.raw);
  assert.equal((reserve.body!.bucket as Res).id, one.id);

  const list = await call('POST', '/topupBalance', { amount: amount(1), usageType: 'monetary', bucket: [one], partyAccount: { id: String(s.accountId) } });
  assert.equal(list.status, 201);
  assert.ok(Array.isArray(list.body!.bucket), 'a list given, a list echoed');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 10_000 + 2000 - 500 - 300 + 100);

  const other = await makeSubscriber(core, { openingBalance: 0 });
  const transfer = await call('POST', '/transferBalance', { amount: amount(2), usageType: 'monetary', bucket: one, receiverBucket: { id: `money-${other.msisdn}` }, receiverBucketUsageType: 'monetary' });
  assert.equal(transfer.status, 201, transfer.raw);
  assert.equal((transfer.body!.bucket as Res).id, one.id);
  assert.equal((transfer.body!.receiverBucket as Res).id, `money-${other.msisdn}`);
  assert.equal((await ledgerSum(core, other.accountId)).balance, 200);

  const wrong = await call('POST', '/topupBalance', { amount: amount(1), usageType: 'monetary', bucket: 'money', partyAccount: { id: String(s.accountId) } });
  assert.equal(wrong.status, 400);
});

test('TMF620: a price with only name, isBundle and priceType is kept, says it cannot bill until complete; an offering echoes what it was created with', async () => {
  const call = tmfClient(app, auth, CATALOG);
  const bare = await call('POST', '/productOfferingPrice', { name: 'Monthly', isBundle: false, priceType: 'recurring' });
  assert.equal(bare.status, 201, bare.raw);
  assert.equal(bare.body!.abonentBillable, false);
  assert.deepEqual(bare.body!.abonentMissingForBilling, ['price.value', 'recurringChargePeriodType']);
  assert.equal(bare.body!.isBundle, false);
  const id = String(bare.body!.id);

  const early = await call('POST', '/productOffering', { name: 'Priced too early', productOfferingPrice: [{ id }] });
  assert.equal(early.status, 400, 'an incomplete price prices nothing');
  assert.match(String(early.body!.message), /not complete for billing.*price\.value, recurringChargePeriodType/);

  assert.equal((await call('POST', '/productOfferingPrice', { name: 'Weekly', priceType: 'recurring', recurringChargePeriodType: 'week' })).status, 400, 'what is stated must be right');
  assert.equal((await call('PATCH', `/productOfferingPrice/${id}`, { recurringChargePeriodType: 'week' })).status, 400);
  const usage = await call('POST', '/productOfferingPrice', { name: 'Per MB', priceType: 'usage', price: { unit: 'RUB', value: 1 } });
  assert.equal(usage.status, 201, 'other price types are documents');
  assert.deepEqual(usage.body!.abonentMissingForBilling, ['priceType']);

  const done = await call('PATCH', `/productOfferingPrice/${id}`, { recurringChargePeriodType: 'month', price: { unit: 'RUB', value: 120 } });
  assert.equal(done.status, 200, done.raw);
  assert.equal(done.body!.abonentBillable, true);
  assert.equal(done.body!.abonentMissingForBilling, undefined);

  const given = {
    name: 'Echo',
    description: 'Everything it was created with comes back',
    version: '2.1',
    isBundle: false,
    isSellable: true,
    lifecycleStatus: 'Active',
    validFor: { startDateTime: '2026-01-01T00:00:00.000Z' },
    productSpecification: { id: 'spec-1', name: 'Spec' },
    category: [{ id: 'option', name: 'Options' }, { id: 'music', name: 'Music' }],
    productOfferingPrice: [{ id, href: String(done.body!.href), name: 'Monthly' }, { name: 'Setup', priceType: 'oneTime', price: { unit: 'RUB', value: 5 } }],
    channel: [{ id: 'web', name: 'Web' }],
    statusReason: 'launch',
    '@baseType': 'ProductOffering',
  };
  const created = await call('POST', '/productOffering', given);
  assert.equal(created.status, 201, created.raw);
  const po = created.body!;
  for (const [k, v] of Object.entries(given)) {
    if (k === 'category' || k === 'productOfferingPrice') continue;
    assert.deepEqual(po[k], v, k);
  }
  const cats = po.category as Res[];
  assert.deepEqual(cats.map((c) => [c.id, c.name]), [['option', 'Options'], ['music', 'Music']]);
  const prices = po.productOfferingPrice as Res[];
  assert.deepEqual(prices[0], { id, href: done.body!.href, name: 'Monthly', priceType: 'recurring', recurringChargePeriodType: 'month', recurringChargePeriodLength: 1, price: { unit: 'RUB', value: 120 }, '@type': 'ProductOfferingPrice' });
  assert.deepEqual(prices[1], { name: 'Setup', priceType: 'oneTime', price: { unit: 'RUB', value: 5 }, '@type': 'ProductOfferingPrice' });
  assert.deepEqual((po.abonentSpec as Res).fee, { model: 'monthly', amount: 12_000 });
  assert.deepEqual((await call('GET', `/productOffering/${String(po.id)}`)).body, po, 'a read gives the same');
});

test('large collections are paged by the store: X-Total-Count beyond the 10,000 rows a list used to read, and following the Links gives every row once', async () => {
  const s = await makeSubscriber(core, { openingBalance: 0 });
  const at = new Date('2026-02-01T10:00:00Z');
  // More usage than a list ever read whole, on five timestamps shared by thousands of rows.
  const usageRows = 10_050;
  await core.db.query(
    `INSERT INTO usage_record (account_id, record_id, subscriber_id, kind, zone, started_at, billed_units, rated_at)
     SELECT $1, 'page-' || g, $2, 'sms', 'home', $3::timestamptz + (g % 5) * interval '1 minute', 1, $3 FROM generate_series(1, $4::int) g`,
    [s.accountId, s.subscriberId, at, usageRows],
  );
  await core.db.query(
    `INSERT INTO payment (id, account_id, subscriber_id, provider, amount, status, channel, created_at, updated_at)
     SELECT gen_random_uuid(), $1, $2, 'sandbox', 100 * g, 'failed', 'web', $3, $3 FROM generate_series(1, 130) g`,
    [s.accountId, s.subscriberId, at],
  );
  const [product] = await core.db.query<{ code: string }>("SELECT code FROM product WHERE status = 'active' ORDER BY code LIMIT 1");
  await core.db.query(
    `INSERT INTO product_instance (account_id, subscriber_id, product_code, status, connected_at, disabled_at, anchor_day)
     SELECT $1, $2, $3, 'disabled', $4, $4, 1 FROM generate_series(1, 130) g`,
    [s.accountId, s.subscriberId, product!.code, at],
  );

  /** Follows rel="next" from `first`, checking each page's headers; returns the ids in order. */
  const walk = async (first: string, total: number, limit: number) => {
    const ids: string[] = [];
    let url: string | undefined = first;
    let pages = 0;
    while (url) {
      const here: string = url;
      const res = await app.inject({ url: here, headers: { host: 'abonent.test', ...auth } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-total-count'], String(total), here);
      const items = res.json<Res[]>();
      assert.equal(res.headers['x-result-count'], String(items.length));
      assert.equal(items.length, Math.min(limit, total - ids.length), here);
      if (pages > 0) assert.match(String(res.headers.link), /rel="prev"/);
      ids.push(...items.map((x) => String(x.id)));
      url = /<([^>]+)>; rel="next"/.exec(String(res.headers.link ?? ''))?.[1];
      pages += 1;
    }
    assert.equal(ids.length, total);
    assert.equal(new Set(ids).size, total, 'no row twice, none missed');
    return ids;
  };

  const get = (url: string) => app.inject({ url, headers: { host: 'abonent.test', ...auth } });
  const U = `/tmf-api/usageManagement/v4/usage?relatedParty.id=${s.msisdn}`;
  const first = await get(`${U}&limit=2`);
  assert.equal(first.headers['x-total-count'], String(usageRows), 'the store counts every row');
  assert.deepEqual(first.json<Res[]>().map((u) => u.usageDate), ['2026-02-01T10:04:00.000Z', '2026-02-01T10:04:00.000Z'], 'newest first');
  const last = await get(`${U}&offset=${usageRows - 1}&limit=5`);
  assert.deepEqual([last.headers['x-total-count'], last.headers['x-result-count']], [String(usageRows), '1']);
  assert.equal(last.json<Res[]>()[0]!.usageDate, '2026-02-01T10:00:00.000Z', 'the oldest last');
  assert.ok(!String(last.headers.link).includes('rel="next"'));
  const unfiltered = await get('/tmf-api/usageManagement/v4/usage?limit=1');
  assert.ok(Number(unfiltered.headers['x-total-count']) >= usageRows, 'unfiltered too');
  // Across a page boundary inside rows that share a timestamp, no row twice, none missed.
  const ids = async (offset: number, limit: number) => (await get(`${U}&offset=${offset}&limit=${limit}&fields=id`)).json<Res[]>().map((u) => String(u.id));
  const [a, b, whole] = [await ids(1990, 10), await ids(2000, 10), await ids(1990, 20)];
  assert.deepEqual([...a, ...b], whole);
  assert.equal(new Set(whole).size, 20);

  await walk(`/tmf-api/paymentManagement/v4/payment?payer.id=${s.msisdn}`, 130, 100);
  const [inst] = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM product_instance WHERE subscriber_id = $1', [s.subscriberId]);
  await walk(`/tmf-api/productInventory/v4/product?relatedParty.id=${s.msisdn}&limit=50`, inst!.n + 1, 50);

  // A filter the store does not apply is applied to the rendered items, with the same counts.
  const sms = await app.inject({ url: `/tmf-api/productInventory/v4/product?relatedParty.id=${s.msisdn}&status=terminated&limit=10`, headers: { host: 'abonent.test', ...auth } });
  assert.equal(sms.headers['x-total-count'], '130');
  assert.equal(sms.headers['x-result-count'], '10');
  const past = await app.inject({ url: `/tmf-api/paymentManagement/v4/payment?payer.id=${s.msisdn}&offset=500`, headers: { host: 'abonent.test', ...auth } });
  assert.deepEqual([past.headers['x-total-count'], past.headers['x-result-count'], past.json()], ['130', '0', []]);
});
