import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SANDBOX_CARDS } from '../../src/adapters/payments/sandbox.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { issueDueBills } from '../../src/domain/bills/issue-bills.ts';
import type { Core } from '../../src/domain/core.ts';
import { earnPoints } from '../../src/domain/bonus/earn-points.ts';
import { createInstallmentPlan } from '../../src/domain/installments/create-installment-plan.ts';
import { startTopUp } from '../../src/domain/payments/top-up.ts';
import { orderDetailReport } from '../../src/domain/reports/order-detail-report.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { createTicket } from '../../src/domain/support/create-ticket.ts';
import { createWidgetToken } from '../../src/domain/widget/create-widget-token.ts';
import type { BusinessRole } from '../../src/domain/shared/context.ts';
import { generateReports } from '../../src/jobs/generate-reports.ts';
import { answerLocatorConsent, askLocatorConsent } from '../../src/domain/locator/consent.ts';
import { depositVoicemail } from '../../src/domain/voicemail/deposit.ts';
import { setVoicemailGreeting } from '../../src/domain/voicemail/mailbox.ts';
import { toneWav } from '../helpers/wav.ts';
import { ledgerSum, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

// "Subscriber A can never read or change B", checked on every route the app registers under
// /api/v1/subscribers/:msisdn — the list comes from the app itself, so a new route is covered
// (or the test asks for its request body) without anyone remembering to add it here.

type Sub = Awaited<ReturnType<typeof makeSubscriber>>;
interface Route {
  method: string;
  /** OpenAPI form: /api/v1/subscribers/{msisdn}/products/{code} */
  path: string;
}
interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  requestId: string;
  [k: string]: unknown;
}

const PREFIX = '/api/v1/subscribers/{msisdn}';
const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What each number has, so a route's `{code}` or `{id}` names something real of that number. */
interface Fixture {
  plan: number;
  report: string;
  card: number;
  payment: string;
  ticket: string;
  widgetToken: string;
  bill: string;
  voicemail: number;
}
interface Input {
  query?: Record<string, string>;
  body?: Record<string, unknown> | ((f: Fixture) => Record<string, unknown>);
  params?: (f: Fixture) => Record<string, string>;
  /** A POST that changes nothing on the number, which a read-only accountant may send. */
  readOnly?: boolean;
  /**
   * A write whose precondition other writes of the same run undo (a family group's head cannot
   * also be a member; a tariff change may end sharing): for `me` this domain refusal is accepted
   * as well as a 2xx — it too shows the request passed validation and access and reached the use case.
   */
  mayRefuse?: string;
}

/** A product every prepared number has connected: what DELETE …/products/{code} would switch off. */
const CONNECTED = 'ringback';

/**
 * Request bodies, query strings and path parameters that pass each route's validation, so
 * authorization is what gets tested. A new write route must be added here (the test says so).
 */
