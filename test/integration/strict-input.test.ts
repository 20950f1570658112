import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { importCdrFile } from '../../src/cli/import-cdr.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { ingestUsage } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { postEntry } from '../../src/domain/ledger/post-entry.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { MAX_AMOUNT_KOPECKS, MAX_BALANCE_KOPECKS } from '../../src/domain/shared/strict-input.ts';
import { makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { operatorAuth } from '../helpers/tmf.ts';

// Strict input on every API that takes it (issue 15, item 6): NUL and lone surrogates at any
// depth, bounded amounts, numbers only as JSON numbers or plain decimals, dates that exist and
// usage within a window around the clock's now. Each refusal is a 4xx and writes nothing.

type Sub = Awaited<ReturnType<typeof makeSubscriber>>;

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let op: { authorization: string };
let me: { authorization: string };
let s: Sub;
let rich: Sub;
let offeringId: string;
let before0: Record<string, number>;

const CATALOG = '/tmf-api/productCatalogManagement/v4';
const BALANCE = '/tmf-api/prepayBalanceManagement/v4';
const ORDERING = '/tmf-api/productOrderingManagement/v4';
const USAGE = '/tmf-api/usageManagement/v4';

/** Rows of every table a refused request could write, and the sum of all balances. */
async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['ledger_entry', 'usage_record', 'tmf_balance_action', 'tmf_product_order', 'tmf_resource', 'product', 'product_instance', 'promised_payment', 'payment', 'auto_payment', 'idempotency_record']) {
    out[t] = (await core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`))[0]!.n;
  }
  out.balances = (await core.db.query<{ n: number }>('SELECT COALESCE(SUM(balance), 0)::bigint AS n FROM account'))[0]!.n;
  return out;
}

function send(method: string, url: string, body: string, auth: Record<string, string>, type = 'application/json'): Promise<LightMyRequestResponse> {
  return app.inject({ method: method as 'POST', url, payload: body, headers: { ...auth, 'content-type': type, host: 'abonent.test' } });
}

const nested = (depth: number, leaf: string) => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

/** A valid body of each route with `x` holding the given JSON text. */
function bodies(x: string): [string, string, string, string?][] {
  const topup = `{"amount":{"amount":1,"units":"RUB"},"usageType":"monetary","bucket":[{"id":"money-${s.msisdn}"}],"partyAccount":{"id":"${s.accountId}"},"x":${x}}`;
  return [
    ['POST', `${CATALOG}/productOffering`, `{"name":"Nested","x":${x}}`],
    ['PATCH', `${CATALOG}/productOffering/${offeringId}`, `{"description":"changed","x":${x}}`, 'application/merge-patch+json'],
    ['POST', `${ORDERING}/productOrder`, `{"relatedParty":[{"id":"${s.msisdn}"}],"productOrderItem":[{"id":"1","action":"add","productOffering":{"id":"weather"}}],"x":${x}}`],
    ['POST', `${BALANCE}/topupBalance`, topup],
  ];
}

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  op = await operatorAuth(core);
  s = await makeSubscriber(core);
  rich = await makeSubscriber(core);
  const session = await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' });
  me = { authorization: `Bearer ${session.token}` };
  const created = await send('POST', `${CATALOG}/productOffering`, JSON.stringify({ name: 'Patched later', category: [{ id: 'option' }] }), op);
  assert.equal(created.statusCode, 201, created.body);
  offeringId = String(created.json<{ id: string }>().id);
  // A balance just inside the store's bound, as years of corporate top-ups might leave it.
  await postEntry(core.db, { accountId: rich.accountId, amount: MAX_BALANCE_KOPECKS - 100_000 - 1000, kind: 'adjustment', idempotencyKey: 'near-bound', at: env.clock.now() });
  before0 = await counts();
});

after(async () => {
  await app?.close();
  await env?.close();
});

test('NUL and lone surrogates nested 30 and 10,000 levels deep are 400 on TMF catalog POST/PATCH, productOrder and topupBalance', async () => {
  const text = /NUL or broken Unicode/;
  const deep = /nested deeper than 64 levels/;
  const cases: [string, string, RegExp][] = [
    ['NUL at depth 30', nested(30, '"a\\u0000b"'), text],
    ['lone surrogate at depth 30', nested(30, '"\\ud800"'), text],
    ['lone low surrogate as a key at depth 30', nested(30, '{"\\udc00":1}'), text],
    // Deeper than any body an API takes: refused for its depth, wherever the NUL is.
    ['NUL at depth 10,000', nested(10_000, '"a\\u0000"'), deep],
    ['clean text at depth 10,000', nested(10_000, '"fine"'), deep],
    ['arrays 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000), deep],
  ];
  for (const [label, x, why] of cases) {
    for (const [method, url, body, type] of bodies(x)) {
      const res = await send(method, url, body, op, type);
      assert.equal(res.statusCode, 400, `${label}: ${method} ${url}: ${res.body.slice(0, 300)}`);
      const p = res.json<{ code: string; detail: string }>();
      assert.equal(p.code, 'VALIDATION', label);
      assert.match(p.detail, why, label);
    }
  }
  // The same guard on the self-service API.
  const res = await send('PUT', '/api/v1/subscribers/me/auto-payment', `{"mode":"threshold","amount":100,"cardId":1,"x":${nested(40, '"\\u0000"')}}`, me);
  assert.equal(res.statusCode, 400, res.body);
  // Refused before any use case ran: nothing was written.
  assert.deepEqual(await counts(), before0);
});

test('TMF amounts: "0x10", "1e3", " 5 ", fractions of a kopeck and anything past 10^12 kopecks are 400', async () => {
  const topup = (amount: unknown) =>
    send('POST', `${BALANCE}/topupBalance`, JSON.stringify({ amount: { amount, units: 'RUB' }, usageType: 'monetary', bucket: [{ id: `money-${s.msisdn}` }], partyAccount: { id: String(s.accountId) } }), op);
  for (const amount of ['0x10', '1e3', ' 5 ', '5 ', '+5', '5.', '.5', '1,5', 'Infinity', '', 1.005, 2 ** 53, 2 ** 53 / 100, MAX_AMOUNT_KOPECKS / 100 + 0.01, '9007199254740993']) {
    const res = await topup(amount);
    assert.equal(res.statusCode, 400, `${JSON.stringify(amount)}: ${res.body}`);
    assert.equal(res.json<{ code: string }>().code, 'VALIDATION');
  }
  const price = await send('POST', `${CATALOG}/productOffering`, JSON.stringify({ name: 'Hex price', productOfferingPrice: [{ priceType: 'oneTime', price: { unit: 'RUB', value: '0x10' } }] }), op);
  assert.equal(price.statusCode, 400, price.body);
  const patchPrice = await send('PATCH', `${CATALOG}/productOffering/${offeringId}`, JSON.stringify({ productOfferingPrice: [{ priceType: 'recurring', recurringChargePeriodType: 'month', price: { unit: 'RUB', value: 2 ** 53 } }] }), op, 'application/merge-patch+json');
  assert.equal(patchPrice.statusCode, 400, patchPrice.body);
  assert.deepEqual(await counts(), before0);
  // A plain decimal string is still a number of roubles.
  const ok = await topup('12.30');
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal((await counts()).ledger_entry, before0.ledger_entry! + 1);
  before0 = await counts();
});

test('a top-up that would lift a balance past the bound is refused with BALANCE_LIMIT_EXCEEDED, not a 500', async () => {
  const res = await send(
    'POST',
    `${BALANCE}/topupBalance`,
    JSON.stringify({ amount: { amount: MAX_AMOUNT_KOPECKS / 100, units: 'RUB' }, usageType: 'monetary', bucket: [{ id: `money-${rich.msisdn}` }], partyAccount: { id: String(rich.accountId) } }),
    op,
  );
  assert.equal(res.statusCode, 422, res.body);
  assert.equal(res.json<{ code: string }>().code, 'BALANCE_LIMIT_EXCEEDED');
  assert.deepEqual(await counts(), before0);
});

test('self-service amounts past 10^12 kopecks or not integers are 400 and book nothing', async () => {
  const cases: [string, string, unknown][] = [
    ['POST', '/api/v1/subscribers/me/promised-payment', { amount: 2 ** 53 }],
    ['POST', '/api/v1/subscribers/me/payments', { amount: MAX_AMOUNT_KOPECKS + 1 }],
    ['POST', '/api/v1/subscribers/me/payments', { amount: '0x10' }],
    ['POST', '/api/v1/subscribers/me/payments', { amount: '100' }],
    ['PUT', '/api/v1/subscribers/me/auto-payment', { mode: 'threshold', amount: 10_000, threshold: 2 ** 53, cardId: 1 }],
    ['PUT', '/api/v1/subscribers/me/auto-payment', { mode: 'monthly', amount: 10_000, dayOfMonth: 1, cardId: 1, monthlyLimit: 1e15 }],
    ['PUT', '/api/v1/subscribers/me/trust-limit', { limit: -(2 ** 53) }],
    ['POST', '/api/v1/subscribers/me/installments', { productCode: 'x', total: 1e15, months: 3 }],
  ];
  for (const [method, url, body] of cases) {
    const res = await send(method, url, JSON.stringify(body), me);
    assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`);
  }
  assert.deepEqual(await counts(), before0);
});

