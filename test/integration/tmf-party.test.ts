import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiKey, parseScopes, setApiKeyScopes, type ApiScope } from '../../src/domain/auth/api-keys.ts';
import type { Core } from '../../src/domain/core.ts';
import { makeCompany } from '../helpers/business.ts';
import { makeSubscriber } from '../helpers/core.ts';
import { assertPagedFilters, closeTmfEnv, openTmfEnv, startListener, tmfClient, type Res, type TmfEnv } from '../helpers/tmf.ts';

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

test('TMF632 individual created and patched: a holder recorded before its number, with its e-mail and language; filters, fields, events; a number provisioned for it validates it', async () => {
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);
  const body = {
    givenName: 'Анна',
    familyName: 'Смирнова',
    contactMedium: [{ mediumType: 'email', preferred: true, characteristic: { emailAddress: 'Anna.S@Mail.example' } }],
    languageAbility: [{ languageCode: 'en', isFavouriteLanguage: true }],
    birthDate: '1990-01-02T00:00:00Z',
    password: 'hunter2-secret',
    '@type': 'Individual',
  };
  const created = await call('POST', '/individual', body, { 'idempotency-key': 'party-1' });
  assert.equal(created.status, 201, created.raw);
  const p = created.body!;
  assert.match(String(p.id), /^\d+$/);
  assert.equal(p.href, `http://abonent.test${BASE}/individual/${p.id}`);
  assert.equal(p.fullName, 'Смирнова Анна');
  assert.equal(p.givenName, 'Анна');
  assert.equal(p.familyName, 'Смирнова');
  assert.equal(p.status, 'initialized', 'no number yet');
  assert.equal(p.birthDate, '1990-01-02T00:00:00Z', 'an attribute of the specification is kept as sent');
  assert.deepEqual(p.contactMedium, [{ mediumType: 'email', preferred: true, characteristic: { contactType: 'email', emailAddress: 'anna.s@mail.example' } }]);
  assert.equal((p.languageAbility as Res[])[0]!.languageCode, 'en');
  assert.ok(!created.raw.includes('hunter2'), 'what the specification does not define is not kept, let alone shown');
  assert.equal((await listener.waitFor('individualCreateEvent'))[0]!.body.event.individual!.id, p.id);

  const again = await call('POST', '/individual', body, { 'idempotency-key': 'party-1' });
  assert.equal(again.status, 201);
  assert.equal(again.body!.id, p.id, 'a retry with the same key records no second party');
  const missing = await call('POST', '/individual', { givenName: 'Без фамилии' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body!['@type'], 'Error');
  assert.match(String(missing.body!.message ?? missing.body!.reason), /familyName/);
  assert.equal((await call('POST', '/individual', { givenName: 'А', familyName: 'Б', contactMedium: [{ characteristic: { emailAddress: 'nope' } }] })).status, 400);

  const found = await call('GET', `/individual?fullName=${encodeURIComponent('Смирнова Анна')}&fields=fullName,status`);
  assert.equal(found.headers['x-total-count'], '1');
  assert.deepEqual(found.body, [{ id: p.id, href: p.href, fullName: 'Смирнова Анна', status: 'initialized' }]);
  assert.deepEqual((await call('GET', `/individual/${p.id}`)).body, p);

  const patched = await call('PATCH', `/individual/${p.id}`, { middleName: 'Олеговна', contactMedium: [{ mediumType: 'phone', characteristic: { phoneNumber: '+7 495 123-45-67' } }] }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.raw);
  assert.equal(patched.body!.fullName, 'Смирнова Анна Олеговна');
  assert.deepEqual(patched.body!.contactMedium, [{ mediumType: 'phone', preferred: false, characteristic: { contactType: 'contact', phoneNumber: '+7 495 123-45-67' } }], 'the list given is the whole list: the e-mail is gone');
  assert.equal(patched.body!.birthDate, '1990-01-02T00:00:00Z');
  const changedEvent = (await listener.waitFor('individualAttributeValueChangeEvent'))[0]!.body.event.individual!;
  assert.equal(changedEvent.fullName, 'Смирнова Анна Олеговна');
  assert.equal((await call('PATCH', `/individual/${p.id}`, { status: 'validated' })).status, 400, 'the status is the record’s');
  assert.equal((await call('PATCH', '/individual/99999999', { middleName: 'X' })).status, 404);
  const company = await makeCompany(core, 'ООО «Не человек»');
  assert.equal((await call('PATCH', `/individual/${company.id}`, { middleName: 'X' })).status, 404, 'an organization is not an individual');
  await call('PATCH', `/individual/${p.id}`, { contactMedium: [{ mediumType: 'email', characteristic: { emailAddress: 'anna@mail.example' } }] });

  // Provisioning gives the recorded party a number: it is validated, found by the number, and its e-mail is where bills go.
  const sub = await makeSubscriber(core, { customerId: Number(p.id), language: 'ru' });
  const held = await call('GET', `/individual/${p.id}`);
  assert.equal(held.body!.status, 'validated');
  assert.deepEqual((held.body!.contactMedium as Res[]).map((m) => m.mediumType), ['mobile', 'email']);
  assert.equal((await call('GET', `/individual/${sub.msisdn}`)).body!.id, p.id, 'a number-shaped party id (as TMF637/654/676 name a subscriber) is its holder');
  assert.equal((await call('GET', `/individual/+${sub.msisdn}`)).body!.id, p.id);
  const [c] = await core.db.query<{ email: string }>('SELECT email FROM customer WHERE id = $1', [sub.customerId]);
  assert.equal(c!.email, 'anna@mail.example');
  const audit = await core.db.query<{ action: string }>("SELECT action FROM audit_event WHERE customer_id = $1 AND action LIKE 'party.%' AND outcome = 'ok' ORDER BY id", [sub.customerId]);
  assert.deepEqual(audit.map((a) => a.action), ['party.create', 'party.update', 'party.update']);
  await listener.close();
});

