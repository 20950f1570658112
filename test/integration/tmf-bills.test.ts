import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import { issueDueBills } from '../../src/domain/bills/issue-bills.ts';
import { publishIssuedBills } from '../../src/channels/tmf/customer-bill.ts';
import type { Core } from '../../src/domain/core.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { makeCompany } from '../helpers/business.ts';
import { ctxAs, makeSubscriber, secondCore, type TestEnv } from '../helpers/core.ts';
import { pdfText } from '../helpers/pdf.ts';
import { assertPagedFilters, closeTmfEnv, ISO_Z, openTmfEnv, startListener, tmfClient, walkPages, type Res, type TmfEnv } from '../helpers/tmf.ts';
import { formatMsisdn } from '../../src/domain/shared/msisdn.ts';

let t: TmfEnv;
let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let auth: { authorization: string };
before(async () => {
  t = await openTmfEnv();
  ({ core, app, auth, env } = t);
});
after(() => closeTmfEnv(t));

const ACCOUNT = '/tmf-api/accountManagement/v4';
const BILL = '/tmf-api/customerBillManagement/v4';
const op = () => ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });

/** One person, one company with two numbers, a month of usage, and the month's bills issued. */
async function world() {
  env.clock.set('2026-04-06T09:00:00Z');
  const person = await makeSubscriber(core, { openingBalance: 25_000 });
  const co = await makeCompany(core, 'ООО «Калина»', { regions: ['77'] });
  const a = await co.number({ balance: 40_000 });
  const b = await co.number({ balance: 5_000 });
  await co.admin('contract_admin');
  await ingestUsage(core, op(), [
    { recordId: 'tb-1', msisdn: person.msisdn, kind: 'voice', zone: 'roaming', startedAt: env.clock.now(), durationSeconds: 300 },
    { recordId: 'tb-2', msisdn: b.msisdn, kind: 'voice', zone: 'roaming', startedAt: env.clock.now(), durationSeconds: 60 },
  ]);
  env.clock.set('2026-04-30T21:30:00Z');
  await issueDueBills(core);
  return { person, co, a, b, contractId: co.contracts['77']! };
}
let w: Awaited<ReturnType<typeof world>>;