test('numbers in query strings and paths are digits only: 0x10, 1e3 and " 5 " are 400', async () => {
  for (const v of ['0x10', '1e3', '%205%20', '5.0', '-1', '']) {
    const tmf = await app.inject({ url: `${BALANCE}/topupBalance?limit=${v}`, headers: op });
    assert.equal(tmf.statusCode, 400, `TMF limit=${v}: ${tmf.body}`);
    const api = await app.inject({ url: `/api/v1/subscribers/me/history?limit=${v}`, headers: me });
    assert.equal(api.statusCode, 400, `API limit=${v}: ${api.body}`);
  }
  assert.equal((await app.inject({ url: `${BALANCE}/topupBalance?limit=5`, headers: op })).statusCode, 200);
  assert.equal((await app.inject({ url: '/api/v1/subscribers/me/history?limit=5', headers: me })).statusCode, 200);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/subscribers/me/cards/0x10', headers: me })).statusCode, 400);
});

test('TMF usage dated 2026-02-30, in 1970 or in 2099 is 400 and rates nothing', async () => {
  for (const usageDate of ['2026-02-30T10:00:00Z', '2026-02-29T10:00:00Z', '2026-03-10T24:30:00Z', '1970-01-01T00:00:00Z', '2099-01-01T00:00:00Z', 'March 9 2026', '2026-03-09 10:00']) {
    const res = await send('POST', `${USAGE}/usage`, JSON.stringify({ usageType: 'sms', usageDate, relatedParty: [{ id: s.msisdn }] }), op);
    assert.equal(res.statusCode, 400, `${usageDate}: ${res.body}`);
  }
  assert.deepEqual(await counts(), before0);
});