const inputs: Record<string, Input> = {
  [`GET ${PREFIX}/tariff/quote`]: { query: { tariffCode: 'basic' } },
  [`GET ${PREFIX}/history`]: { query: { limit: '5' } },
  [`PUT ${PREFIX}/tariff`]: { body: { tariffCode: 'basic' } },
  [`POST ${PREFIX}/products`]: { body: { productCode: 'weather' } },
  [`DELETE ${PREFIX}/products/{code}`]: { params: () => ({ code: CONNECTED }) },
  [`POST ${PREFIX}/paid-services/stop-content`]: { body: { ban: true } },
  [`PUT ${PREFIX}/content-ban`]: { body: { enabled: true } },
  [`PATCH ${PREFIX}/preferences`]: { body: { language: 'en' } },
  [`PATCH ${PREFIX}/alerts`]: { body: { package80: true, lowBalance: 5000 } },
  [`PATCH ${PREFIX}/caps`]: { body: { monthly: 100_000, dataHard: true } },
  [`POST ${PREFIX}/caps/data-lift`]: { body: {}, mayRefuse: 'DATA_CAP_LIFT_NOT_ALLOWED' },
  [`GET ${PREFIX}/bonus/history`]: { query: { limit: '5' } },
  [`POST ${PREFIX}/bonus/exchange`]: { body: { rewardCode: 'sms_100' } },
  [`POST ${PREFIX}/installments`]: { body: { deviceName: 'Phone', total: 12_000, months: 12 } },
  [`POST ${PREFIX}/installments/{id}/pay`]: { body: { early: false }, params: (f) => ({ id: String(f.plan) }) },
  [`POST ${PREFIX}/reports`]: { body: { from: '2026-03-01', to: '2026-03-09' }, readOnly: true },
  [`GET ${PREFIX}/reports/{id}/download`]: { params: (f) => ({ id: f.report }) },
  [`GET ${PREFIX}/spending`]: { query: { month: '2026-03' } },
  [`GET ${PREFIX}/traffic`]: { query: { from: '2026-03-01', to: '2026-03-09' } },
  [`POST ${PREFIX}/promised-payment`]: { body: { amount: 10_000 } },
  [`PUT ${PREFIX}/trust-limit`]: { body: { limit: 0 } },
  [`POST ${PREFIX}/payments`]: { body: { amount: 10_000, saveCard: false, returnUrl: '/payments' } },
  [`POST ${PREFIX}/payments/card`]: { body: (f) => ({ amount: 10_000, cardId: f.card }) },
  [`GET ${PREFIX}/payments/{paymentId}`]: { params: (f) => ({ paymentId: f.payment }) },
  [`DELETE ${PREFIX}/cards/{cardId}`]: { params: (f) => ({ cardId: String(f.card) }) },
  [`PUT ${PREFIX}/auto-payment`]: { body: (f) => ({ mode: 'threshold', amount: 10_000, threshold: 5_000, cardId: f.card }) },
  [`POST ${PREFIX}/tickets`]: { body: { kind: 'question', subject: 'Roaming', text: 'How do I switch roaming on?' } },
  [`GET ${PREFIX}/tickets/{id}`]: { params: (f) => ({ id: f.ticket }) },
  [`POST ${PREFIX}/tickets/{id}/messages`]: { body: { text: 'One more thing' }, params: (f) => ({ id: f.ticket }) },
  [`POST ${PREFIX}/widget-tokens`]: { body: { label: 'My page' } },
  [`DELETE ${PREFIX}/widget-tokens/{id}`]: { params: (f) => ({ id: f.widgetToken }) },
  [`GET ${PREFIX}/bills/{id}/pdf`]: { params: (f) => ({ id: f.bill }) },
  [`POST ${PREFIX}/bills/{id}/send`]: { body: {}, params: (f) => ({ id: f.bill }), readOnly: true },
  [`POST ${PREFIX}/sharing`]: { body: () => ({ kind: 'data', amount: 1, to: third.msisdn }), mayRefuse: 'SHARE_NOT_ALLOWED' },
  [`POST ${PREFIX}/family/invitations`]: { body: () => ({ to: third.msisdn }), mayRefuse: 'FAMILY_NOT_ALLOWED' },
  [`POST ${PREFIX}/family/accept`]: { body: {}, mayRefuse: 'FAMILY_NOT_ALLOWED' },
  [`POST ${PREFIX}/family/leave`]: { body: {}, mayRefuse: 'FAMILY_NOT_ALLOWED' },
  [`DELETE ${PREFIX}/family/members/{member}`]: { params: () => ({ member: third.msisdn }), mayRefuse: 'FAMILY_NOT_ALLOWED' },
  [`PATCH ${PREFIX}/voicemail`]: { body: { enabled: true, noAnswerSeconds: 15 } },
  [`PUT ${PREFIX}/voicemail/greeting`]: { body: { kind: 'text', text: 'Перезвоню позже' } },
  [`PUT ${PREFIX}/voicemail/greeting/recording`]: { body: { wav: toneWav({ seconds: 1, rate: 16_000 }).toString('base64') } },
  [`GET ${PREFIX}/voicemail/messages/{id}/audio`]: { params: (f) => ({ id: String(f.voicemail) }) },
  [`POST ${PREFIX}/voicemail/messages/{id}/heard`]: { body: {}, params: (f) => ({ id: String(f.voicemail) }) },
  [`DELETE ${PREFIX}/voicemail/messages/{id}`]: { params: (f) => ({ id: String(f.voicemail) }) },
  [`PUT ${PREFIX}/family/members/{member}/limit`]: { body: { limit: 10_000 }, params: () => ({ member: third.msisdn }), mayRefuse: 'FAMILY_NOT_ALLOWED' },
  [`PUT ${PREFIX}/family/plan`]: { body: { plan: 'both' }, mayRefuse: 'FAMILY_NOT_ALLOWED' },
  // The friend locator: A may locate `third`, and `third` waits for A's answer (see before()).
  [`POST ${PREFIX}/locator/consents`]: { body: () => ({ target: third.msisdn }) },
  [`POST ${PREFIX}/locator/consents/answer`]: { body: () => ({ requester: third.msisdn, answer: 'yes' }) },
  [`DELETE ${PREFIX}/locator/consents/{requester}`]: { params: () => ({ requester: third.msisdn }) },
  [`PUT ${PREFIX}/locator/children/{child}`]: { body: { on: true }, params: () => ({ child: child.msisdn }) },
  [`POST ${PREFIX}/locator/locate`]: { body: () => ({ target: third.msisdn }) },
  // Ringback tones need the service on, which DELETE …/products/ringback or a tariff change may end.
  [`POST ${PREFIX}/ringback/library`]: { body: { melody: 'kalinka' }, mayRefuse: 'PRODUCT_NOT_CONNECTED' },
  [`POST ${PREFIX}/ringback/rules`]: { body: { melody: 'kalinka', callers: ['79160000001'] }, mayRefuse: 'PRODUCT_NOT_CONNECTED' },
  [`POST ${PREFIX}/ringback/remove`]: { body: { all: true } },
};

