import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { operatorAuth, startListener, tmfClient } from '../helpers/tmf.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let auth: { authorization: string };
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  auth = await operatorAuth(core);
});
after(async () => {
  await app.close();
  await env.close();
});
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
type Res = Record<string, unknown>;

test('TMF635 usage: create rates through the billing core once per recordId; list, filters, fields, retrieve, 404', async () => {
  const call = tmfClient(app, auth, '/tmf-api/usageManagement/v4');
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  const usage = {
    usageType: 'voice',
    usageDate: '2026-03-10T08:30:00Z',
    relatedParty: [{ id: s.msisdn, role: 'subscriber' }],
    usageCharacteristic: [{ name: 'recordId', value: 'cdr-1' }, { name: 'zone', value: 'roaming' }, { name: 'durationSeconds', value: 61 }, { name: 'counterpart', value: '79990000000' }],
  };
  const created = await call('POST', '/usage', usage);
  assert.equal(created.status, 201, created.raw);
  const u = created.body!;
  assert.equal(u['@type'], 'Usage');
  assert.equal(u.status, 'rated');
  assert.equal(u.usageDate, '2026-03-10T08:30:00.000Z');
  assert.equal(u.href, `http://abonent.test/tmf-api/usageManagement/v4/usage/${String(u.id)}`);
  const rated = (u.ratedProductUsage as Res[])[0]!;
  assert.match(String(rated.ratingDate), ISO_Z);
  const charged = (rated.taxIncludedRatingAmount as { value: number }).value;
  assert.ok(charged > 0, 'roaming minutes cost money');
  await listener.waitFor('usageCreateEvent');

  const replay = await call('POST', '/usage', usage);
  assert.equal(replay.status, 201);
  assert.equal(replay.body!.id, u.id, 'the same record is not rated twice');
  const spent = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = $1 AND kind = 'usage'", [s.accountId]);
  assert.equal(spent[0]!.n, 1);
  assert.equal((await call('POST', '/usage', { ...usage, usageCharacteristic: [{ name: 'recordId', value: 'cdr-2' }] })).status, 400, 'a call needs its duration');
  assert.equal((await call('POST', '/usage', { ...usage, relatedParty: [{ id: '70000000001' }] })).status, 404);
  assert.equal((await call('POST', '/usage', { usageDate: '2026-03-10T08:30:00Z' })).status, 400, 'usageType is required');

  await call('POST', '/usage', { usageType: 'sms', usageDate: '2026-03-10T08:40:00Z', relatedParty: [{ id: s.msisdn }], usageCharacteristic: [{ name: 'recordId', value: 'sms-1' }] });
  const list = await call('GET', `/usage?relatedParty.id=${s.msisdn}&usageType=sms&fields=usageType`);
  assert.equal(list.headers['x-total-count'], '1');
  assert.deepEqual(Object.keys((list.body as unknown as Res[])[0]!).sort(), ['href', 'id', 'usageType']);
  const all = await call('GET', `/usage?relatedParty.id=${s.msisdn}&limit=1`);
  assert.equal(all.headers['x-total-count'], '2');
  assert.equal(all.headers['x-result-count'], '1');
  assert.equal((await call('GET', `/usage/${String(u.id)}`)).body!.id, u.id);
  assert.equal((await call('GET', '/usage/1-99999999')).status, 404);
  await listener.close();
});

async function webSession(msisdn: string, subscriberId: number): Promise<{ authorization: string }> {
  await setPasswordHash(core.db, subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn, password: 'pw-12345' } });
  return { authorization: `Bearer ${res.json<{ token: string }>().token}` };
}

async function ledgerOf(accountId: number) {
  return core.db.query<Res>(
    'SELECT amount, kind, category, product_code, description FROM ledger_entry WHERE account_id = $1 ORDER BY id',
    [accountId],
  );
}
async function auditOf(subscriberId: number) {
  return core.db.query<Res>('SELECT action, outcome, details FROM audit_event WHERE subscriber_id = $1 ORDER BY id', [subscriberId]);
}