test('a usage batch books the good records and refuses the others one by one, each with its reason', async () => {
  const now = env.clock.now().getTime();
  const at = (ms: number) => new Date(now + ms).toISOString();
  const day = 86_400_000;
  const records = [
    { recordId: 'ok-now', startedAt: at(-3_600_000) },
    { recordId: 'ok-89-days', startedAt: at(-89 * day) },
    { recordId: 'feb-30', startedAt: '2026-02-30T10:00:00Z' },
    { recordId: 'y1970', startedAt: '1970-01-01T00:00:00Z' },
    { recordId: 'y2099', startedAt: '2099-01-01T00:00:00Z' },
    { recordId: 'too-old', startedAt: at(-91 * day) },
    { recordId: 'too-new', startedAt: at(2 * day) },
  ].map((r) => ({ ...r, msisdn: s.msisdn, kind: 'sms' as const, zone: 'home' as const }));
  const res = await send('POST', '/api/v1/usage', JSON.stringify({ records }), op);
  assert.equal(res.statusCode, 200, res.body);
  const out = res.json<{ accepted: number; rejected: { recordId: string; reason: string }[] }>();
  assert.equal(out.accepted, 2);
  const reasons = Object.fromEntries(out.rejected.map((r) => [r.recordId, r.reason]));
  assert.match(reasons['feb-30']!, /exists in the calendar/);
  assert.match(reasons.y1970!, /more than 90 days ago/);
  assert.match(reasons['too-old']!, /more than 90 days ago/);
  assert.match(reasons.y2099!, /more than 1 days ahead/);
  assert.match(reasons['too-new']!, /more than 1 days ahead/);
  assert.equal(Object.keys(reasons).length, 5);
  const now2 = await counts();
  assert.equal(now2.usage_record, before0.usage_record! + 2);
  // The window follows the settings, judged against the domain's clock.
  const wide = { ...core, settings: { ...core.settings, usageMaxAgeDays: 200 } };
  const late = await ingestUsage(wide, systemCtx('test'), [{ recordId: 'ok-150-days', msisdn: s.msisdn, kind: 'sms', zone: 'home', startedAt: at(-150 * day) }]);
  assert.equal(late.accepted, 1, JSON.stringify(late.rejected));
  before0 = await counts();
});

test('import-cdr reports each refused record with its reason and books the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-'));
  try {
    const file = join(dir, 'cdr.csv');
    const t = new Date(env.clock.now().getTime() - 3_600_000).toISOString();
    writeFileSync(
      file,
      [
        'record_id,msisdn,kind,zone,started_at,duration_seconds,bytes,counterpart',
        `cdr-ok,${s.msisdn},voice,home,${t},60,,`,
        `cdr-feb30,${s.msisdn},voice,home,2026-02-30T10:00:00Z,60,,`,
        `cdr-1970,${s.msisdn},voice,home,1970-01-01T00:00:00Z,60,,`,
        `cdr-hex,${s.msisdn},voice,home,${t},0x10,,`,
      ].join('\n'),
    );
    const refused: { recordId: string; reason: string }[] = [];
    const res = await importCdrFile(core, file, { onRejected: (r) => refused.push(r) });
    assert.equal(res.accepted, 1);
    assert.equal(res.rejected, 3);
    assert.deepEqual(refused.map((r) => r.recordId).sort(), ['cdr-1970', 'cdr-feb30', 'cdr-hex']);
    assert.ok(refused.every((r) => r.reason.length > 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