/** A number of neither A nor B that writes may name (a gift's or an invitation's recipient). */
let third: Sub;
/** A second number of A's own customer: a child number A may place under permanent consent. */
let child: Sub;

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let routes: Route[];
let routerTree: string;
let a: Sub;
let b: Sub;
let tokenA: string;
/** Tables with rows of one account or one subscriber: what a snapshot compares. */
let accountTables: string[];
let subscriberTables: string[];
const fixtures = new Map<string, Fixture>();

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  const cols = await core.db.query<{ table_name: string; column_name: string }>(
    // A month partition is read through its table (the audit log's with it, which is left out).
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN pg_class k ON k.oid = format('%I.%I', c.table_schema, c.table_name)::regclass
      WHERE c.table_schema = current_schema() AND c.column_name IN ('account_id', 'subscriber_id') AND NOT k.relispartition`,
  );
  accountTables = [...new Set(cols.filter((c) => c.column_name === 'account_id').map((c) => c.table_name))].sort();
  subscriberTables = [...new Set(cols.filter((c) => c.column_name === 'subscriber_id').map((c) => c.table_name))]
    .filter((t) => !accountTables.includes(t) && t !== 'audit_event')
    .sort();

  a = await prepare(await makeSubscriber(core));
  b = await prepare(await makeSubscriber(core));
  third = await makeSubscriber(core);
  child = await makeSubscriber(core, { customerId: a.customerId });
  await askLocatorConsent(core, subscriberCtx(a.subscriberId), { msisdn: 'me', target: third.msisdn });
  await answerLocatorConsent(core, subscriberCtx(third.subscriberId), { msisdn: 'me', requester: a.msisdn, answer: 'yes' });
  await askLocatorConsent(core, subscriberCtx(third.subscriberId), { msisdn: 'me', target: a.msisdn });
  await connectProduct(core, subscriberCtx(b.subscriberId), { msisdn: 'me', productCode: 'news' }); // paid content B could lose
  await makeReportsReady();
  await setPasswordHash(core.db, a.subscriberId, await hashPassword('pw-A-123'), new Date());
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: a.msisdn, password: 'pw-A-123' } });
  assert.equal(login.statusCode, 200, login.body);
  tokenA = login.json<{ token: string }>().token;

  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
  routes = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) continue;
    for (const m of Object.keys(ops)) {
      if (['get', 'put', 'post', 'delete', 'patch'].includes(m)) routes.push({ method: m.toUpperCase(), path });
    }
  }
  routerTree = app.printRoutes({ commonPrefix: false });
});

after(async () => {
  await app?.close();
  await env?.close();
});

/**
 * Gives a number what the routes act on: a connected product, bonus points to exchange, an
 * installment plan to pay, a detail report to download (made ready by makeReportsReady), and a
 * card saved by a top-up paid on the sandbox provider's page.
 */
async function prepare(s: Sub): Promise<Sub> {
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: CONNECTED });
  await earnPoints(core.db, { pointsPerRuble: 1, expiryMonths: 12 }, { accountId: s.accountId, subscriberId: s.subscriberId, spent: 50_000, at: core.clock.now() });
  const plan = await createInstallmentPlan(core, ctx, { msisdn: 'me', deviceName: 'Phone', total: 12_000, months: 12 });
  const report = await orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' });
  const topUp = await startTopUp(core, ctx, { msisdn: 'me', amount: 20_000, saveCard: true, returnUrl: '/payments' });
  const paid = await app.inject({
    method: 'POST',
    url: new URL(topUp.confirmationUrl ?? assert.fail('the top-up has a confirmation page'), 'http://localhost').pathname,
    payload: `card=${SANDBOX_CARDS.success}&expiry=12%2F30&action=pay`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.ok(paid.statusCode < 400, `sandbox payment: ${paid.statusCode} ${paid.body.slice(0, 200)}`);
  const card = (await core.db.query<{ id: number }>('SELECT id FROM saved_card WHERE account_id = $1 AND removed_at IS NULL', [s.accountId]))[0];
  assert.ok(card, 'the top-up saved a card');
  const ticket = await createTicket(core, ctx, { msisdn: 'me', kind: 'complaint', subject: 'Slow data', text: 'Pages load slowly' });
  const widget = await createWidgetToken(core, ctx, { msisdn: 'me', label: 'Blog' });
  // The month's bill, issued as the job would once the month is over.
  await issueDueBills(core, { now: new Date('2026-04-01T00:00:00Z') });
  const bill = (await core.db.query<{ id: string }>("SELECT id::text AS id FROM bill WHERE account_id = $1 AND period = '2026-03'", [s.accountId]))[0];
  assert.ok(bill, 'the March bill is issued');
  // A message in the mailbox and a recorded greeting, as a diverted call and the web app leave them.
  const vm = await depositVoicemail(core, { subscriberId: s.subscriberId, callId: `iso:${s.msisdn}`, caller: third?.msisdn ?? null, audio: toneWav({ seconds: 2 }) });
  assert.equal(vm.kind, 'kept');
  await setVoicemailGreeting(core, ctx, { msisdn: 'me', greeting: { kind: 'recorded', audio: toneWav({ seconds: 2, hz: 660 }) } });
  fixtures.set(s.msisdn, {
    plan: Number(plan.id),
    report: String(report.id),
    card: Number(card.id),
    payment: topUp.paymentId,
    ticket: ticket.id,
    widgetToken: widget.id,
    bill: bill.id,
    voicemail: vm.kind === 'kept' ? vm.id : 0,
  });
  return s;
}

async function makeReportsReady(): Promise<void> {
  const res = await generateReports(core, { limit: 100 });
  assert.deepEqual(res.failed, []);
}

/** "METHOD /full/path" of every route in Fastify's printRoutes tree. */
function routesInTree(tree: string): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const full = (depth > 0 ? (stack[depth - 1] ?? '') : '') + m[2]!;
    stack[depth] = full;
    stack.length = depth + 1;
    for (const method of m[3]?.split(', ') ?? []) out.add(`${method} ${full}`);
  }
  return out;
}

const key = (r: Route) => `${r.method} ${r.path}`;
const reads = () => routes.filter((r) => r.method === 'GET');
const writes = () => routes.filter((r) => WRITE.has(r.method));

/**
 * Sends one route for one number (as typed in the URL) with the inputs that pass validation; path
 * parameters name the fixtures of `owner` (by default the number itself, else B's).
 */
function call(r: Route, msisdn: string, headers: Record<string, string>, method = r.method, owner = msisdn): Promise<LightMyRequestResponse> {
  const inp = inputs[key(r)] ?? {};
  if (WRITE.has(r.method) && r.method !== 'DELETE' && !inp.body) assert.fail(`no valid request body known for ${key(r)}: add one to \`inputs\``);
  const fixture = fixtures.get(owner === 'me' ? a.msisdn : owner) ?? fixtures.get(b.msisdn)!;
  let url = r.path.replace('{msisdn}', encodeURIComponent(msisdn));
  for (const [name, value] of Object.entries(inp.params?.(fixture) ?? {})) url = url.replace(`{${name}}`, encodeURIComponent(value));
  assert.doesNotMatch(url, /[{}]/, `no value known for a path parameter of ${key(r)}: add \`params\` to \`inputs\``);
  return app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(inp.query ? { query: inp.query } : {}),
    ...(inp.body && method !== 'HEAD' ? { payload: typeof inp.body === 'function' ? inp.body(fixture) : inp.body } : {}),
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function assertProblem(res: LightMyRequestResponse, status: number, code: string, label: string): Problem | null {
  assert.equal(res.statusCode, status, `${label}: expected ${status} ${code}, got ${res.statusCode} ${res.body.slice(0, 300)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${label}: content-type`);
  if (res.body === '') return null; // HEAD
  const p = res.json<Problem>();
  assert.equal(p.code, code, label);
  assert.equal(p.status, status, label);
  assert.equal(p.type, `https://abonent.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`, label);
  assert.ok(typeof p.title === 'string' && p.title.length > 0, label);
  assert.equal(p.requestId, res.headers['x-request-id'], label);
  return p;
}