test('TMF622 productOrder leaves the same ledger and audit as the same actions from the web app, refusals included', async () => {
  const call = tmfClient(app, auth, '/tmf-api/productOrderingManagement/v4');
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);
  const web = await makeSubscriber(core, { openingBalance: 5_000 });
  const tmf = await makeSubscriber(core, { openingBalance: 5_000 });

  // The web app: connect weather, try dating and premium tariff (too expensive), disable weather.
  const session = await webSession(web.msisdn, web.subscriberId);
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/products', headers: session, payload: { productCode: 'weather' } })).statusCode, 201);
  assert.equal((await app.inject({ method: 'PUT', url: '/api/v1/subscribers/me/tariff', headers: session, payload: { tariffCode: 'premium' } })).statusCode, 402);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/subscribers/me/products/weather', headers: session })).statusCode, 200);

  // The same through TMF622: two orders.
  const first = await call('POST', '/productOrder', {
    externalId: 'crm-1',
    relatedParty: [{ id: tmf.msisdn, role: 'customer' }],
    productOrderItem: [
      { id: '1', action: 'add', productOffering: { id: 'weather' } },
      { id: '2', action: 'modify', productOffering: { id: 'tariff-premium' } },
    ],
  });
  assert.equal(first.status, 201, first.raw);
  const o = first.body!;
  assert.equal(o['@type'], 'ProductOrder');
  assert.equal(o.state, 'partial');
  assert.equal(o.externalId, 'crm-1');
  assert.match(String(o.orderDate), ISO_Z);
  assert.match(String(o.completionDate), ISO_Z);
  const [item1, item2] = o.productOrderItem as Res[];
  assert.equal(item1!.state, 'completed');
  assert.equal(item2!.state, 'failed');
  assert.equal((item2!.errorMessage as Res).code, 'INSUFFICIENT_FUNDS');
  assert.ok((o.note as Res[]).some((n) => String(n.text).includes('INSUFFICIENT_FUNDS')));

  const weatherInstance = (await app.inject({ url: `/tmf-api/productInventory/v4/product?relatedParty.id=${tmf.msisdn}&productOffering.id=weather`, headers: auth })).json<Res[]>()[0]!;
  const second = await call('POST', '/productOrder', {
    relatedParty: [{ id: tmf.msisdn }],
    productOrderItem: [{ id: '1', action: 'delete', product: { id: weatherInstance.id } }],
  }, { 'idempotency-key': 'order-2' });
  assert.equal(second.status, 201, second.raw);
  assert.equal(second.body!.state, 'completed');
  const repeat = await call('POST', '/productOrder', { relatedParty: [{ id: tmf.msisdn }], productOrderItem: [{ id: '1', action: 'delete', product: { id: weatherInstance.id } }] }, { 'idempotency-key': 'order-2' });
  assert.equal(repeat.body!.id, second.body!.id, 'a retried order is the same order');

  assert.deepEqual(await ledgerOf(tmf.accountId), await ledgerOf(web.accountId));
  const actions = (rows: Res[]) => rows.filter((x) => ['product.connect', 'tariff.change', 'product.disable'].includes(String(x.action)));
  const a = actions(await auditOf(tmf.subscriberId));
  assert.deepEqual(a, actions(await auditOf(web.subscriberId)));
  assert.deepEqual(a.map((x) => `${String(x.action)}:${String(x.outcome)}`), ['product.connect:ok', 'tariff.change:refused', 'product.disable:ok']);
  const channels = await core.db.query<{ channel: string }>("SELECT DISTINCT channel FROM audit_event WHERE subscriber_id = $1 AND action LIKE 'product.%'", [tmf.subscriberId]);
  assert.deepEqual(channels.map((c) => c.channel), ['tmf']);

  await listener.waitFor('productOrderCreateEvent', 2);
  await listener.waitFor('productOrderStateChangeEvent', 2);

  const list = await call('GET', `/productOrder?relatedParty.id=${tmf.msisdn}&state=completed&fields=state`);
  assert.equal(list.headers['x-total-count'], '1');
  assert.deepEqual(list.body, [{ id: second.body!.id, href: second.body!.href, state: 'completed' }]);
  assert.equal((await call('GET', `/productOrder?limit=1`)).headers['x-result-count'], '1');
  const patched = await call('PATCH', `/productOrder/${String(o.id)}`, JSON.stringify({ description: 'from the CRM' }), { 'content-type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200);
  assert.equal(patched.body!.description, 'from the CRM');
  assert.equal((await call('PATCH', `/productOrder/${String(o.id)}`, { state: 'completed' })).status, 400);
  assert.equal((await call('POST', '/productOrder', { relatedParty: [{ id: tmf.msisdn }] })).status, 400, 'productOrderItem is required');
  assert.equal((await call('DELETE', `/productOrder/${String(o.id)}`)).status, 204);
  assert.equal((await call('GET', `/productOrder/${String(o.id)}`)).status, 404);
  await listener.waitFor('productOrderDeleteEvent');
  await listener.close();
});

test('subscriber sessions get 403 on the TM Forum APIs', async () => {
  const s = await makeSubscriber(core);
  const session = await webSession(s.msisdn, s.subscriberId);
  const res = await app.inject({ url: '/tmf-api/productOrderingManagement/v4/productOrder', headers: session });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json<Res>()['@type'], 'Error');
});