test('TMF632 organization created and patched: its name, INN and e-mail; nothing of a login is made', async () => {
  const created = await call('POST', '/organization', {
    tradingName: 'ООО «Новая»',
    organizationIdentification: [{ identificationType: 'INN', identificationId: '7701234568' }],
    contactMedium: [{ mediumType: 'email', characteristic: { emailAddress: 'office@new.example' } }],
    organizationType: 'LLC',
  });
  assert.equal(created.status, 201, created.raw);
  const o = created.body!;
  assert.equal(o.name, 'ООО «Новая»');
  assert.equal(o.organizationType, 'LLC');
  assert.equal(o.status, 'initialized');
  assert.deepEqual(o.organizationIdentification, [{ identificationType: 'INN', identificationId: '7701234568', issuingAuthority: 'FNS' }]);
  const [logins] = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM business_admin WHERE customer_id = $1', [Number(o.id)]);
  assert.equal(logins!.n, 0);
  assert.equal((await call('GET', '/organization?organizationIdentification.identificationId=7701234568&fields=name')).headers['x-total-count'], '1');
  assert.equal((await call('POST', '/organization', { organizationType: 'LLC' })).status, 400, 'tradingName is required');
  assert.equal((await call('POST', '/organization', { tradingName: 'X', organizationIdentification: [{ identificationType: 'INN', identificationId: '12' }] })).status, 400);

  const patched = await call('PATCH', `/organization/${o.id}`, { name: 'ООО «Новейшая»', organizationIdentification: null });
  assert.equal(patched.status, 200, patched.raw);
  assert.equal(patched.body!.name, 'ООО «Новейшая»');
  assert.equal(patched.body!.organizationIdentification, undefined);
  assert.deepEqual((patched.body!.contactMedium as Res[]).map((m) => (m.characteristic as Res).emailAddress), ['office@new.example'], 'what the patch leaves out stays');
  assert.equal((await call('PATCH', `/organization/${o.id}`, { id: '5' })).status, 400);
});