/**
 * Everything about a number that a request could change: its balance and ledger, then every row of
 * every table keyed by its account or subscriber (products, quotas, points, plans, reports, …, found
 * in the schema, so new tables count too), the SMS sent to it, and its audit trail apart from refusals.
 */
async function snapshot(s: Sub) {
  const rows = async (table: string, where: string, param: unknown) =>
    (await core.db.query<{ r: string }>(`SELECT to_jsonb(t)::text AS r FROM ${table} t WHERE ${where}`, [param])).map((x) => x.r).sort();
  const tables: Record<string, string[]> = {};
  for (const t of accountTables) tables[t] = await rows(t, 'account_id = $1', s.accountId);
  for (const t of subscriberTables) tables[t] = await rows(t, 'subscriber_id = $1', s.subscriberId);
  return {
    ledger: await ledgerSum(core, s.accountId),
    tables,
    account: await rows('account', 'id = $1', s.accountId),
    subscriber: await rows('subscriber', 'id = $1', s.subscriberId),
    sms: await rows('sms_message', 'msisdn = $1', s.msisdn),
    audit: await rows('audit_event', "subscriber_id = $1 AND outcome <> 'refused'", s.subscriberId),
    idempotency: await rows('idempotency_record', 'scope = $1', `account:${s.accountId}`),
  };
}