test('TMF666 billingAccount: subscriber accounts and contracts with balance, credit limit, payment plan, contact; filters, fields, pages, retrieve, patch with an event, 404, no create', async () => {
  w = await world();
  const call = tmfClient(app, auth, ACCOUNT);
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);

  const list = await call('GET', '/billingAccount');
  assert.equal(list.status, 200);
  const items = list.body as unknown as Res[];
  assert.equal(list.headers['x-total-count'], String(items.length));
  const mine = items.find((x) => x.id === String(w.person.accountId))!;
  const contract = items.find((x) => x.id === `C${w.contractId}`)!;
  assert.ok(mine && contract, 'a subscriber account and a contract are billing accounts');
  assert.ok(!items.some((x) => x.id === String(w.a.accountId)), "a contract's numbers are billed with their contract");
  assert.equal(mine.href, `http://abonent.test${ACCOUNT}/billingAccount/${w.person.accountId}`);
  assert.equal(mine['@type'], 'BillingAccount');
  assert.equal(mine.accountType, 'individual');
  assert.equal(contract.accountType, 'business');
  const balance = (x: Res) => ((x.accountBalance as Res[])[0]!.amount as Res).value;
  assert.ok(Number(balance(mine)) < 250, 'the balance after the roaming call');
  const [sums] = await core.db.query<{ total: number }>('SELECT sum(amount)::bigint AS total FROM ledger_entry WHERE account_id = ANY($1::bigint[])', [[w.a.accountId, w.b.accountId]]);
  assert.equal(balance(contract), Number(sums!.total) / 100, "the contract's numbers' balances summed");
  assert.deepEqual(mine.creditLimit, { unit: 'RUB', value: 0 });
  assert.ok(Array.isArray(mine.paymentPlan));
  assert.match(String(((mine.accountBalance as Res[])[0]!.validFor as Res).startDateTime), ISO_Z);
  assert.equal((((mine.contact as Res[])[0]!.contactMedium as Res[])[0]!.characteristic as Res).phoneNumber, `+${w.person.msisdn}`);
  assert.equal((contract.contact as Res[])[0]!.partyRoleType, 'contract_admin');
  assert.deepEqual((mine.billStructure as Res).format, { id: 'bill-ru', href: `http://abonent.test${ACCOUNT}/billFormat/bill-ru`, name: 'Monthly bill, Russian (PDF)' });

  const filtered = await call('GET', '/billingAccount?accountType=business&fields=name,accountBalance');
  const biz = filtered.body as unknown as Res[];
  assert.ok(biz.length >= 1 && biz.every((x) => x.id && x.href && x.name && x.accountBalance && x.accountType === undefined));
  assert.ok(biz.some((x) => x.id === `C${w.contractId}`));
  const page = await call('GET', '/billingAccount?offset=1&limit=1');
  assert.equal((page.body as unknown as Res[]).length, 1);
  assert.equal(page.headers['x-result-count'], '1');
  assert.equal(page.headers['x-total-count'], String(items.length));

  const one = await call('GET', `/billingAccount/C${w.contractId}?fields=name`);
  assert.equal(one.status, 200);
  assert.deepEqual(Object.keys(one.body!).sort(), ['href', 'id', 'name']);
  for (const id of ['C999999', '999999', 'A1', 'nonsense']) {
    const missing = await call('GET', `/billingAccount/${id}`);
    assert.equal(missing.status, 404, id);
    assert.equal(missing.body!['@type'], 'Error');
  }

  const patched = await call('PATCH', `/billingAccount/C${w.contractId}`, { billStructure: { format: { id: 'bill-en' } } });
  assert.equal(patched.status, 200, patched.raw);
  assert.equal(((patched.body!.billStructure as Res).format as Res).id, 'bill-en');
  const event = (await listener.waitFor('billingAccountAttributeValueChangeEvent'))[0]!;
  assert.equal(event.body.event.billingAccount!.id, `C${w.contractId}`);
  assert.equal((await call('PATCH', `/billingAccount/C${w.contractId}`, { billStructure: { format: { id: 'bill-de' } } })).status, 400);
  assert.equal((await call('PATCH', `/billingAccount/C${w.contractId}`, { name: 'x', billStructure: { format: { id: 'bill-ru' } } })).status, 400);
  assert.equal((await call('PATCH', '/billingAccount/C999999', { billStructure: { format: { id: 'bill-ru' } } })).status, 404);
  const create = await call('POST', '/billingAccount', { name: 'x', relatedParty: [{ id: '1' }] });
  assert.equal(create.status, 405);
  assert.equal(create.body!['@type'], 'Error');
  await listener.close();

  // The next bill of the contract is in English.
  env.clock.set('2026-05-31T21:30:00Z');
  await issueDueBills(core);
  const [may] = await core.db.query<{ language: string }>("SELECT language FROM bill WHERE contract_id = $1 AND period = '2026-05'", [w.contractId]);
  assert.equal(may!.language, 'en');
});

test('TMF666 partyAccount, billFormat, billPresentationMedia, billingCycleSpecification: list, fields, retrieve, 404', async () => {
  const call = tmfClient(app, auth, ACCOUNT);
  const party = await call('GET', `/partyAccount/P${w.co.id}`);
  assert.equal(party.status, 200);
  assert.deepEqual(
    (party.body!.accountRelationship as Res[]).map((r) => (r.account as Res).id),
    [`C${w.contractId}`],
  );
  assert.equal((await call('GET', '/partyAccount/P999999')).status, 404);
  const parties = await call('GET', `/partyAccount?accountType=individual&fields=name`);
  assert.ok((parties.body as unknown as Res[]).some((p) => p.id === `P${w.person.customerId}`));
  for (const [kind, id] of [
    ['billFormat', 'bill-en'],
    ['billPresentationMedia', 'pdf-download'],
    ['billingCycleSpecification', 'calendar-month'],
  ] as const) {
    const l = await call('GET', `/${kind}`);
    assert.equal(l.status, 200);
    assert.equal(l.headers['x-total-count'], String((l.body as unknown as Res[]).length));
    const r = await call('GET', `/${kind}/${id}?fields=name`);
    assert.equal(r.status, 200, kind);
    assert.deepEqual(Object.keys(r.body!).sort(), ['href', 'id', 'name']);
    assert.equal((await call('GET', `/${kind}/nope`)).status, 404);
  }
  const cycle = await call('GET', '/billingCycleSpecification/calendar-month');
  assert.equal(cycle.body!.frequency, 'monthly');
});

