import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { historyJob } from '../../src/jobs/history.ts';
import { matchesFilters } from '../../src/channels/tmf/conventions.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import { ctxAs, makeSubscriber } from '../helpers/core.ts';
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

test('TMF635 over months whose detail retention dropped: a period wholly before the kept detail is refused with 410 in words, one reaching into it lists what is kept and names where it begins', async () => {
  const call = tmfClient(app, auth, '/tmf-api/usageManagement/v4');
  const s = await makeSubscriber(core, { openingBalance: 10_000 });
  const sms = (recordId: string, usageDate: string) =>
    call('POST', '/usage', { usageType: 'sms', usageDate, relatedParty: [{ id: s.msisdn }], usageCharacteristic: [{ name: 'recordId', value: recordId }] });
  assert.equal((await sms('old-jan', '2026-01-15T10:00:00Z')).status, 201);
  assert.equal((await sms('kept-mar', '2026-03-09T10:00:00Z')).status, 201);
  const list = (period: string, lang = 'ru') => call('GET', `/usage?relatedParty.id=${s.msisdn}&${period}`, undefined, { 'accept-language': lang });
  // January in Moscow time, where month partitions begin.
  const january = 'usageDate.gte=2025-12-31T21:00:00Z&usageDate.lt=2026-01-31T21:00:00Z';
  const jan = await list(january);
  assert.equal(jan.status, 200);
  assert.deepEqual(jan.body!.map((u) => u.usageDate), ['2026-01-15T10:00:00.000Z'], 'the period bounds when the usage began');
  assert.equal(jan.headers['x-usage-detail-from'], undefined, 'nothing dropped yet');
  assert.equal((await list('usageDate.gte=yesterday')).status, 400);
  assert.equal((await list('usageDate.lt=2026-02-01T00:00:00')).status, 400, 'a time needs its offset');

  // January is summarised and dropped (kept one month; the ingest window shortened to let it go).
  const maxAge = core.settings.usageMaxAgeDays;
  core.settings.usageMaxAgeDays = 20;
  try {
    assert.ok((await historyJob(core, { now: core.clock.now(), retentionMonths: 1 })).dropped.includes('usage_record_202601'));
  } finally {
    core.settings.usageMaxAgeDays = maxAge;
  }

  const gone = await list(january);
  assert.equal(gone.status, 410, gone.raw);
  assert.equal(gone.body!.code, 'USAGE_DETAIL_DROPPED');
  assert.match(String(gone.body!.message), /^Записи об использовании до 01\.02\.2026 больше не хранятся: за то время остались только суммы по дням/);
  assert.match(String((await list(january, 'en')).body!.message), /^Usage records before 2026-02-01 are no longer kept: only daily totals remain for that time/);
  const utcJanuary = await list('usageDate.gte=2026-01-01T00:00:00Z&usageDate.lt=2026-02-01T00:00:00Z');
  assert.deepEqual([utcJanuary.status, utcJanuary.body!.length, utcJanuary.headers['x-usage-detail-from']], [200, 0, '2026-01-31T21:00:00.000Z'], 'January in UTC reaches three hours into kept detail');
  const across = await list('usageDate.gte=2026-01-01T00:00:00Z&usageDate.lt=2026-04-01T00:00:00Z');
  assert.equal(across.status, 200);
  assert.deepEqual(across.body!.map((u) => u.usageDate), ['2026-03-09T10:00:00.000Z']);
  assert.equal(across.headers['x-usage-detail-from'], '2026-01-31T21:00:00.000Z', 'where the kept detail begins: 1 February, Moscow');
  assert.equal((await list('limit=5')).headers['x-usage-detail-from'], '2026-01-31T21:00:00.000Z', 'an unbounded list says it too');
  const kept = await list('usageDate.gte=2026-03-01T00:00:00Z');
  assert.equal(kept.headers['x-usage-detail-from'], undefined, 'a period wholly kept says nothing');
  assert.equal(kept.body!.length, 1);
});