async function businessCustomer(name: string) {
  const id = (await core.db.query<{ id: number }>("INSERT INTO customer (kind, name) VALUES ('business', $1) RETURNING id", [name]))[0]!.id;
  const dept = async (n: string) => (await core.db.query<{ id: number }>('INSERT INTO department (customer_id, name) VALUES ($1, $2) RETURNING id', [id, n]))[0]!.id;
  return { id, dept };
}

let adminSeq = 0;
async function businessAdminToken(customerId: number, role: BusinessRole, departmentId: number | null = null): Promise<string> {
  adminSeq += 1;
  const adminId = (
    await core.db.query<{ id: number }>(
      `INSERT INTO business_admin (customer_id, department_id, email, phone, name, role, password_hash)
       VALUES ($1, $2, $3, $4, $5, $6, 'not-used') RETURNING id`,
      [customerId, departmentId, `admin${adminSeq}@iso.example`, `7900777${String(adminSeq).padStart(4, '0')}`, `Admin ${adminSeq}`, role],
    )
  )[0]!.id;
  return (await createSession(core.db, core, { kind: 'business_admin', subjectId: adminId, channel: 'business', method: 'test' })).token;
}

test('the route list comes from the app: OpenAPI and the router agree on every /subscribers/:msisdn route', () => {
  const tree = routesInTree(routerTree);
  const fromRouter = [...tree].filter((r) => /^[A-Z]+ \/api\/v1\/subscribers\/:msisdn(\/|$)/.test(r));
  const fromOpenApi = routes.map((r) => `${r.method} ${r.path.replace(/\{(\w+)\}/g, ':$1')}`);
  assert.deepEqual(fromRouter.filter((r) => !r.startsWith('HEAD ')).sort(), [...fromOpenApi].sort(), 'a route hidden from OpenAPI would escape this test');
  assert.deepEqual(
    fromRouter.filter((r) => r.startsWith('HEAD ')).sort(),
    fromOpenApi.filter((r) => r.startsWith('GET ')).map((r) => r.replace(/^GET/, 'HEAD')).sort(),
    'every GET also answers HEAD',
  );
  // The enumeration is real: the routes we know of are all in it, reads and writes alike.
  for (const known of ['GET /balance', 'GET ', 'PUT /tariff', 'POST /products', 'DELETE /products/{code}', 'PATCH /preferences', 'GET /history']) {
    const [m, suffix] = known.split(' ') as [string, string];
    assert.ok(routes.some((r) => r.method === m && r.path === PREFIX + suffix), `${known} is enumerated`);
  }
  assert.ok(reads().length >= 8 && writes().length >= 6, `${reads().length} reads, ${writes().length} writes`);
});