test('TMF678 customerBill and appliedCustomerBillingRate: the issued bills, their lines summing to the bill, the PDF, filters, fields, pages, immutable, 404', async () => {
  const call = tmfClient(app, auth, BILL);
  const all = await call('GET', '/customerBill');
  assert.equal(all.status, 200);
  const bills = all.body as unknown as Res[];
  assert.equal(all.headers['x-total-count'], String(bills.length));
  const own = (await call('GET', `/customerBill?billingAccount.id=${w.person.accountId}`)).body as unknown as Res[];
  assert.deepEqual(own.map((b) => b.billNo).sort(), [`202604-A${w.person.accountId}`, `202605-A${w.person.accountId}`]);
  const bill = own.find((b) => b.billNo === `202604-A${w.person.accountId}`)!;
  assert.equal(bill['@type'], 'CustomerBill');
  assert.equal(bill.billNo, `202604-A${w.person.accountId}`);
  assert.equal(bill.runType, 'onCycle');
  assert.equal(bill.state, 'sent');
  assert.match(String(bill.billDate), ISO_Z);
  assert.deepEqual(bill.billingPeriod, { startDateTime: '2026-03-31T21:00:00.000Z', endDateTime: '2026-04-30T21:00:00.000Z' });
  assert.equal((bill.billingAccount as Res).href, `http://abonent.test${ACCOUNT}/billingAccount/${w.person.accountId}`);
  const doc = (bill.billDocument as Res[])[0]!;
  assert.equal(doc.mimeType, 'application/pdf');
  const pdf = await app.inject({ url: String(doc.url).replace('http://abonent.test', ''), headers: { host: 'abonent.test', ...auth } });
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  assert.equal(pdf.rawPayload.length, (doc.size as Res).amount);
  assert.ok((await pdfText(pdf.rawPayload)).text.includes('Счёт за апрель 2026'));

  const rates = await call('GET', `/appliedCustomerBillingRate?bill.id=${String(bill.id)}`);
  assert.equal(rates.status, 200);
  const lines = rates.body as unknown as Res[];
  assert.ok(lines.length >= 2);
  assert.ok(lines.every((l) => l['@type'] === 'AppliedCustomerBillingRate' && (l.bill as Res).id === bill.id && l.isBilled === true));
  const total = lines.reduce((s, l) => s + Math.round(Number((l.taxIncludedAmount as Res).value) * 100), 0);
  const [row] = await core.db.query<{ opening: number; closing: number }>('SELECT opening_balance AS opening, closing_balance AS closing FROM bill WHERE id = $1', [bill.id]);
  assert.equal(total, Number(row!.closing) - Number(row!.opening), "the lines add up to the bill's movement");
  const roaming = lines.find((l) => l.type === 'usage_roaming')!;
  assert.equal(roaming.name, 'Роуминг');
  const one = await call('GET', `/appliedCustomerBillingRate/${String(roaming.id)}?fields=taxIncludedAmount`);
  assert.equal(one.status, 200);
  assert.deepEqual(Object.keys(one.body!).sort(), ['href', 'id', 'taxIncludedAmount']);
  assert.equal((await call('GET', `/appliedCustomerBillingRate/${String(bill.id)}.999`)).status, 404);
  const english = await app.inject({ url: `${BILL}/appliedCustomerBillingRate/${String(roaming.id)}`, headers: { host: 'abonent.test', 'accept-language': 'en', ...auth } });
  assert.equal(english.json<Res>().name, 'Roaming');

  const contractLines = (await call('GET', `/appliedCustomerBillingRate?billingAccount.id=C${w.contractId}&type=payment`)).body as unknown as Res[];
  assert.deepEqual(
    contractLines.filter((l) => String(l.date).startsWith('2026-04-30')).map((l) => (l.characteristic as Res[]).find((c) => c.name === 'msisdn')!.value).sort(),
    [w.a.msisdn, w.b.msisdn].sort(),
    "a contract's bill has lines by number",
  );

  const fields = await call('GET', '/customerBill?fields=billNo&limit=1');
  assert.equal((fields.body as unknown as Res[]).length, 1);
  assert.deepEqual(Object.keys((fields.body as unknown as Res[])[0]!).sort(), ['billNo', 'href', 'id']);
  const immutable = await call('PATCH', `/customerBill/${String(bill.id)}`, { state: 'settled' });
  assert.equal(immutable.status, 409);
  assert.equal(immutable.body!['@type'], 'Error');
  assert.equal((await call('GET', '/customerBill/00000000-0000-0000-0000-000000000000')).status, 404);
  assert.equal((await call('GET', '/customerBill/x')).status, 404);
});