test('TMF632 DELETE: a party that holds nothing is deleted (204, audited, individualDeleteEvent / organizationDeleteEvent); one holding numbers, contracts or a history is refused with 409 in words', async () => {
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url, query: 'eventType=individualDeleteEvent,organizationDeleteEvent' })).status, 201);
  const person = (await call('POST', '/individual', { givenName: 'Пётр', familyName: 'Удаляемый' })).body!;
  const gone = await call('DELETE', `/individual/${String(person.id)}`, undefined, { 'content-type': 'application/json' });
  assert.equal(gone.status, 204, gone.raw);
  assert.equal((await call('GET', `/individual/${String(person.id)}`)).status, 404);
  assert.equal((await call('DELETE', `/individual/${String(person.id)}`)).status, 404, 'deleted once');
  const told = (await listener.waitFor('individualDeleteEvent'))[0]!.body.event.individual!;
  assert.equal(told.id, person.id);
  assert.equal(told.fullName, 'Удаляемый Пётр', 'the event carries the party as it was');
  const [audit] = await core.db.query<{ outcome: string; details: Res }>("SELECT outcome, details FROM audit_event WHERE action = 'party.delete' AND customer_id = $1", [Number(person.id)]);
  assert.equal(audit!.outcome, 'ok');

  const org = (await call('POST', '/organization', { tradingName: 'ООО «Однодневка»' })).body!;
  assert.equal((await call('DELETE', `/individual/${String(org.id)}`)).status, 404, 'an organization is not an individual');
  assert.equal((await call('DELETE', `/organization/${String(org.id)}`)).status, 204);
  assert.equal((await listener.waitFor('organizationDeleteEvent'))[0]!.body.event.organization!.id, org.id);

  // A holder of a number: refused, in Russian first and in English, and still there.
  const holder = await makeSubscriber(core);
  const held = await call('DELETE', `/individual/${holder.customerId}`);
  assert.equal(held.status, 409);
  assert.equal(held.body!.code, 'CONFLICT');
  assert.match(String(held.body!.message), /^Клиента нельзя удалить: за ним 1\u00a0номер/);
  const heldEn = await call('DELETE', `/individual/${holder.customerId}`, undefined, { 'accept-language': 'en' });
  assert.match(String(heldEn.body!.message), /^The customer cannot be deleted: it holds 1\u00a0number/);
  assert.equal((await call('GET', `/individual/${holder.customerId}`)).status, 200);
  const [refused] = await core.db.query<{ details: Res }>("SELECT details FROM audit_event WHERE action = 'party.delete' AND customer_id = $1 AND outcome = 'refused'", [holder.customerId]);
  assert.equal(refused!.details.reason, 'party_holds_numbers');

  const company = await makeCompany(core, 'ООО «С договорами»', { regions: ['77', '78'], departments: [] });
  const contracts = await call('DELETE', `/organization/${company.id}`);
  assert.equal(contracts.status, 409);
  assert.match(String(contracts.body!.message), /^Клиента нельзя удалить: у него 2\u00a0договора/);

  // One that held a number once keeps its history: its account names it.
  const former = (await call('POST', '/individual', { givenName: 'Ольга', familyName: 'Бывшая' })).body!;
  await core.db.query('INSERT INTO account (customer_id) VALUES ($1)', [Number(former.id)]);
  const history = await call('DELETE', `/individual/${String(former.id)}`, undefined, { 'accept-language': 'en' });
  assert.equal(history.status, 409);
  assert.match(String(history.body!.message), /^The customer cannot be deleted: it has a history/);
  assert.equal((await call('GET', `/individual/${String(former.id)}`)).status, 200, 'nothing was deleted');
  assert.equal(listener.events.filter((e) => e.body.eventType === 'individualDeleteEvent').length, 1, 'no event for a refused delete');
  await listener.close();
});