test("A, logged in through POST /auth/login, gets 404 SUBSCRIBER_NOT_FOUND on every route for B's number, in every spelling; B is untouched", async () => {
  const before = await snapshot(b);
  const spellings = [b.msisdn, `+${b.msisdn}`, `8${b.msisdn.slice(1)}`, `+7 (${b.msisdn.slice(1, 4)}) ${b.msisdn.slice(4, 7)}-${b.msisdn.slice(7, 9)}-${b.msisdn.slice(9)}`];
  let n = 0;
  for (const r of routes) {
    for (const spelling of spellings) {
      const headers = { ...bearer(tokenA), ...(r.method === 'POST' ? { 'idempotency-key': `iso-${++n}` } : {}) };
      const res = await call(r, spelling, headers);
      const p = assertProblem(res, 404, 'SUBSCRIBER_NOT_FOUND', `${key(r)} as A for ${spelling}`);
      assert.equal(p?.msisdn, spelling, 'the answer echoes only what was asked');
      for (const field of ['balance', 'tariff', 'iccid', 'items', 'paid', 'language']) assert.ok(!(field in (p ?? {})), `${key(r)} leaks ${field}`);
      if (r.method === 'GET') assertProblem(await call(r, spelling, bearer(tokenA), 'HEAD'), 404, 'SUBSCRIBER_NOT_FOUND', `HEAD ${r.path} as A`);
    }
  }
  assert.deepEqual(await snapshot(b), before, "B's balance, ledger, products, quotas, settings and audit trail are unchanged");
});

test("every write A attempts on B's number is in the audit log as a refusal by A, not as an action on B", async () => {
  const attempts: [string, string][] = [];
  for (const r of writes()) attempts.push([key(r), String((await call(r, b.msisdn, bearer(tokenA))).headers['x-request-id'])]);
  const audited = await core.db.query<{ request_id: string; actor_kind: string; actor_id: string; outcome: string; subscriber_id: number | null; details: { code: string } }>(
    'SELECT request_id, actor_kind, actor_id, outcome, subscriber_id, details FROM audit_event WHERE request_id = ANY($1::text[])',
    [attempts.map(([, id]) => id)],
  );
  const missing = attempts.filter(([, id]) => !audited.some((e) => e.request_id === id)).map(([route]) => route);
  assert.deepEqual(missing, [], 'refused attempts missing from the audit log');
  for (const e of audited) {
    assert.deepEqual([e.actor_kind, String(e.actor_id), e.outcome, e.details.code], ['subscriber', String(a.subscriberId), 'refused', 'SUBSCRIBER_NOT_FOUND']);
    assert.notEqual(Number(e.subscriber_id), b.subscriberId);
  }
  assert.equal(audited.length, attempts.length, 'each attempt is audited once');
});

test("the answer for B's number cannot be told apart from the answer for a number nobody has", async () => {
  const nobody = '79559999999';
  for (const r of routes) {
    const forB = (await call(r, b.msisdn, bearer(tokenA))).json<Problem>();
    const forNobody = (await call(r, nobody, bearer(tokenA))).json<Problem>();
    const strip = ({ requestId: _r, msisdn: _m, ...rest }: Problem) => rest;
    assert.deepEqual(strip(forB), strip(forNobody), key(r));
  }
});