test('TMF678 customerBillOnDemand: the month so far, marked as not issued, with its PDF; create event, list, retrieve, 404; only operator keys', async () => {
  const call = tmfClient(app, auth, BILL);
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);
  env.clock.set('2026-06-10T09:00:00Z');
  await ingestUsage(core, op(), [{ recordId: 'tb-od', msisdn: w.person.msisdn, kind: 'voice', zone: 'roaming', startedAt: env.clock.now(), durationSeconds: 120 }]);
  env.clock.set('2026-06-10T09:05:00Z');
  const made = await call('POST', '/customerBillOnDemand', { billingAccount: { id: String(w.person.accountId) }, name: 'June so far' });
  assert.equal(made.status, 201, made.raw);
  assert.equal(made.body!.state, 'done');
  assert.equal(made.body!['@type'], 'CustomerBillOnDemand');
  const billRef = made.body!.customerBill as Res;
  const bill = await call('GET', `/customerBill/${String(billRef.id)}`);
  assert.equal(bill.status, 200);
  assert.equal(bill.body!.category, 'interim');
  assert.equal(bill.body!.runType, 'offCycle');
  assert.equal(bill.body!.billNo, undefined, 'a bill on demand has no number');
  assert.equal((bill.body!.billingPeriod as Res).endDateTime, '2026-06-10T09:05:00.000Z');
  const lines = (await call('GET', `/appliedCustomerBillingRate?bill.id=${String(billRef.id)}`)).body as unknown as Res[];
  assert.ok(lines.some((l) => l.type === 'usage_roaming' && l.isBilled === false));
  const doc = await app.inject({ url: `${BILL}/customerBill/${String(billRef.id)}/document`, headers: { host: 'abonent.test', ...auth } });
  assert.equal(doc.statusCode, 200);
  const text = (await pdfText(doc.rawPayload)).text.replace(/\s+/g, ' ');
  assert.ok(text.includes('Предварительный счёт за июнь 2026') && text.includes('Это не выставленный счёт'), text.slice(0, 300));
  const again = await app.inject({ url: `${BILL}/customerBill/${String(billRef.id)}/document`, headers: { host: 'abonent.test', ...auth } });
  assert.deepEqual(again.rawPayload, doc.rawPayload, 'the same document every time');
  const ev = (await listener.waitFor('customerBillOnDemandCreateEvent'))[0]!;
  assert.equal(ev.body.event.customerBillOnDemand!.id, made.body!.id);
  await listener.close();

  // The account's bills page by page (the issued ones cut by the store, the bill on demand after
  // them) are the same, in the same order, as the whole list filtered in memory.
  const inMemory = await call('GET', `/customerBill?billingAccount.id=${w.person.accountId}&@type=CustomerBill&limit=1000&fields=id`);
  const expected = (inMemory.body as unknown as Res[]).map((b) => String(b.id));
  assert.equal(expected.at(-1), String(billRef.id), 'the bill on demand last');
  assert.ok(expected.length >= 2);
  const walked: string[] = [];
  for (let offset = 0; offset < expected.length + 1; offset++) {
    const one = await call('GET', `/customerBill?billingAccount.id=${w.person.accountId}&limit=1&offset=${offset}&fields=id`);
    assert.equal(one.headers['x-total-count'], String(expected.length));
    walked.push(...(one.body as unknown as Res[]).map((b) => String(b.id)));
    assert.equal(String(one.headers.link ?? '').includes('rel="next"'), offset + 1 < expected.length);
  }
  assert.deepEqual(walked, expected);

  const listed = await call('GET', '/customerBillOnDemand?fields=name');
  assert.ok((listed.body as unknown as Res[]).some((x) => x.id === made.body!.id && x.name === 'June so far'));
  assert.equal((await call('GET', `/customerBillOnDemand/${String(made.body!.id)}`)).status, 200);
  assert.equal((await call('GET', '/customerBillOnDemand/00000000-0000-0000-0000-000000000000')).status, 404);
  assert.equal((await call('POST', '/customerBillOnDemand', { billingAccount: { id: 'C999999' } })).status, 404);
  assert.equal((await call('POST', '/customerBillOnDemand', {})).status, 400);
  const [issued] = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM bill WHERE account_id = $1 AND period = '2026-06'", [w.person.accountId]);
  assert.equal(issued!.n, 0, 'nothing was issued');

  const session = (await createSession(core.db, core, { kind: 'subscriber', subjectId: w.person.subscriberId, channel: 'web', method: 'test' })).token;
  const denied = await app.inject({ url: `${BILL}/customerBill`, headers: { authorization: `Bearer ${session}` } });
  assert.equal(denied.statusCode, 403);
  assert.equal((await app.inject({ url: `${ACCOUNT}/billingAccount` })).statusCode, 401);
  const docOpenApi = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  for (const p of [`${ACCOUNT}/billingAccount/{id}`, `${ACCOUNT}/partyAccount`, `${ACCOUNT}/billFormat/{id}`, `${BILL}/customerBill/{id}`, `${BILL}/appliedCustomerBillingRate`, `${BILL}/customerBillOnDemand`]) {
    assert.ok(docOpenApi.paths[p], p);
  }
});

