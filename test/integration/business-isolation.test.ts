import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { charge } from '../../src/domain/billing/charge.ts';
import { createBulkOperation } from '../../src/domain/business/bulk.ts';
import { generateMonthlyReports } from '../../src/domain/business/expense-reports.ts';
import { setNumberLimit } from '../../src/domain/business/limits.ts';
import { createOrder } from '../../src/domain/business/orders.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { issueDueBills } from '../../src/domain/bills/issue-bills.ts';
import type { Core } from '../../src/domain/core.ts';
import { makeCompany, type Admin, type Company } from '../helpers/business.ts';
import { makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';

// Every route under /api/v1/business, taken from the app's own OpenAPI document, is sent by callers
// who must not reach the target: another company's admin, a department manager of another
// department, an accountant (writes), a subscriber, staff and nobody. A new route fails the test
// until it is given inputs here.

interface Fixture {
  msisdn: string;
  employee: string;
  order: string;
  bulk: string;
  report: string;
  bill: string;
  contract: number;
  department: number;
}
interface Input {
  params?: (f: Fixture) => Record<string, string>;
  query?: (f: Fixture) => Record<string, string>;
  body?: (f: Fixture) => unknown;
  /** `list`: reads a collection (no target to name) — must answer 200 without anything of the target. */
  kind: 'target' | 'list' | 'own';
}

const P = '/api/v1/business';
const inputs: Record<string, Input> = {
  [`GET ${P}/me`]: { kind: 'list' },
  [`GET ${P}/numbers`]: { kind: 'list', query: () => ({ limit: '1000' }) },
  [`GET ${P}/directory`]: { kind: 'list' },
  [`POST ${P}/directory`]: { kind: 'target', body: (f) => ({ csv: `${f.msisdn};Взломщик;` }) },
  [`PUT ${P}/numbers/{msisdn}/department`]: { kind: 'target', params: (f) => ({ msisdn: f.msisdn }), body: (f) => ({ departmentId: f.department }) },
  [`POST ${P}/numbers/{msisdn}/block`]: { kind: 'target', params: (f) => ({ msisdn: f.msisdn }) },
  [`POST ${P}/numbers/{msisdn}/unblock`]: { kind: 'target', params: (f) => ({ msisdn: f.msisdn }) },
  [`GET ${P}/limits`]: { kind: 'list' },
  [`PUT ${P}/numbers/{msisdn}/limit`]: { kind: 'target', params: (f) => ({ msisdn: f.msisdn }), body: () => ({ amount: 1, scope: 'both', action: 'block_extras' }) },
  [`DELETE ${P}/numbers/{msisdn}/limit`]: { kind: 'target', params: (f) => ({ msisdn: f.msisdn }) },
  [`GET ${P}/contracts`]: { kind: 'list' },
  [`PATCH ${P}/contracts/{id}`]: { kind: 'target', params: (f) => ({ id: String(f.contract) }), body: () => ({ creditLimit: 1, denyContent: true }) },
  [`PATCH ${P}/settings`]: { kind: 'own', body: () => ({ orderApproval: true }) },
  [`POST ${P}/bulk-operations`]: { kind: 'target', body: (f) => ({ kind: 'block', msisdns: [f.msisdn] }) },
  [`GET ${P}/bulk-operations`]: { kind: 'list' },
  [`GET ${P}/bulk-operations/{id}`]: { kind: 'target', params: (f) => ({ id: f.bulk }) },
  [`GET ${P}/bulk-operations/{id}/items`]: { kind: 'target', params: (f) => ({ id: f.bulk }) },
  [`POST ${P}/orders`]: { kind: 'target', body: (f) => ({ kind: 'sim_replacement', msisdn: f.msisdn, simType: 'esim' }) },
  [`GET ${P}/orders`]: { kind: 'list' },
  [`GET ${P}/orders/{id}`]: { kind: 'target', params: (f) => ({ id: f.order }) },
  [`POST ${P}/orders/{id}/approve`]: { kind: 'target', params: (f) => ({ id: f.order }) },
  [`POST ${P}/orders/{id}/reject`]: { kind: 'target', params: (f) => ({ id: f.order }), body: () => ({ reason: 'чужая заявка' }) },
  [`GET ${P}/orders/{id}/qr`]: { kind: 'target', params: (f) => ({ id: f.order }) },
  [`GET ${P}/free-numbers`]: { kind: 'list' },
  [`GET ${P}/analytics`]: { kind: 'list', query: () => ({ month: '2026-03' }) },
  [`GET ${P}/analytics/export`]: { kind: 'list', query: () => ({ format: 'csv', month: '2026-03' }) },
  [`GET ${P}/reports`]: { kind: 'list' },
  [`GET ${P}/reports/settings`]: { kind: 'list' },
  [`PUT ${P}/reports/settings`]: { kind: 'own', body: () => ({ languages: ['ru', 'en'] }) },
  [`GET ${P}/reports/{id}/download`]: { kind: 'target', params: (f) => ({ id: f.report }), query: () => ({ format: 'csv' }) },
  [`GET ${P}/bills`]: { kind: 'list' },
  [`GET ${P}/bills/{id}/pdf`]: { kind: 'target', params: (f) => ({ id: f.bill }) },
  [`POST ${P}/bills/{id}/send`]: { kind: 'target', params: (f) => ({ id: f.bill }) },
};

interface Route {
  method: string;
  path: string;
}
let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let routes: Route[];
let x: Company;
let y: Company;
let xAdmin: Admin;
let xAccountant: Admin;
let xManager: Admin;
let yAdmin: Admin;
/** X's two numbers: one in department 1 (the manager's), one in department 2. */
let x1: Fixture;
let x2: Fixture;
let y1: Fixture;

async function fixture(c: Company, admin: Admin, region: string, department: number, employee: string): Promise<Fixture> {
  const n = await c.number({ region, department, employee });
  await charge(core.db, { accountId: n.accountId, subscriberId: n.subscriberId, amount: 12_345, kind: 'fee', category: 'calls', idempotencyKey: `iso:${n.subscriberId}`, at: core.clock.now() });
  await setNumberLimit(core, admin.ctx, { msisdn: n.msisdn, amount: 50_000, scope: 'both', action: 'notify' });
  const order = await createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'esim' });
  const bulk = await createBulkOperation(core, admin.ctx, { kind: 'move_department', departmentId: department, msisdns: [n.msisdn] });
  return { msisdn: n.msisdn, employee, order: order.id, bulk: bulk.id, report: '', bill: '', contract: c.contracts[region]!, department };
}

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  x = await makeCompany(core, 'ООО Икс-Секрет', { regions: ['77', '78'], departments: ['Отдел-1', 'Отдел-2'] });
  y = await makeCompany(core, 'ООО Игрек', { regions: ['16'], departments: ['Отдел-Y'] });
  xAdmin = await x.admin('contract_admin');
  xAccountant = await x.admin('accountant');
  xManager = await x.admin('department_manager', x.departments[0]!);
  yAdmin = await y.admin('contract_admin');
  x1 = await fixture(x, xAdmin, '77', x.departments[0]!, 'Алексеев Первый');
  x2 = await fixture(x, xAdmin, '78', x.departments[1]!, 'Борисов Второй');
  y1 = await fixture(y, yAdmin, '16', y.departments[0]!, 'Игреков Игрек');
  await core.db.query("INSERT INTO number_pool (msisdn, region_code, status) VALUES ('79169998877', '77', 'free')");
  await generateMonthlyReports(core, {});
  const reportOf = async (c: Company) => (await core.db.query<{ id: string }>('SELECT id::text AS id FROM business_report WHERE customer_id = $1', [c.id]))[0]!.id;
  x1.report = x2.report = await reportOf(x);
  y1.report = await reportOf(y);
  // The contracts' bills of March, issued as the job would once the month is over.
  await issueDueBills(core, { now: new Date('2026-04-01T00:00:00Z') });
  const billOf = async (f: Fixture) => (await core.db.query<{ id: string }>('SELECT id::text AS id FROM bill WHERE contract_id = $1', [f.contract]))[0]!.id;
  for (const f of [x1, x2, y1]) f.bill = await billOf(f);

  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
  routes = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith(P)) continue;
    for (const m of Object.keys(ops)) if (['get', 'put', 'post', 'delete', 'patch'].includes(m)) routes.push({ method: m.toUpperCase(), path });
  }
});