test('TMF635 usage paged by the store with every filter: pages neither repeat nor miss a record, each filter as the attribute filter over the whole list, others refused', async () => {
  const a = await makeSubscriber(core, { openingBalance: 50_000 });
  const b = await makeSubscriber(core, { openingBalance: 50_000 });
  const now = core.clock.now().getTime();
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000);
  const ingested = await ingestUsage(core, ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' }), [
    { recordId: 'pg-1', msisdn: a.msisdn, kind: 'voice', zone: 'home', startedAt: at(50), durationSeconds: 120, counterpart: '79990000001' },
    { recordId: 'pg-2', msisdn: a.msisdn, kind: 'voice', zone: 'roaming', startedAt: at(49), durationSeconds: 60 },
    { recordId: 'pg-3', msisdn: a.msisdn, kind: 'sms', zone: 'home', startedAt: at(30) },
    { recordId: 'pg-4', msisdn: b.msisdn, kind: 'data', zone: 'home', startedAt: at(29), bytes: 1_000_000 },
    { recordId: 'pg-5', msisdn: b.msisdn, kind: 'voice', zone: 'roaming', startedAt: at(5), durationSeconds: 30 },
    { recordId: 'pg-6', msisdn: b.msisdn, kind: 'sms', zone: 'roaming', startedAt: at(4) },
  ]);
  assert.equal(ingested.accepted, 6, JSON.stringify(ingested.rejected));
  const call = tmfClient(app, auth, '/tmf-api/usageManagement/v4');
  const whole = await call('GET', '/usage?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length >= 6);
  const walked = await walkPages(app, auth, '/tmf-api/usageManagement/v4/usage?limit=2');
  assert.deepEqual(walked, all.map((u) => String(u.id)));
  assert.equal(new Set(walked).size, walked.length);
  assert.deepEqual(await walkPages(app, auth, `/tmf-api/usageManagement/v4/usage?relatedParty.id=${b.msisdn}&limit=1`), all.filter((u) => (u.relatedParty as Res[])[0]!.id === b.msisdn).map((u) => String(u.id)));

  const roaming = all.find((u) => (u.usageCharacteristic as Res[]).some((c) => c.value === 'pg-5'))!;
  const rated = (roaming.ratedProductUsage as Res[])[0]!;
  const amount = String((rated.taxIncludedRatingAmount as Res).value);
  const since = at(40);
  const cases: [string, ((u: Res) => boolean)?][] = [
    [`id=${String(roaming.id)}`],
    ['usageType=voice'],
    [`usageDate=${String(roaming.usageDate)}`],
    [`usageDate.gte=${since.toISOString()}`, (u) => new Date(String(u.usageDate)) >= since],
    [`usageDate.lt=${since.toISOString()}&usageType=voice`, (u) => new Date(String(u.usageDate)) < since && u.usageType === 'voice'],
    ['status=rated&@type=Usage&relatedParty.role=subscriber'],
    ['status=new'],
    [`description=${encodeURIComponent('sms roaming')}`],
    [`relatedParty.id=${a.msisdn}`],
    ['usageCharacteristic.name=bytes'],
    ['usageCharacteristic.name=counterpart'],
    ['usageCharacteristic.value=roaming'],
    ['usageCharacteristic.value=pg-3'],
    ['ratedProductUsage.usageRatingTag=charged'],
    ['ratedProductUsage.isBilled=true&ratedProductUsage.ratingAmountType=total&ratedProductUsage.taxIncludedRatingAmount.unit=RUB'],
    [`ratedProductUsage.taxIncludedRatingAmount.value=${amount}`],
    [`ratedProductUsage.ratingDate.lte=2030-01-01T00:00:00Z`, () => true],
    ['usageType=sms&usageType=data', () => false],
  ];
  for (const [q, wanted] of cases) {
    const filter = wanted ?? ((u: Res) => matchesFilters(u, Object.fromEntries(new URLSearchParams(q))));
    const expected = all.filter(filter).map((u) => String(u.id));
    const got = await call('GET', `/usage?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((u) => String(u.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
  }
  assert.ok(all.some((u) => new Date(String(u.usageDate)) >= since) && all.some((u) => new Date(String(u.usageDate)) < since), 'the date range cuts the list');
  assert.ok(all.filter((u) => (u.ratedProductUsage as Res[])[0]!.usageRatingTag === 'charged').length > 0);

  for (const [q, field] of [
    ['usageSpecification.id=voice', 'usageSpecification.id'],
    ['usageDate.gt=yesterday', 'usageDate.gt'],
    ['ratedProductUsage.taxIncludedRatingAmount.value=abc', 'ratedProductUsage.taxIncludedRatingAmount.value'],
  ] as const) {
    const bad = await call('GET', `/usage?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field, q);
  }
});

