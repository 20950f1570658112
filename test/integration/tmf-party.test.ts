import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/domain/core.ts';
import { makeCompany } from '../helpers/business.ts';
import { makeSubscriber } from '../helpers/core.ts';
import { closeTmfEnv, openTmfEnv, tmfClient, type Res, type TmfEnv } from '../helpers/tmf.ts';

const BASE = '/tmf-api/partyManagement/v4';
let t: TmfEnv;
let core: Core;
let app: FastifyInstance;
let call: ReturnType<typeof tmfClient>;
before(async () => {
  t = await openTmfEnv();
  ({ core, app } = t);
  call = tmfClient(app, t.auth, BASE);
});
after(() => closeTmfEnv(t));

test('TMF632 individual: the holders of numbers, found by a number they hold; filters, fields, pages, retrieve, 404', async () => {
  const a = await makeSubscriber(core, { customerName: 'Иванова Анна Петровна', language: 'en' });
  const b = await makeSubscriber(core, { customerName: 'Петров Пётр' });
  const list = await call('GET', '/individual');
  assert.equal(list.status, 200);
  assert.equal(list.headers['x-total-count'], String((list.body as unknown as Res[]).length));
  assert.ok(Number(list.headers['x-total-count']) >= 2);

  const mine = await call('GET', `/individual?contactMedium.characteristic.phoneNumber=${a.msisdn}`);
  assert.equal(mine.headers['x-total-count'], '1');
  const p = (mine.body as unknown as Res[])[0]!;
  assert.equal(p.id, String(a.customerId), 'the id TMF637 relatedParty names for the customer');
  assert.equal(p.href, `http://abonent.test${BASE}/individual/${a.customerId}`);
  assert.equal(p['@type'], 'Individual');
  assert.equal(p.fullName, 'Иванова Анна Петровна');
  assert.deepEqual(p.contactMedium, [{ mediumType: 'mobile', preferred: true, characteristic: { contactType: 'mobile', phoneNumber: a.msisdn } }]);
  assert.deepEqual((p.languageAbility as Res[])[0]!.languageCode, 'en');

  // The same customer id that TMF637 names as the number's customer.
  const inv = await app.inject({ url: `/tmf-api/productInventory/v4/product?relatedParty.id=${a.msisdn}&limit=1`, headers: { host: 'abonent.test', ...t.auth } });
  const parties = inv.json<Res[]>()[0]!.relatedParty as Res[];
  assert.ok(parties.some((x) => x.role === 'customer' && x.id === p.id && x['@referredType'] === 'Individual'));

  const byName = await call('GET', `/individual?fullName=${encodeURIComponent('Петров Пётр')}&fields=fullName`);
  assert.deepEqual(byName.body, [{ id: String(b.customerId), href: `http://abonent.test${BASE}/individual/${b.customerId}`, fullName: 'Петров Пётр' }]);
  const page = await call('GET', '/individual?limit=1&offset=1');
  assert.equal(page.headers['x-result-count'], '1');
  assert.ok(String(page.headers.link).includes('rel="prev"'));

  assert.deepEqual((await call('GET', `/individual/${a.customerId}`)).body, p);
  assert.equal((await call('GET', '/individual/99999999')).status, 404);
  assert.equal((await call('GET', '/individual/abc')).body!['@type'], 'Error');
});

test('TMF632 organization: business customers with their INN and numbers, and nothing of their admins or employees', async () => {
  const company = await makeCompany(core, 'ООО «Ромашка»');
  await core.db.query("UPDATE customer SET inn = '7701234567' WHERE id = $1", [company.id]);
  await company.admin('contract_admin');
  const n1 = await company.number({ employee: 'Сидоров Иван' });
  const n2 = await company.number();

  const got = await call('GET', `/organization/${company.id}`);
  assert.equal(got.status, 200, got.raw);
  const o = got.body!;
  assert.equal(o['@type'], 'Organization');
  assert.equal(o.name, 'ООО «Ромашка»');
  assert.equal(o.isLegalEntity, true);
  assert.deepEqual(o.organizationIdentification, [{ identificationType: 'INN', identificationId: '7701234567', issuingAuthority: 'FNS' }]);
  assert.deepEqual((o.contactMedium as Res[]).map((c) => (c.characteristic as Res).phoneNumber), [n1.msisdn, n2.msisdn]);
  const text = JSON.stringify(o);
  const adminRow = (await core.db.query<{ email: string; phone: string; name: string }>('SELECT email, phone, name FROM business_admin WHERE customer_id = $1', [company.id]))[0]!;
  for (const secret of ['Сидоров', adminRow.email, adminRow.phone, adminRow.name, 'not-used']) assert.ok(!text.includes(secret), `no ${secret}`);

  const byNumber = await call('GET', `/organization?contactMedium.characteristic.phoneNumber=${n2.msisdn}&fields=name`);
  assert.deepEqual(byNumber.body, [{ id: String(company.id), href: o.href, name: 'ООО «Ромашка»' }]);
  assert.equal((await call('GET', `/organization?organizationIdentification.identificationId=7701234567`)).headers['x-total-count'], '1');
  // A person is not an organization, nor a business an individual.
  const person = await makeSubscriber(core);
  assert.equal((await call('GET', `/organization/${person.customerId}`)).status, 404);
  assert.equal((await call('GET', `/individual/${company.id}`)).status, 404);
  assert.equal((await call('GET', `/individual?contactMedium.characteristic.phoneNumber=${n1.msisdn}`)).headers['x-total-count'], '0');
});

test('TMF632: only operator API keys; creating parties is not offered; described in the OpenAPI document', async () => {
  assert.equal((await app.inject({ url: `${BASE}/individual` })).statusCode, 401);
  const created = await call('POST', '/individual', { fullName: 'New' });
  assert.equal(created.status, 404);
  assert.equal(created.body!['@type'], 'Error');
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  for (const p of ['individual', 'individual/{id}', 'organization', 'organization/{id}', 'hub']) assert.ok(doc.paths[`${BASE}/${p}`], p);
});
