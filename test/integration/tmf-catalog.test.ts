import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { ctxAs, makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { operatorAuth, startListener, tmfClient } from '../helpers/tmf.ts';

const BASE = '/tmf-api/productCatalogManagement/v4';
let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let call: ReturnType<typeof tmfClient>;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  call = tmfClient(app, await operatorAuth(core), BASE);
});
after(async () => {
  await app.close();
  await env.close();
});

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

test('only operator API keys get in: 401 without credentials, TMF error body', async () => {
  const res = await app.inject({ url: `${BASE}/productOffering` });
  assert.equal(res.statusCode, 401);
  const body = res.json<Record<string, unknown>>();
  assert.equal(body['@type'], 'Error');
  assert.equal(body.code, 'UNAUTHENTICATED');
  assert.equal(typeof body.reason, 'string');
  assert.equal(body.status, '401');
});

test('productOffering lists the catalog: tariffs and products, with hrefs, prices, lifecycle, filters, fields, pages', async () => {
  const all = await call('GET', '/productOffering');
  assert.equal(all.status, 200);
  const items = all.body as unknown as Record<string, unknown>[];
  assert.equal(all.headers['x-total-count'], String(items.length));
  assert.equal(all.headers['x-result-count'], String(items.length));
  const weather = items.find((o) => o.id === 'weather')!;
  assert.equal(weather['@type'], 'ProductOffering');
  assert.match(String(weather.href), /^http:\/\/abonent\.test\/tmf-api\/productCatalogManagement\/v4\/productOffering\/weather$/);
  assert.match(String(weather.lastUpdate), ISO_Z);
  assert.equal(weather.lifecycleStatus, 'Active');
  assert.deepEqual(weather.productOfferingPrice, [
    { name: 'Абонентская плата', priceType: 'recurring', recurringChargePeriodType: 'day', recurringChargePeriodLength: 1, price: { unit: 'RUB', value: 7 }, '@type': 'ProductOfferingPrice' },
  ]);
  assert.ok(items.some((o) => o.id === 'tariff-smart'));

  const subs = await call('GET', '/productOffering?category.id=subscription');
  assert.deepEqual((subs.body as unknown as { id: string }[]).map((o) => o.id).sort(), ['dating', 'news', 'weather']);
  const page = await call('GET', '/productOffering?category.id=subscription&offset=1&limit=1&fields=name');
  assert.equal(page.headers['x-total-count'], '3');
  assert.equal(page.headers['x-result-count'], '1');
  const one = (page.body as unknown as Record<string, unknown>[])[0]!;
  assert.deepEqual(Object.keys(one).sort(), ['href', 'id', 'name']);

  const got = await call('GET', '/productOffering/weather?fields=lifecycleStatus');
  assert.deepEqual(Object.keys(got.body!).sort(), ['href', 'id', 'lifecycleStatus']);
  const missing = await call('GET', '/productOffering/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.body!['@type'], 'Error');
});

test('productOffering create → usable by connectProduct; patch (merge-patch) and delete; events to a listener', async () => {
  const listener = await startListener();
  const hub = await call('POST', '/hub', { callback: listener.url });
  assert.equal(hub.status, 201);
  assert.equal(typeof hub.body!.id, 'string');

  const noName = await call('POST', '/productOffering', { description: 'x' });
  assert.equal(noName.status, 400, 'name is required');
  assert.equal(noName.body!['@type'], 'Error');
  const badSpec = await call('POST', '/productOffering', { name: 'Bad', abonentSpec: { ussdCode: 'nope' } });
  assert.equal(badSpec.status, 400, 'validated by the catalog schema');

  const created = await call('POST', '/productOffering', {
    name: 'Music unlimited',
    description: 'Streaming without using the data allowance',
    category: [{ id: 'option' }],
    productOfferingPrice: [
      { priceType: 'recurring', recurringChargePeriodType: 'month', price: { unit: 'RUB', value: 199 } },
      { priceType: 'oneTime', price: { unit: 'RUB', value: 10.5 } },
    ],
  });
  assert.equal(created.status, 201, created.raw);
  const po = created.body!;
  assert.match(String(po.id), /^tmf_[0-9a-f]{10}$/);
  assert.equal(po.href, `http://abonent.test${BASE}/productOffering/${String(po.id)}`);
  assert.equal(po.lifecycleStatus, 'Active');
  assert.match(String(po.lastUpdate), ISO_Z);
  assert.equal(po['@type'], 'ProductOffering');
  assert.deepEqual((po.abonentSpec as Record<string, unknown>).fee, { model: 'monthly', amount: 19_900 });
  assert.equal((po.abonentSpec as Record<string, unknown>).connectionFee, 1050);
  const createdEvent = (await listener.waitFor('productOfferingCreateEvent'))[0]!;
  assert.equal(createdEvent.path, '/cb/listener/productOfferingCreateEvent');
  assert.equal(createdEvent.body.event.productOffering!.id, po.id);

  // Every channel connects it through the same use case.
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  const connected = await connectProduct(core, ctxAs({ kind: 'subscriber', subscriberId: s.subscriberId }), { msisdn: 'me', productCode: String(po.id) });
  assert.equal(connected.charged, 19_900 + 1050);

  const patched = await call('PATCH', `/productOffering/${String(po.id)}`, JSON.stringify({ name: 'Music max', lifecycleStatus: 'Retired' }), { 'content-type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.raw);
  assert.equal(patched.body!.name, 'Music max');
  assert.equal(patched.body!.lifecycleStatus, 'Retired');
  assert.equal(patched.body!.isSellable, false);
  await listener.waitFor('productOfferingAttributeValueChangeEvent');
  await listener.waitFor('productOfferingStateChangeEvent');
  const s2 = await makeSubscriber(core, { openingBalance: 50_000 });
  await assert.rejects(connectProduct(core, ctxAs({ kind: 'subscriber', subscriberId: s2.subscriberId }), { msisdn: 'me', productCode: String(po.id) }), /PRODUCT_NOT_AVAILABLE/);
  const badPatch = await call('PATCH', `/productOffering/${String(po.id)}`, { id: 'other' });
  assert.equal(badPatch.status, 400);
  assert.equal((await call('PATCH', '/productOffering/tariff-smart', { name: 'x' })).status, 409);

  assert.equal((await call('DELETE', `/productOffering/${String(po.id)}`)).status, 204);
  await listener.waitFor('productOfferingDeleteEvent');
  assert.equal((await call('GET', `/productOffering/${String(po.id)}`)).status, 404);
  assert.equal((await call('DELETE', `/productOffering/${String(po.id)}`)).status, 404);

  const audit = await core.db.query<{ action: string; channel: string; actor_kind: string }>(
    "SELECT action, channel, actor_kind FROM audit_event WHERE action LIKE 'catalog.product.%' ORDER BY id",
  );
  assert.deepEqual(audit.map((a) => a.action), ['catalog.product.create', 'catalog.product.update', 'catalog.product.delete']);
  assert.ok(audit.every((a) => a.channel === 'tmf' && a.actor_kind === 'operator_api'));

  assert.equal((await call('DELETE', `/hub/${String(hub.body!.id)}`)).status, 204);
  assert.equal((await call('DELETE', `/hub/${String(hub.body!.id)}`)).status, 404);
  await listener.close();
});

for (const kind of ['productSpecification', 'productOfferingPrice', 'category', 'catalog']) {
  test(`${kind}: create, list with filter and fields, retrieve, patch, delete, 404`, async () => {
    const body: Record<string, unknown> = { name: `My ${kind}`, description: 'made by the conformance test' };
    if (kind === 'productOfferingPrice') Object.assign(body, { priceType: 'recurring', recurringChargePeriodType: 'month', price: { unit: 'RUB', value: 50 } });
    assert.equal((await call('POST', `/${kind}`, { description: 'no name' })).status, 400);
    const created = await call('POST', `/${kind}`, body);
    assert.equal(created.status, 201, created.raw);
    const r = created.body!;
    const id = String(r.id);
    assert.equal(r.href, `http://abonent.test${BASE}/${kind}/${id}`);
    assert.equal(r['@type'], kind[0]!.toUpperCase() + kind.slice(1));
    assert.equal(r.lifecycleStatus, 'Active');
    assert.match(String(r.lastUpdate), ISO_Z);

    const list = await call('GET', `/${kind}?name=${encodeURIComponent(`My ${kind}`)}&fields=name`);
    assert.equal(list.status, 200);
    assert.equal(list.headers['x-total-count'], '1');
    assert.deepEqual(list.body, [{ id, href: r.href, name: `My ${kind}` }]);
    const paged = await call('GET', `/${kind}?limit=1`);
    assert.equal(paged.headers['x-result-count'], '1');

    assert.equal((await call('GET', `/${kind}/${id}`)).body!.description, 'made by the conformance test');
    const patched = await call('PATCH', `/${kind}/${id}`, { description: 'changed', lifecycleStatus: 'Retired' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body!.description, 'changed');
    assert.equal(patched.body!.lifecycleStatus, 'Retired');
    assert.equal(patched.body!.name, `My ${kind}`);
    assert.equal((await call('DELETE', `/${kind}/${id}`)).status, 204);
    assert.equal((await call('GET', `/${kind}/${id}`)).status, 404);
    assert.equal((await call('PATCH', `/${kind}/${id}`, { description: 'x' })).status, 404);
  });
}

test('built-in categories name the kinds of catalog products and cannot be deleted', async () => {
  const cats = await call('GET', '/category?fields=name');
  assert.ok((cats.body as unknown as { id: string }[]).some((c) => c.id === 'subscription'));
  assert.equal((await call('DELETE', '/category/option')).status, 409);
});

test('the TMF620 API is described in the OpenAPI document', async () => {
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  for (const p of ['productOffering', 'productOffering/{id}', 'category', 'catalog/{id}', 'hub']) assert.ok(doc.paths[`${BASE}/${p}`], p);
});