test('TMF622 productOrder paged by the store with every filter, each as the attribute filter over the whole list, others refused', async () => {
  const call = tmfClient(app, auth, '/tmf-api/productOrderingManagement/v4');
  const a = await makeSubscriber(core, { openingBalance: 100_000 });
  const b = await makeSubscriber(core, { openingBalance: 100_000 });
  const orders: [string, string, string][] = [
    [a.msisdn, 'weather', 'pg-crm-1'],
    [b.msisdn, 'weather', 'pg-crm-2'],
    [a.msisdn, 'news', 'pg-crm-3'],
    [a.msisdn, 'no-such-offering', 'pg-crm-4'],
  ];
  for (const [msisdn, offering, externalId] of orders) {
    t.env.clock.advance(60_000);
    const res = await call('POST', '/productOrder', { externalId, category: 'upsell', relatedParty: [{ id: msisdn, role: 'customer' }], productOrderItem: [{ id: '1', action: 'add', productOffering: { id: offering } }] });
    assert.equal(res.status, 201, res.raw);
  }
  const whole = await call('GET', '/productOrder?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length >= 4);
  const walked = await walkPages(app, auth, '/tmf-api/productOrderingManagement/v4/productOrder?limit=3');
  assert.deepEqual(walked, all.map((o) => String(o.id)));
  assert.equal(new Set(walked).size, walked.length);
  const third = all.find((o) => o.externalId === 'pg-crm-3')!;
  const since = new Date(String(third.orderDate));
  const cases: [string, ((o: Res) => boolean)?][] = [
    [`id=${String(third.id)}`],
    ['state=completed'],
    ['state=failed'],
    ['externalId=pg-crm-2'],
    ['category=upsell&@type=ProductOrder'],
    [`relatedParty.id=${a.msisdn}`],
    [`relatedParty.id=${b.msisdn}&relatedParty.role=customer`],
    ['productOrderItem.productOffering.id=weather&productOrderItem.action=add&productOrderItem.id=1'],
    [`orderDate.gte=${since.toISOString()}`, (o) => new Date(String(o.orderDate)) >= since],
    [`completionDate.lt=${since.toISOString()}&category=upsell`, (o) => o.completionDate !== undefined && new Date(String(o.completionDate)) < since && o.category === 'upsell'],
    ['state=failed&state=completed', () => false],
  ];
  for (const [q, wanted] of cases) {
    const filter = wanted ?? ((o: Res) => matchesFilters(o, Object.fromEntries(new URLSearchParams(q))));
    const expected = all.filter(filter).map((o) => String(o.id));
    const got = await call('GET', `/productOrder?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((o) => String(o.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
    assert.ok(q.includes('&state=') || expected.length > 0, `${q} matches something`);
  }
  for (const [q, field] of [
    ['productOrderItem.state=completed', 'productOrderItem.state'],
    ['orderDate.gt=yesterday', 'orderDate.gt'],
  ] as const) {
    const bad = await call('GET', `/productOrder?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field, q);
  }
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
  await listener.waitFor('productOrderStateChangeEvent', 2, 10_000);

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

test('TMF635 usageSpecification: voice, sms, mms, data with the characteristics accepted; fields, pages, retrieve, 404', async () => {
  const call = tmfClient(app, auth, '/tmf-api/usageManagement/v4');
  const list = await call('GET', '/usageSpecification');
  assert.equal(list.status, 200);
  assert.equal(list.headers['x-total-count'], '4');
  const specs = list.body as unknown as Res[];
  assert.deepEqual(specs.map((x) => x.id), ['voice', 'sms', 'mms', 'data']);
  for (const x of specs) {
    assert.equal(x['@type'], 'UsageSpecification');
    assert.equal(x.lifecycleStatus, 'Active');
    assert.equal(x.href, `http://abonent.test/tmf-api/usageManagement/v4/usageSpecification/${String(x.id)}`);
    assert.ok((x.specCharacteristic as Res[]).some((c) => c.name === 'recordId'));
  }
  const voice = (await call('GET', '/usageSpecification/voice')).body!;
  const duration = (voice.specCharacteristic as Res[]).find((c) => c.name === 'durationSeconds')!;
  assert.deepEqual([duration.valueType, duration.minCardinality], ['integer', 1]);
  assert.ok(((await call('GET', '/usageSpecification/data')).body!.specCharacteristic as Res[]).some((c) => c.name === 'bytes'));
  assert.deepEqual((await call('GET', '/usageSpecification?id=sms&fields=name')).body, [{ id: 'sms', href: 'http://abonent.test/tmf-api/usageManagement/v4/usageSpecification/sms', name: 'SMS' }]);
  assert.equal((await call('GET', '/usageSpecification?offset=1&limit=2')).headers['x-result-count'], '2');
  assert.equal((await call('GET', '/usageSpecification/fax')).status, 404);
});

test('TMF622 cancelProductOrder: an unfinished order becomes cancelled, a finished one cannot be; list, retrieve, 404', async () => {
  const call = tmfClient(app, auth, '/tmf-api/productOrderingManagement/v4');
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url, query: 'eventType=cancelProductOrderCreateEvent,productOrderStateChangeEvent' })).status, 201);
  const s = await makeSubscriber(core, { openingBalance: 5_000 });
  const done = await call('POST', '/productOrder', { relatedParty: [{ id: s.msisdn }], productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'weather' } }] });
  assert.equal(done.body!.state, 'completed');
  // An order still running (as after a crash between items): written directly in that state.
  await core.db.query(
    `INSERT INTO tmf_product_order (id, subscriber_id, state, request, items, created_at, updated_at) VALUES ('running-1', $1, 'inProgress', $2, '[]', now(), now())`,
    [s.subscriberId, JSON.stringify({ productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'news' } }] })],
  );
  const ledgerBefore = await ledgerOf(s.accountId);

  assert.equal((await call('POST', '/cancelProductOrder', { cancellationReason: 'x' })).status, 400, 'productOrder is required');
  assert.equal((await call('POST', '/cancelProductOrder', { productOrder: { id: 'nope' } })).status, 404);
  const refused = await call('POST', '/cancelProductOrder', { productOrder: { id: done.body!.id }, cancellationReason: 'changed my mind' });
  assert.equal(refused.status, 201, refused.raw);
  assert.equal(refused.body!['@type'], 'CancelProductOrder');
  assert.equal(refused.body!.state, 'terminatedWithError');
  assert.match(String(refused.body!.stateChangeReason), /already completed/);
  assert.equal(refused.body!.cancellationReason, 'changed my mind');
  assert.equal((await call('GET', `/productOrder/${String(done.body!.id)}`)).body!.state, 'completed', 'a finished order stays as it was');

  const ok = await call('POST', '/cancelProductOrder', { productOrder: { id: 'running-1' }, cancellationReason: 'customer left' }, { 'idempotency-key': 'cancel-1' });
  assert.equal(ok.status, 201, ok.raw);
  assert.equal(ok.body!.state, 'done');
  assert.match(String(ok.body!.effectiveCancellationDate), ISO_Z);
  assert.equal((ok.body!.productOrder as Res).id, 'running-1');
  const repeat = await call('POST', '/cancelProductOrder', { productOrder: { id: 'running-1' } }, { 'idempotency-key': 'cancel-1' });
  assert.equal(repeat.body!.id, ok.body!.id, 'a retried cancellation is the same one');
  const order = (await call('GET', '/productOrder/running-1')).body!;
  assert.equal(order.state, 'cancelled');
  assert.match(String(order.completionDate), ISO_Z);
  assert.deepEqual(await ledgerOf(s.accountId), ledgerBefore, 'cancelling moves no money');

  const list = await call('GET', `/cancelProductOrder?productOrder.id=running-1&fields=state`);
  assert.equal(list.headers['x-total-count'], '1');
  assert.deepEqual(list.body, [{ id: ok.body!.id, href: ok.body!.href, state: 'done' }]);
  assert.equal((await call('GET', '/cancelProductOrder?state=terminatedWithError')).headers['x-total-count'], '1');
  assert.equal((await call('GET', `/cancelProductOrder/${String(refused.body!.id)}`)).body!.state, 'terminatedWithError');
  assert.equal((await call('GET', '/cancelProductOrder/nope')).status, 404);
  const audit = await core.db.query<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'tmf.order.cancel' ORDER BY id");
  assert.deepEqual(audit.map((x) => x.outcome), ['refused', 'ok']);
  await listener.waitFor('cancelProductOrderCreateEvent', 2, 10_000);
  const changed = await listener.waitFor('productOrderStateChangeEvent', 2, 10_000);
  assert.ok(changed.some((e) => e.body.event.productOrder!.state === 'cancelled'));
  await listener.close();
});