test('API key scopes: a read-only key reads and listens but writes nothing (403 in words naming the scope); party:write writes parties only; a limited key is kept to the TM Forum APIs; scopes change at once', async () => {
  const keyWith = async (scopes: ApiScope[]) => {
    const k = await createApiKey(core.db, { name: `scoped-${scopes.join('+')}`, scopes });
    return { prefix: k.prefix, auth: { authorization: `Bearer ${k.key}` } };
  };
  const reader = await keyWith(['read']);
  const read = tmfClient(app, reader.auth, BASE);
  assert.equal((await read('GET', '/individual?limit=1')).status, 200);
  const hub = await read('POST', '/hub', { callback: 'http://127.0.0.1:9/cb' });
  assert.equal(hub.status, 201, 'a listener is told only what its key could read');
  assert.equal((await read('DELETE', `/hub/${String(hub.body!.id)}`)).status, 204);
  const refused = await read('POST', '/individual', { givenName: 'Нет', familyName: 'Права' });
  assert.equal(refused.status, 403);
  assert.equal(refused.body!.code, 'FORBIDDEN');
  assert.equal(refused.body!['@type'], 'Error');
  assert.match(String(refused.body!.message), /^Этому ключу API не дано право «party:write»/);
  const refusedEn = await read('DELETE', '/individual/1', undefined, { 'accept-language': 'en' });
  assert.match(String(refusedEn.body!.message), /^This API key is not given the scope "party:write"/);
  assert.equal((await core.db.query("SELECT 1 FROM customer WHERE name = 'Права Нет'")).length, 0, 'nothing written');

  const partyWriter = await keyWith(['read', 'party:write']);
  const party = tmfClient(app, partyWriter.auth, BASE);
  const made = await party('POST', '/individual', { givenName: 'Есть', familyName: 'Право' });
  assert.equal(made.status, 201, made.raw);
  const pay = await app.inject({ method: 'POST', url: '/tmf-api/paymentManagement/v4/payment', headers: { host: 'abonent.test', ...partyWriter.auth }, payload: { account: { id: '1' }, totalAmount: { unit: 'RUB', value: 100 } } });
  assert.equal(pay.statusCode, 403);
  assert.match(pay.json<Res>().reason as string, /payment:write/);
  assert.equal((await app.inject({ url: '/api/v1/auth/whoami', headers: partyWriter.auth })).statusCode, 403, 'a limited key is for the TM Forum APIs only');

  const writerOnly = await keyWith(['party:write']);
  const blind = await tmfClient(app, writerOnly.auth, BASE)('GET', '/individual');
  assert.equal(blind.status, 403);
  assert.match(String(blind.body!.message), /«read»/);

  assert.ok(await setApiKeyScopes(core.db, partyWriter.prefix, ['read']));
  assert.equal((await party('PATCH', `/individual/${String(made.body!.id)}`, { middleName: 'Уже' })).status, 403, 'a scope taken away is gone at the next request');
  assert.ok(await setApiKeyScopes(core.db, reader.prefix, null));
  assert.equal((await read('POST', '/individual', { givenName: 'Теперь', familyName: 'Можно' })).status, 201, 'all scopes again');
  assert.deepEqual(parseScopes(' read, payment:write,read '), ['read', 'payment:write']);
  assert.equal(parseScopes('all'), null);
  assert.throws(() => parseScopes('read,admin'), /VALIDATION/);
});

test('TMF632: only operator API keys; described in the OpenAPI document', async () => {
  assert.equal((await app.inject({ url: `${BASE}/individual` })).statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: `${BASE}/individual`, payload: { givenName: 'A', familyName: 'B' } })).statusCode, 401);
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
  for (const p of ['individual', 'individual/{id}', 'organization', 'organization/{id}', 'hub']) assert.ok(doc.paths[`${BASE}/${p}`], p);
  assert.ok(doc.paths[`${BASE}/individual`]!.post && doc.paths[`${BASE}/organization/{id}`]!.patch && doc.paths[`${BASE}/individual/{id}`]!.delete);
});

const EMPTY = ['id=abc', '@type=Organization', 'isLegalEntity=false'];
const pagedWithFilters = (resource: string, cases: Parameters<typeof assertPagedFilters>[3]) => assertPagedFilters(app, t.auth, `${BASE}/${resource}`, cases, { pageSize: 4, empty: EMPTY });