test('the same routes with `me` work for A: every read 200 (HEAD too), every write 2xx; B stays untouched', async () => {
  const before = await snapshot(b);
  for (const r of reads()) {
    const res = await call(r, 'me', bearer(tokenA));
    assert.equal(res.statusCode, 200, `${key(r)} for me: ${res.body.slice(0, 300)}`);
    if (/json/.test(String(res.headers['content-type']))) assert.equal(res.json<{ msisdn?: string }>().msisdn ?? a.msisdn, a.msisdn, `${key(r)} answers about A`);
    assert.equal((await call(r, 'me', bearer(tokenA), 'HEAD')).statusCode, 200, `HEAD ${r.path} for me`);
  }
  const entriesBefore = (await ledgerSum(core, a.accountId)).entries;
  // Deletes last: removing the saved card first would leave nothing to pay with.
  for (const r of [...writes().filter((w) => w.method !== 'DELETE'), ...writes().filter((w) => w.method === 'DELETE')]) {
    const res = await call(r, 'me', bearer(tokenA));
    const refusal = inputs[key(r)]?.mayRefuse;
    if (refusal && res.statusCode === 409) assert.equal(res.json<Problem>().code, refusal, `${key(r)} for me: ${res.body.slice(0, 300)}`);
    else assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${key(r)} for me: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }
  // The writes really happened to A (so the 404s for B were refusals, not bad requests).
  const mine = (await core.db.query<{ tariff_code: string; language: string; content_ban: boolean }>('SELECT tariff_code, language, content_ban FROM subscriber WHERE id = $1', [a.subscriberId]))[0]!;
  assert.deepEqual(mine, { tariff_code: 'basic', language: 'en', content_ban: true });
  const after = await ledgerSum(core, a.accountId);
  assert.ok(after.entries > entriesBefore, 'money moved on A’s account');
  assert.equal(after.balance, Number(after.sum), 'and A’s balance is still the sum of its ledger');
  assert.deepEqual(await snapshot(b), before);
});

test('anonymous callers, unknown tokens and ended sessions get 401 UNAUTHENTICATED on every route', async () => {
  const before = await snapshot(b);
  const extra = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: a.msisdn, password: 'pw-A-123' } });
  const ended = extra.json<{ token: string }>().token;
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(ended) })).statusCode, 200);
  const callers: [string, Record<string, string>][] = [
    ['anonymous', {}],
    ['unknown token', bearer('x'.repeat(43))],
    ['ended session', bearer(ended)],
    ['unknown cookie', { cookie: `abonent_session=${'y'.repeat(43)}` }],
    ['unknown api key', bearer('abk_0000000000000000000000000000')],
  ];
  for (const [who, headers] of callers) {
    for (const r of routes) {
      for (const msisdn of [b.msisdn, 'me']) assertProblem(await call(r, msisdn, headers), 401, 'UNAUTHENTICATED', `${key(r)} ${msisdn} by ${who}`);
    }
  }
  assert.deepEqual(await snapshot(b), before);
});

test("a business admin sees its own company's numbers only: 404 on a person's number and on another company's, 200 on its own", async () => {
  const x = await businessCustomer('ООО Икс');
  const y = await businessCustomer('ООО Игрек');
  const ownNumber = await prepare(await makeSubscriber(core, { customerId: x.id, tariffCode: 'business_smart' }));
  await makeReportsReady();
  const otherCompany = await makeSubscriber(core, { customerId: y.id, tariffCode: 'business_smart' });
  const adminX = await businessAdminToken(x.id, 'contract_admin');
  const beforeB = await snapshot(b);
  const beforeOther = await snapshot(otherCompany);

  for (const r of routes) {
    for (const target of [b, otherCompany]) {
      assertProblem(await call(r, target.msisdn, bearer(adminX)), 404, 'SUBSCRIBER_NOT_FOUND', `${key(r)} by admin of X for ${target.msisdn}`);
    }
    assertProblem(await call(r, 'me', bearer(adminX)), 404, 'SUBSCRIBER_NOT_FOUND', `${key(r)} me by admin`);
  }
  for (const r of reads()) {
    const res = await call(r, ownNumber.msisdn, bearer(adminX));
    assert.equal(res.statusCode, 200, `${key(r)} own number: ${res.body.slice(0, 300)}`);
  }
  assert.deepEqual(await snapshot(b), beforeB);
  assert.deepEqual(await snapshot(otherCompany), beforeOther);

  // And the other company's admin cannot see X's number either.
  const adminY = await businessAdminToken(y.id, 'contract_admin');
  for (const r of routes) assertProblem(await call(r, ownNumber.msisdn, bearer(adminY)), 404, 'SUBSCRIBER_NOT_FOUND', `${key(r)} by admin of Y`);
  assert.equal((await call(reads()[0]!, otherCompany.msisdn, bearer(adminY))).statusCode, 200);
});