test('TMF622 cancelProductOrder paged by the store with every filter, each as the attribute filter over the whole list, others refused', async () => {
  const call = tmfClient(app, auth, '/tmf-api/productOrderingManagement/v4');
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  for (const [i, offering] of ['weather', 'news', 'weather'].entries()) {
    t.env.clock.advance(60_000);
    const order = await call('POST', '/productOrder', { relatedParty: [{ id: s.msisdn }], productOrderItem: [{ id: '1', action: i === 2 ? 'delete' : 'add', productOffering: { id: offering } }] });
    assert.equal(order.status, 201, order.raw);
    const cancel = await call('POST', '/cancelProductOrder', { productOrder: { id: order.body!.id }, cancellationReason: i ? 'late' : 'early' });
    assert.equal(cancel.status, 201, cancel.raw);
  }
  const whole = await call('GET', '/cancelProductOrder?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length >= 3);
  const walked = await walkPages(app, auth, '/tmf-api/productOrderingManagement/v4/cancelProductOrder?limit=2');
  assert.deepEqual(walked, all.map((c) => String(c.id)));
  assert.equal(new Set(walked).size, walked.length);
  const last = all.at(-1)!;
  for (const q of [`id=${String(last.id)}`, `productOrder.id=${String((last.productOrder as Res).id)}`, `state=${String(last.state)}&@type=CancelProductOrder`, 'cancellationReason=late', `stateChangeReason=${encodeURIComponent(String(last.stateChangeReason ?? 'none'))}`]) {
    const expected = all.filter((c) => matchesFilters(c, Object.fromEntries(new URLSearchParams(q)))).map((c) => String(c.id));
    const got = await call('GET', `/cancelProductOrder?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((c) => String(c.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
  }
  const bad = await call('GET', '/cancelProductOrder?relatedParty.id=1', undefined, { 'accept-language': 'en' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body!.field, 'relatedParty.id');
});