test('TMF678 appliedCustomerBillingRate and customerBill: paged by the store over more than a page, none repeated or missed; each filter applied by the store as the attribute filter reads; any other filter is a 400', async () => {
  const call = tmfClient(app, auth, BILL);
  const list = async (q: string) => {
    const r = await call('GET', `/appliedCustomerBillingRate?${q}`);
    assert.equal(r.status, 200, r.raw);
    return { ids: (r.body as unknown as Res[]).map((x) => String(x.id)), total: Number(r.headers['x-total-count']) };
  };
  const whole = await call('GET', '/appliedCustomerBillingRate?limit=1000');
  const all = whole.body as unknown as Res[];
  const [stored] = await core.db.query<{ n: number }>(
    `SELECT (SELECT coalesce(sum(jsonb_array_length(lines)), 0) FROM bill) + (SELECT coalesce(sum(jsonb_array_length(draft->'lines')), 0) FROM bill_on_demand) AS n`,
  );
  assert.equal(Number(whole.headers['x-total-count']), Number(stored!.n), 'every line of every bill');
  assert.equal(all.length, Number(stored!.n));
  assert.ok(all.length > 4, `more lines than two pages of two: ${all.length}`);
  assert.ok(all.some((l) => l.isBilled === false) && all.some((l) => l.isBilled === true), 'issued bills and a bill on demand');

  // Walked page by page through the Link header: the same lines in the same order, each once.
  const walk = (first: string) => walkPages(app, auth, first);
  const walked = await walk(`${BILL}/appliedCustomerBillingRate?limit=2`);
  assert.deepEqual(walked, all.map((l) => String(l.id)));
  assert.equal(new Set(walked).size, walked.length);
  const contractIds = all.filter((l) => (l.billingAccount as Res).id === `C${w.contractId}`).map((l) => String(l.id));
  assert.ok(contractIds.length > 1);
  assert.deepEqual(await walk(`${BILL}/appliedCustomerBillingRate?billingAccount.id=C${w.contractId}&limit=1`), contractIds);

  // Each filter answers what the attribute filter would over the whole list.
  const issued = all.find((l) => l.isBilled === true && l.type === 'usage_roaming')!;
  const withNumber = all.find((l) => (l.characteristic as Res[]).some((c) => c.name === 'msisdn'))!;
  const msisdn = String((withNumber.characteristic as Res[]).find((c) => c.name === 'msisdn')!.value);
  const amount = String((issued.taxIncludedAmount as Res).value);
  const since = new Date('2026-05-15T00:00:00Z');
  const cases: [string, (l: Res) => boolean][] = [
    [`id=${String(issued.id)}`, (l) => l.id === issued.id],
    [`bill.id=${String((issued.bill as Res).id)}`, (l) => (l.bill as Res).id === (issued.bill as Res).id],
    [`billingAccount.id=${w.person.accountId}`, (l) => (l.billingAccount as Res).id === String(w.person.accountId)],
    ['type=payment', (l) => l.type === 'payment'],
    [`name=${encodeURIComponent('Роуминг')}`, (l) => l.type === 'usage_roaming'],
    ['isBilled=false', (l) => l.isBilled === false],
    [`date=${String(issued.date)}`, (l) => l.date === issued.date],
    [`date.gte=${since.toISOString()}`, (l) => new Date(String(l.date)) >= since],
    [`date.lt=${since.toISOString()}&type=usage_roaming`, (l) => new Date(String(l.date)) < since && l.type === 'usage_roaming'],
    [`periodCoverage.startDateTime=2026-03-31T21:00:00.000Z`, (l) => (l.periodCoverage as Res).startDateTime === '2026-03-31T21:00:00.000Z'],
    [`taxIncludedAmount.value=${amount}`, (l) => String((l.taxIncludedAmount as Res).value) === amount],
    ['characteristic.name=msisdn', (l) => (l.characteristic as Res[]).some((c) => c.name === 'msisdn')],
    [`characteristic.value=${msisdn}`, (l) => (l.characteristic as Res[]).some((c) => String(c.value) === msisdn)],
    ['@type=AppliedCustomerBillingRate&taxIncludedAmount.unit=RUB', () => true],
    ['type=payment&type=refund', () => false],
    ['@type=CustomerBill', () => false],
  ];
  for (const [q, wanted] of cases) {
    const expected = all.filter(wanted).map((l) => String(l.id));
    const got = await list(`${q}&limit=1000`);
    assert.deepEqual(got.ids, expected, q);
    assert.equal(got.total, expected.length, q);
  }
  assert.ok(all.filter((l) => new Date(String(l.date)) >= since).length > 0 && all.filter((l) => new Date(String(l.date)) < since).length > 0, 'the date range cuts the list');

  // A filter the store cannot apply is refused, not applied to a cut of the list.
  for (const [q, field] of [
    ['description=x', 'description'],
    ['bill.href=x', 'bill.href'],
    ['date.gt=yesterday', 'date.gt'],
    ['isBilled=maybe', 'isBilled'],
    ['taxIncludedAmount.value=abc', 'taxIncludedAmount.value'],
  ] as const) {
    const bad = await call('GET', `/appliedCustomerBillingRate?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.code, 'VALIDATION');
    assert.equal(bad.body!.field, field);
    assert.ok(String(bad.body!.message).includes(field), String(bad.body!.message));
  }
  const ru = await call('GET', '/appliedCustomerBillingRate?description=x');
  assert.match(String(ru.body!.message), /^Неверное значение поля «description».*can by id, bill\.id/);

  // customerBill: the issued bills then the bills on demand, each filter in the store.
  const bills = (await call('GET', '/customerBill?limit=1000')).body as unknown as Res[];
  const [billRows] = await core.db.query<{ n: number }>('SELECT (SELECT count(*) FROM bill) + (SELECT count(*) FROM bill_on_demand) AS n');
  assert.equal(bills.length, Number(billRows!.n));
  assert.deepEqual(await walkPages(app, auth, `${BILL}/customerBill?limit=2`), bills.map((b) => String(b.id)));
  const april = bills.find((b) => b.billNo === `202604-A${w.person.accountId}`)!;
  const billCases: [string, (b: Res) => boolean][] = [
    [`id=${String(april.id)}`, (b) => b.id === april.id],
    [`billNo=${String(april.billNo)}`, (b) => b.billNo === april.billNo],
    [`billingAccount.id=C${w.contractId}`, (b) => (b.billingAccount as Res).id === `C${w.contractId}`],
    [`relatedParty.id=${String(((april.relatedParty as Res[])[0]!).id)}&relatedParty.role=customer`, (b) => (b.relatedParty as Res[])[0]!.id === (april.relatedParty as Res[])[0]!.id],
    ['category=interim', (b) => b.category === 'interim'],
    ['runType=onCycle&state=sent', (b) => b.runType === 'onCycle'],
    ['runType=onCycle&state=new', () => false],
    [`billDate.gte=${since.toISOString()}`, (b) => new Date(String(b.billDate)) >= since],
    [`billDate.lt=${since.toISOString()}&@type=CustomerBill`, (b) => new Date(String(b.billDate)) < since],
    ['billingPeriod.endDateTime=2026-04-30T21:00:00Z', (b) => (b.billingPeriod as Res).endDateTime === '2026-04-30T21:00:00.000Z'],
    [`taxIncludedAmount.value=${String((april.taxIncludedAmount as Res).value)}`, (b) => (b.taxIncludedAmount as Res).value === (april.taxIncludedAmount as Res).value],
    ['amountDue.value=0&remainingAmount.unit=RUB', (b) => (b.amountDue as Res).value === 0],
  ];
  for (const [q, wanted] of billCases) {
    const expected = bills.filter(wanted).map((b) => String(b.id));
    const got = await call('GET', `/customerBill?${q}&limit=1000`);
    assert.deepEqual((got.body as unknown as Res[]).map((b) => String(b.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
  }
  assert.ok(bills.some((b) => b.category === 'interim') && bills.some((b) => new Date(String(b.billDate)) < since) && bills.some((b) => new Date(String(b.billDate)) >= since));
  const badBill = await call('GET', '/customerBill?paymentDueDate=2026-05-01');
  assert.equal(badBill.status, 400);
  assert.equal(badBill.body!.field, 'paymentDueDate');
  assert.equal((await call('GET', '/customerBill?billDate.lte=soon')).status, 400);
});

test('TMF678 customerBillCreateEvent: each bill the job issues is told once, by whichever instance claims it', async () => {
  // The bills issued above (April) are told before this listener comes, so it hears May's alone.
  await publishIssuedBills(core, 'http://abonent.test');
  const call = tmfClient(app, auth, BILL);
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);

  // A month later than any the tests above reached: the bills this run of the job issues.
  env.clock.set('2026-09-10T09:00:00Z');
  await ingestUsage(core, op(), [{ recordId: 'tb-sep-1', msisdn: w.person.msisdn, kind: 'voice', zone: 'roaming', startedAt: env.clock.now(), durationSeconds: 120 }]);
  env.clock.set('2026-09-30T21:30:00Z');
  const numbers = (await issueDueBills(core)).issued;
  const issued = await core.db.query<{ id: string }>('SELECT id::text AS id FROM bill WHERE number = ANY($1::text[]) ORDER BY id', [numbers]);
  assert.ok(issued.length >= 2, 'the person and the contract got their bills');

  // Two instances run the job at once: every bill is told, none twice.
  const [n1, n2] = await Promise.all([publishIssuedBills(core, 'http://abonent.test'), publishIssuedBills(await secondCore(env), 'http://abonent.test')]);
  assert.equal(n1 + n2, issued.length);
  assert.equal(await publishIssuedBills(core, 'http://abonent.test'), 0, 'nothing is told twice');
  const events = await listener.waitFor('customerBillCreateEvent', issued.length);
  assert.equal(events.length, issued.length);
  const billOf = (e: (typeof events)[number]) => (e.body.event as Res).customerBill as Res;
  assert.deepEqual(events.map((e) => billOf(e).id).sort(), issued.map((b) => b.id).sort());
  const bill = billOf(events.find((e) => billOf(e).id === issued[0]!.id)!);
  assert.equal(bill.href, `http://abonent.test${BILL}/customerBill/${issued[0]!.id}`);
  assert.equal(bill.runType, 'onCycle');
});

test('TMF666 billingAccount and partyAccount: paged by the store over more than a page, none repeated or missed; each filter applied by the store as the attribute filter reads; any other filter is a 400', async () => {
  const call = tmfClient(app, auth, ACCOUNT);
  const people: Awaited<ReturnType<typeof makeSubscriber>>[] = [];
  for (let i = 0; i < 3; i++) people.push(await makeSubscriber(core, { customerName: `Счётова Анна ${i}` }));
  const co = await makeCompany(core, 'ООО «Два договора»', { regions: ['77', '78'] });
  await co.number({ region: '78' });
  await co.admin('accountant');
  const [admin] = await core.db.query<{ phone: string; email: string }>("SELECT phone, email FROM business_admin WHERE customer_id = $1 AND role = 'accountant'", [co.id]);
  const e = encodeURIComponent;
  const accounts = (await call('GET', '/billingAccount?limit=1000')).body as unknown as Res[];
  const mine = accounts.find((x) => x.id === String(people[1]!.accountId))!;
  const contract = accounts.find((x) => x.id === `C${co.contracts['78']}`)!;
  assert.equal(mine.name, `Счётова Анна 1, ${formatMsisdn(people[1]!.msisdn)}`);
  await assertPagedFilters(
    app,
    auth,
    `${ACCOUNT}/billingAccount`,
    [
      `id=${people[0]!.accountId}`,
      `id=C${co.contracts['77']}`,
      'id=X1',
      `id=C${w.person.accountId}&relatedParty.id=${w.person.customerId}`,
      `name=${e(String(mine.name))}`,
      `name=${e(String(contract.name))}`,
      'accountType=business',
      'accountType=individual&state=active',
      'state=blocked',
      `relatedParty.id=${co.id}`,
      `relatedParty.name=${e('Счётова Анна 2')}&relatedParty.role=owner`,
      `contact.contactMedium.characteristic.phoneNumber=${e(`+${people[2]!.msisdn}`)}`,
      `contact.contactMedium.characteristic.phoneNumber=${e(`+${admin!.phone}`)}`,
      `contact.contactMedium.characteristic.phoneNumber=${people[2]!.msisdn}`,
      `contact.contactMedium.characteristic.emailAddress=${admin!.email}`,
      'billStructure.format.id=bill-en',
      'billStructure.format.id=bill-ru&@type=BillingAccount',
    ],
    { empty: ['id=X1', `id=C${w.person.accountId}&relatedParty.id=${w.person.customerId}`, 'state=blocked', `contact.contactMedium.characteristic.phoneNumber=${people[2]!.msisdn}`] },
  );
  await assertPagedFilters(
    app,
    auth,
    `${ACCOUNT}/partyAccount`,
    [
      `id=P${co.id}`,
      'id=7',
      `name=${e('Счётова Анна 0')}`,
      'accountType=business&state=active',
      'accountType=individual',
      `relatedParty.id=${people[2]!.customerId}&relatedParty.name=${e('Счётова Анна 2')}&relatedParty.role=owner`,
      `accountRelationship.account.id=C${co.contracts['78']}`,
      `accountRelationship.account.id=${people[1]!.accountId}&accountRelationship.relationshipType=billingAccount`,
      `accountRelationship.account.id=${w.a.accountId}`,
      '@type=PartyAccount',
    ],
    { pageSize: 2, empty: ['id=7', `accountRelationship.account.id=${w.a.accountId}`] },
  );
  const party = (await call('GET', `/partyAccount?id=P${co.id}`)).body as unknown as Res[];
  assert.deepEqual((party[0]!.accountRelationship as Res[]).map((r) => (r.account as Res).id), [`C${co.contracts['77']}`, `C${co.contracts['78']}`]);

  for (const [path, q, field] of [
    ['billingAccount', 'paymentStatus=inDebt', 'paymentStatus'],
    ['billingAccount', 'creditLimit.value=0', 'creditLimit.value'],
    ['partyAccount', 'description=x', 'description'],
  ] as const) {
    const bad = await call('GET', `/${path}?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field);
    assert.match(String(bad.body!.message), /relatedParty\.id/);
  }
});

test('TMF678 customerBillOnDemand paged by the store over more than a page, none repeated or missed; each filter applied by the store as the attribute filter reads; any other filter is a 400', async () => {
  const call = tmfClient(app, auth, BILL);
  const made: Res[] = [];
  const targets = [String(w.person.accountId), `C${w.contractId}`, String(w.person.accountId), `C${w.contractId}`];
  for (let i = 0; i < targets.length; i++) {
    env.clock.set(`2026-07-0${i + 1}T09:00:00Z`);
    const r = await call('POST', '/customerBillOnDemand', { billingAccount: { id: targets[i] }, ...(i % 2 ? { name: 'Июль' } : { description: 'Для проверки' }) });
    assert.equal(r.status, 201, r.raw);
    made.push(r.body!);
  }
  const e = encodeURIComponent;
  const since = '2026-07-02T09:00:00.000Z';
  const at = (b: Res) => Date.parse(String(b.lastUpdate));
  await assertPagedFilters(
    app,
    auth,
    `${BILL}/customerBillOnDemand`,
    [
      `id=${String(made[1]!.id)}`,
      'id=nope',
      `customerBill.id=${String(made[2]!.id)}`,
      `name=${e('Июль')}`,
      `description=${e('Для проверки')}`,
      `description=${e(String(made[1]!.description))}`,
      `lastUpdate=${since}`,
      [`lastUpdate.gte=${since}`, (b) => at(b) >= Date.parse(since)],
      [`lastUpdate.lt=${since}&state=done`, (b) => at(b) < Date.parse(since)],
      `billingAccount.id=C${w.contractId}`,
      `billingAccount.id=${w.person.accountId}&relatedParty.role=customer`,
      'billingAccount.id=C0',
      `relatedParty.id=${w.co.id}`,
      `relatedParty.name=${e(String((made[0]!.relatedParty as Res[])[0]!.name))}`,
      '@type=CustomerBillOnDemand',
    ],
    { pageSize: 2, empty: ['id=nope', 'billingAccount.id=C0'] },
  );
  for (const [q, field] of [
    ['billDate=2026-07-01T00:00:00Z', 'billDate'],
    ['lastUpdate.gt=soon', 'lastUpdate.gt'],
    ['billingAccount.href=x', 'billingAccount.href'],
  ] as const) {
    const bad = await call('GET', `/customerBillOnDemand?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field);
  }
});