test("an accountant reads its company's numbers, every write is 403 FORBIDDEN and changes nothing; a contract admin's same write works", async () => {
  const x = await businessCustomer('ООО Бухгалтерия');
  const own = await prepare(await makeSubscriber(core, { customerId: x.id, tariffCode: 'business_smart' }));
  await makeReportsReady();
  const accountant = await businessAdminToken(x.id, 'accountant');
  for (const r of reads()) {
    const res = await call(r, own.msisdn, bearer(accountant));
    assert.equal(res.statusCode, 200, `${key(r)} by accountant: ${res.body.slice(0, 300)}`);
  }
  // (A download is audited, so the picture is taken after the reads.)
  const before = await snapshot(own);
  const beforeB = await snapshot(b);
  const changing = writes().filter((r) => !inputs[key(r)]?.readOnly);
  assert.ok(changing.length >= 6);
  for (const r of changing) {
    const p = assertProblem(await call(r, own.msisdn, bearer(accountant)), 403, 'FORBIDDEN', `${key(r)} by accountant`);
    assert.equal(p?.reason, 'read_only_role');
  }
  for (const r of writes()) {
    // Someone else's number is still "not found", never "forbidden": no hint that it exists.
    assertProblem(await call(r, b.msisdn, bearer(accountant)), 404, 'SUBSCRIBER_NOT_FOUND', `${key(r)} by accountant on B`);
  }
  assert.deepEqual(await snapshot(own), before, 'nothing changed on the number');
  assert.deepEqual(await snapshot(b), beforeB);
  // What changes nothing on the number (ordering a report) the accountant may do.
  for (const r of writes().filter((w) => inputs[key(w)]?.readOnly)) {
    const res = await call(r, own.msisdn, bearer(accountant));
    assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${key(r)} by accountant: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }

  const admin = await businessAdminToken(x.id, 'contract_admin');
  const products = writes().find((r) => r.method === 'POST' && r.path === `${PREFIX}/products`)!;
  const ok = await call(products, own.msisdn, bearer(admin));
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal(ok.json<{ productCode: string }>().productCode, 'weather');
});

test('a department manager sees only the numbers of its own department', async () => {
  const x = await businessCustomer('ООО Отделы');
  const sales = await x.dept('Продажи');
  const support = await x.dept('Поддержка');
  const inSales = await makeSubscriber(core, { customerId: x.id, tariffCode: 'business_smart', departmentId: sales });
  const inSupport = await makeSubscriber(core, { customerId: x.id, tariffCode: 'business_smart', departmentId: support });
  const noDept = await makeSubscriber(core, { customerId: x.id, tariffCode: 'business_smart' });
  for (const s of [inSales, inSupport, noDept]) await prepare(s);
  await makeReportsReady();
  const manager = await businessAdminToken(x.id, 'department_manager', sales);
  const managerWithoutDept = await businessAdminToken(x.id, 'department_manager', null);
  const before = { inSupport: await snapshot(inSupport), noDept: await snapshot(noDept), b: await snapshot(b) };

  for (const r of reads()) {
    const res = await call(r, inSales.msisdn, bearer(manager));
    assert.equal(res.statusCode, 200, `${key(r)} own department: ${res.body.slice(0, 300)}`);
  }
  for (const r of routes) {
    for (const s of [inSupport, noDept, b]) assertProblem(await call(r, s.msisdn, bearer(manager)), 404, 'SUBSCRIBER_NOT_FOUND', `${key(r)} manager on ${s.msisdn}`);
    for (const s of [inSales, inSupport, noDept]) {
      assertProblem(await call(r, s.msisdn, bearer(managerWithoutDept)), 404, 'SUBSCRIBER_NOT_FOUND', `${key(r)} manager without department on ${s.msisdn}`);
    }
  }
  assert.deepEqual({ inSupport: await snapshot(inSupport), noDept: await snapshot(noDept), b: await snapshot(b) }, before);
});