test('TMF632 individual and organization paged by the store with every filter, each as the attribute filter over the whole list; any other filter is a 400 naming those it takes', async () => {
  const held = [];
  for (let i = 0; i < 5; i++) held.push(await makeSubscriber(core, { customerName: `Листов Лист ${i}`, language: i % 2 ? 'en' : 'ru' }));
  for (let i = 0; i < 3; i++) {
    const made = await call('POST', '/individual', {
      givenName: `Имя${i}`,
      familyName: 'Страничная',
      ...(i === 0 ? { middleName: 'Петровна' } : {}),
      contactMedium: [{ characteristic: { emailAddress: `p${i}@page.example` } }, { mediumType: 'phone', characteristic: { phoneNumber: `+7 495 000-00-0${i}` } }],
      languageAbility: [{ languageCode: 'en' }],
    });
    assert.equal(made.status, 201, made.raw);
  }
  const e = encodeURIComponent;
  const people = await pagedWithFilters('individual', [
    `id=${held[1]!.customerId}`,
    'id=abc',
    `givenName=${e('Имя1')}`,
    `familyName=${e('Страничная')}&middleName=${e('Петровна')}`,
    `fullName=${e('Листов Лист 2')}`,
    `formattedName=${e('Страничная Имя2')}`,
    'status=validated',
    'status=initialized&@type=Individual',
    `contactMedium.characteristic.phoneNumber=${held[3]!.msisdn}`,
    `contactMedium.characteristic.phoneNumber=${e('+7 495 000-00-01')}`,
    `contactMedium.characteristic.emailAddress=p2@page.example`,
    'contactMedium.mediumType=phone',
    'contactMedium.mediumType=mobile',
    'contactMedium.mediumType=email',
    'languageAbility.languageCode=en',
    'languageAbility.languageCode=ru&status=validated',
    '@type=Organization',
  ]);
  assert.equal(people.filter((p) => p.familyName === 'Страничная').length, 3);

  const company = await makeCompany(core, 'ООО «Страница»');
  const number = await company.number();
  for (let i = 0; i < 4; i++) {
    t.env.clock.set(`2026-03-2${i}T09:00:00Z`);
    const made = await call('POST', '/organization', {
      tradingName: `ООО «Лист ${i}»`,
      ...(i < 2 ? { organizationIdentification: [{ identificationType: 'INN', identificationId: `770000000${i}` }] } : {}),
      contactMedium: [{ characteristic: { emailAddress: `org${i}@page.example` } }],
    });
    assert.equal(made.status, 201, made.raw);
  }
  const orgs = (await call('GET', '/organization?limit=1000')).body as unknown as Res[];
  const since = String((orgs[orgs.length - 3]!.existsDuring as Res).startDateTime);
  assert.equal(since, '2026-03-21T09:00:00.000Z');
  const at = (o: Res) => new Date(String((o.existsDuring as Res).startDateTime)).getTime();
  await pagedWithFilters('organization', [
    `id=${company.id}`,
    `name=${e('ООО «Лист 1»')}`,
    `tradingName=${e('ООО «Страница»')}&status=validated`,
    'status=initialized',
    'isLegalEntity=true&@type=Organization',
    'isLegalEntity=false',
    'organizationIdentification.identificationId=7700000001',
    'organizationIdentification.identificationType=INN',
    `contactMedium.characteristic.phoneNumber=${number.msisdn}`,
    'contactMedium.characteristic.emailAddress=org3@page.example',
    'contactMedium.mediumType=email',
    `existsDuring.startDateTime=${since}`,
    [`existsDuring.startDateTime.gte=${since}`, (o) => at(o) >= Date.parse(since)],
    [`existsDuring.startDateTime.lt=${since}&status=initialized`, (o) => at(o) < Date.parse(since) && o.status === 'initialized'],
  ]);

  for (const [resource, filter] of [['individual', 'birthDate=1990-01-02T00:00:00Z'], ['organization', 'organizationType=LLC'], ['organization', 'name.gt=A']] as const) {
    const bad = await call('GET', `/${resource}?${filter}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, filter);
    assert.equal(bad.body!.field, filter.split('=')[0]);
    assert.match(String(bad.body!.message), /contactMedium\.characteristic\.phoneNumber/);
  }
  assert.equal((await call('GET', '/organization?existsDuring.startDateTime.gte=yesterday')).status, 400);
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, { get: { summary: string } }> }>();
  assert.match(doc.paths[`${BASE}/individual`]!.get.summary, /filters: id, status, .*familyName/);
});