after(async () => {
  await app?.close();
  await env?.close();
});

const key = (r: Route) => `${r.method} ${r.path}`;

function call(r: Route, f: Fixture, headers: Record<string, string>): Promise<LightMyRequestResponse> {
  const inp = inputs[key(r)];
  assert.ok(inp, `no inputs known for ${key(r)}: add it to \`inputs\``);
  let url = r.path;
  for (const [name, value] of Object.entries(inp.params?.(f) ?? {})) url = url.replace(`{${name}}`, encodeURIComponent(value));
  assert.doesNotMatch(url, /[{}]/, `a path parameter of ${key(r)} has no value`);
  const body = inp.body?.(f);
  return app.inject({ method: r.method as 'GET', url, headers, ...(inp.query ? { query: inp.query(f) } : {}), ...(body !== undefined ? { payload: body as object } : {}) });
}

const bearer = (a: { token: string }) => ({ authorization: `Bearer ${a.token}` });

function problem(res: LightMyRequestResponse, status: number, codes: string[], label: string): void {
  assert.equal(res.statusCode, status, `${label}: expected ${status}, got ${res.statusCode} ${res.body.slice(0, 300)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, label);
  const p = res.json<{ code: string; title: string }>();
  assert.ok(codes.includes(p.code), `${label}: code ${p.code}, expected one of ${codes.join(', ')}`);
  assert.ok(p.title.length > 0);
}

/** What a caller must never see of a target: its number (any spelling), employee, ids. */
function secrets(f: Fixture): string[] {
  return [f.msisdn, f.msisdn.slice(1), f.employee, f.order, f.bulk];
}
function assertNoLeak(res: LightMyRequestResponse, f: Fixture, label: string, extra: string[] = []): void {
  assert.equal(res.statusCode, 200, `${label}: ${res.body.slice(0, 300)}`);
  for (const s of [...secrets(f), ...extra]) assert.ok(!res.body.includes(s), `${label} leaks ${s}`);
}

/** Everything of a company a request could change. */
async function snapshot(c: Company) {
  const q = async (sql: string) => (await core.db.query<{ r: string }>(`SELECT to_jsonb(t)::text AS r FROM (${sql}) t`, [c.id])).map((r) => r.r).sort();
  return {
    customer: await q('SELECT * FROM customer WHERE id = $1'),
    contracts: await q('SELECT * FROM contract WHERE customer_id = $1'),
    numbers: await q('SELECT s.*, a.balance, a.credit_limit FROM subscriber s JOIN account a ON a.id = s.account_id WHERE s.customer_id = $1'),
    limits: await q('SELECT * FROM number_limit WHERE customer_id = $1'),
    orders: await q('SELECT * FROM business_order WHERE customer_id = $1'),
    bulk: await q('SELECT * FROM bulk_operation WHERE customer_id = $1'),
    items: await q('SELECT i.* FROM bulk_item i JOIN bulk_operation o ON o.id = i.operation_id WHERE o.customer_id = $1'),
    ledger: await q('SELECT l.account_id, count(*) AS n, sum(l.amount) AS s FROM ledger_entry l JOIN subscriber s ON s.account_id = l.account_id WHERE s.customer_id = $1 GROUP BY 1'),
  };
}

test('every business route is enumerated from the app, and every one has inputs here', () => {
  assert.ok(routes.length >= 30, `${routes.length} routes`);
  for (const r of routes) assert.ok(inputs[key(r)], `no inputs for ${key(r)}`);
  assert.deepEqual(Object.keys(inputs).sort(), routes.map(key).sort(), 'no stale inputs');
});

test('the positive control: X’s contract admin reaches all of X, and the lists do show what the leak checks look for', async () => {
  for (const r of routes.filter((r) => r.method === 'GET')) {
    const res = await call(r, x2, bearer(xAdmin));
    assert.equal(res.statusCode, 200, `${key(r)}: ${res.body.slice(0, 300)}`);
  }
  const numbers = await call({ method: 'GET', path: `${P}/numbers` }, x2, bearer(xAdmin));
  for (const s of [x1.msisdn, x2.msisdn, x2.employee]) assert.ok(numbers.body.includes(s));
  const orders = await call({ method: 'GET', path: `${P}/orders` }, x2, bearer(xAdmin));
  assert.ok(orders.body.includes(x2.order));
  const analytics = await call({ method: 'GET', path: `${P}/analytics` }, x2, bearer(xAdmin));
  assert.ok(analytics.body.includes(x2.msisdn), 'top spenders name the number');
  const exported = await call({ method: 'GET', path: `${P}/analytics/export` }, x2, bearer(xAdmin));
  assert.ok(exported.body.includes(x2.employee));
});

test('every write works for X’s contract admin on X’s own number (so the refusals below are about access, not bad input)', async () => {
  const expected: Record<string, [number, string?]> = {
    [`POST ${P}/directory`]: [200],
    [`PUT ${P}/numbers/{msisdn}/department`]: [409, 'ALREADY_IN_DEPARTMENT'],
    [`POST ${P}/numbers/{msisdn}/block`]: [200],
    [`POST ${P}/numbers/{msisdn}/unblock`]: [200],
    [`PUT ${P}/numbers/{msisdn}/limit`]: [200],
    [`DELETE ${P}/numbers/{msisdn}/limit`]: [200],
    [`PATCH ${P}/contracts/{id}`]: [200],
    [`PATCH ${P}/settings`]: [200],
    [`PUT ${P}/reports/settings`]: [200],
    [`POST ${P}/bills/{id}/send`]: [200],
    [`POST ${P}/bulk-operations`]: [202],
    [`POST ${P}/orders`]: [409, 'CONFLICT'], // the number already has an open order
    [`POST ${P}/orders/{id}/approve`]: [409, 'ORDER_TRANSITION_INVALID'], // approved at creation
    [`POST ${P}/orders/{id}/reject`]: [200], // approved, not yet started by the operator
  };
  const writes = routes.filter((r) => r.method !== 'GET');
  assert.deepEqual(writes.map(key).sort(), Object.keys(expected).sort());
  const own = await fixture(x, xAdmin, '77', x.departments[0]!, 'Свой Номер');
  own.bill = x1.bill; // the same contract's bill
  for (const r of writes) {
    const res = await call(r, own, bearer(xAdmin));
    const [status, code] = expected[key(r)]!;
    assert.equal(res.statusCode, status, `${key(r)}: ${res.body.slice(0, 300)}`);
    if (code) assert.equal(res.json<{ code: string }>().code, code, key(r));
  }
  await app.inject({ method: 'PATCH', url: `${P}/settings`, headers: bearer(xAdmin), payload: { orderApproval: false } });
  await app.inject({ method: 'PUT', url: `${P}/reports/settings`, headers: bearer(xAdmin), payload: { languages: ['ru'] } });
  await app.inject({ method: 'PATCH', url: `${P}/contracts/${own.contract}`, headers: bearer(xAdmin), payload: { creditLimit: 0, denyContent: false } });
});

test("another company's admin gets 404 for everything of X on every route, sees nothing of X in any list, and changes nothing", async () => {
  const before = await snapshot(x);
  for (const r of routes) {
    const inp = inputs[key(r)]!;
    for (const target of [x1, x2]) {
      const res = await call(r, target, bearer(yAdmin));
      const label = `${key(r)} by Y for ${target.msisdn}`;
      if (inp.kind === 'list') assertNoLeak(res, x1, label, [...secrets(x2), 'Икс-Секрет']);
      else if (inp.kind === 'own') assert.equal(res.statusCode, 200, label);
      else if (r.path === `${P}/directory`) problem(res, 422, ['VALIDATION'], label);
      else problem(res, 404, ['SUBSCRIBER_NOT_FOUND', 'NOT_FOUND'], label);
    }
  }
  assert.deepEqual(await snapshot(x), before, "X's numbers, limits, orders, operations, contracts and money are unchanged");
  // Y's own data is there for Y (the lists were not simply empty).
  const mine = await call({ method: 'GET', path: `${P}/numbers` }, y1, bearer(yAdmin));
  assert.ok(mine.body.includes(y1.msisdn));
});

test('a department manager reaches only their department: 404 for the other department’s number, order and operation; company-wide writes are 403', async () => {
  const before = await snapshot(x);
  const roleOnly: Record<string, number> = { [`PATCH ${P}/contracts/{id}`]: 403, [`PATCH ${P}/settings`]: 403, [`PUT ${P}/reports/settings`]: 403, [`GET ${P}/reports`]: 403, [`GET ${P}/reports/{id}/download`]: 403, [`GET ${P}/bills`]: 403, [`GET ${P}/bills/{id}/pdf`]: 403, [`POST ${P}/bills/{id}/send`]: 403 };
  for (const r of routes) {
    const inp = inputs[key(r)]!;
    const res = await call(r, x2, bearer(xManager));
    const label = `${key(r)} by the manager of department 1 for ${x2.msisdn}`;
    if (roleOnly[key(r)]) problem(res, roleOnly[key(r)]!, ['FORBIDDEN'], label);
    else if (inp.kind === 'list') assertNoLeak(res, x2, label);
    else if (r.path === `${P}/directory`) problem(res, 422, ['VALIDATION'], label);
    else problem(res, 404, ['SUBSCRIBER_NOT_FOUND', 'NOT_FOUND'], label);
  }
  assert.deepEqual(await snapshot(x), before);
  // Their own department is theirs.
  const own = await call({ method: 'GET', path: `${P}/orders/{id}` }, x1, bearer(xManager));
  assert.equal(own.statusCode, 200);
  const list = await call({ method: 'GET', path: `${P}/numbers` }, x1, bearer(xManager));
  assert.ok(list.body.includes(x1.msisdn));
});

test("an accountant reads money and reports of the company but every write is 403 and changes nothing", async () => {
  const before = await snapshot(x);
  const writeOnlyReads = new Set([`GET ${P}/orders/{id}/qr`, `GET ${P}/free-numbers`]);
  for (const r of routes) {
    const res = await call(r, x2, bearer(xAccountant));
    const label = `${key(r)} by the accountant`;
    // Texting a bill's link to one's own phone changes nothing of the company: an accountant may.
    if ((r.method === 'GET' && !writeOnlyReads.has(key(r))) || key(r) === `POST ${P}/bills/{id}/send`) assert.equal(res.statusCode, 200, `${label}: ${res.body.slice(0, 200)}`);
    else problem(res, 403, ['FORBIDDEN'], label);
  }
  assert.deepEqual(await snapshot(x), before);
});

test('a subscriber, staff and anonymous callers get no business route', async () => {
  const before = await snapshot(x);
  const sub = await makeSubscriber(core);
  const subToken = (await createSession(core.db, core, { kind: 'subscriber', subjectId: sub.subscriberId, channel: 'web', method: 'test' })).token;
  // Even a number of X logged in as itself is not an admin of X.
  const xNumber = (await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [x1.msisdn]))[0]!.id;
  const employeeToken = (await createSession(core.db, core, { kind: 'subscriber', subjectId: xNumber, channel: 'web', method: 'test' })).token;
  const staffId = (await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('iso-staff@abonent.example', 'Staff', 'x') RETURNING id"))[0]!.id;
  const staffToken = (await createSession(core.db, core, { kind: 'staff', subjectId: staffId, channel: 'staff', method: 'test' })).token;
  for (const r of routes) {
    problem(await call(r, x1, {}), 401, ['UNAUTHENTICATED'], `${key(r)} anonymous`);
    problem(await call(r, x1, bearer({ token: 'z'.repeat(43) })), 401, ['UNAUTHENTICATED'], `${key(r)} unknown token`);
    problem(await call(r, x1, bearer({ token: subToken })), 403, ['FORBIDDEN'], `${key(r)} subscriber`);
    problem(await call(r, x1, bearer({ token: employeeToken })), 403, ['FORBIDDEN'], `${key(r)} X's own employee`);
    problem(await call(r, x1, bearer({ token: staffToken })), 403, ['FORBIDDEN'], `${key(r)} operator staff`);
  }
  assert.deepEqual(await snapshot(x), before);
});
