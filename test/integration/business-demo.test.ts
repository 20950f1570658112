import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { runBulkOperations } from '../../src/domain/business/run-bulk.ts';
import type { Core } from '../../src/domain/core.ts';
import { DEMO, seedDemoAccounts } from '../../src/seed/seed-demo.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { testApp, testCore, type TestEnv } from '../helpers/core.ts';

// The demo business customer as a fresh install seeds it, reached the way an admin reaches it:
// email and password, then the code sent by SMS; then the portal's main screens over HTTP.

let env: TestEnv;
let core: Core;
let app: FastifyInstance;

before(async () => {
  env = await testCore();
  core = env.core;
  await seedDemoAccounts(core, { businessNumbers: 30 });
  app = await testApp(core);
});

after(async () => {
  await app?.close();
  await env?.close();
});

async function login(email: string, password: string, phone: string, on: { app: FastifyInstance; core: Core } = { app, core }): Promise<Record<string, string>> {
  const { app, core } = on;
  const step1 = await app.inject({ method: 'POST', url: '/api/v1/auth/business/login', payload: { email, password } });
  assert.equal(step1.statusCode, 200, step1.body);
  const { challenge } = step1.json<{ challenge: string }>();
  const [sms] = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id DESC LIMIT 1", [phone]);
  const code = /(\d{6})/.exec(sms!.text)![1]!;
  const step2 = await app.inject({ method: 'POST', url: '/api/v1/auth/business/verify', payload: { email, challenge, code } });
  assert.equal(step2.statusCode, 200, step2.body);
  return { authorization: `Bearer ${step2.json<{ token: string }>().token}` };
}

test('the demo admin logs in with password and SMS code and finds numbers, spending, a limit, an order, a contract filter and last month’s report', async () => {
  const h = await login(DEMO.businessAdmin.email, DEMO.businessAdmin.password, DEMO.businessAdmin.phone);
  const me = (await app.inject({ url: '/api/v1/business/me', headers: h })).json<{ customer: { name: string }; departments: unknown[]; regions: unknown[]; can: { changeContract: boolean } }>();
  assert.equal(me.customer.name, 'ООО «Ромашка»');
  assert.equal(me.departments.length, 4);
  assert.ok(me.regions.length >= 3);
  assert.ok(me.can.changeContract);
  const numbers = (await app.inject({ url: '/api/v1/business/numbers?limit=10', headers: h })).json<{ total: number; items: { employeeName: string | null }[] }>();
  assert.equal(numbers.total, 30);
  assert.ok(numbers.items.every((i) => i.employeeName));
  const limits = (await app.inject({ url: '/api/v1/business/limits', headers: h })).json<{ items: unknown[] }>();
  assert.equal(limits.items.length, 3);
  const orders = (await app.inject({ url: '/api/v1/business/orders', headers: h })).json<{ items: { simType: string; activationCode: string }[] }>();
  assert.equal(orders.items[0]!.simType, 'esim');
  assert.ok(orders.items[0]!.activationCode.startsWith('LPA:1$'));
  const contracts = (await app.inject({ url: '/api/v1/business/contracts', headers: h })).json<{ items: { regionCode: string; denyContent: boolean }[] }>();
  assert.ok(contracts.items.find((c) => c.regionCode === '77')!.denyContent);
  const analytics = (await app.inject({ url: '/api/v1/business/analytics', headers: h })).json<{ previousTotal: number; byMonth: { amount: number }[] }>();
  assert.ok(analytics.previousTotal > 0, 'last month has spending to compare with');
  const reports = (await app.inject({ url: '/api/v1/business/reports', headers: h })).json<{ items: { id: string; total: number }[] }>();
  assert.equal(reports.items.length, 1);
  assert.equal(reports.items[0]!.total, analytics.previousTotal);
  const free = (await app.inject({ url: '/api/v1/business/free-numbers?region=78', headers: h })).json<{ items: unknown[] }>();
  assert.equal(free.items.length, 5);

  // A bulk action from the portal, the way the screen drives it.
  const pick = (await app.inject({ url: '/api/v1/business/numbers?region=78&limit=100', headers: h })).json<{ items: { msisdn: string }[] }>().items.map((i) => i.msisdn);
  const created = await app.inject({ method: 'POST', url: '/api/v1/business/bulk-operations', headers: h, payload: { kind: 'connect_product', productCode: 'weather', msisdns: pick } });
  assert.equal(created.statusCode, 202);
  await runBulkOperations(core, {});
  const op = (await app.inject({ url: `/api/v1/business/bulk-operations/${created.json<{ id: string }>().id}`, headers: h })).json<{ status: string; done: number; total: number }>();
  assert.deepEqual([op.status, op.done, op.total], ['done', pick.length, pick.length], 'content is allowed outside the Moscow contract');
});

test('the demo department head sees only their department; the accountant reads but cannot change', async () => {
  const head = await login(DEMO.departmentManager.email, DEMO.departmentManager.password, DEMO.departmentManager.phone);
  const mine = (await app.inject({ url: '/api/v1/business/numbers?limit=100', headers: head })).json<{ total: number; items: { departmentName: string }[] }>();
  assert.ok(mine.total > 0 && mine.total < 30);
  assert.ok(mine.items.every((i) => i.departmentName === 'Продажи'));
  const buh = await login(DEMO.accountant.email, DEMO.accountant.password, DEMO.accountant.phone);
  assert.equal((await app.inject({ url: '/api/v1/business/analytics', headers: buh })).statusCode, 200);
  const refused = await app.inject({ method: 'PATCH', url: '/api/v1/business/settings', headers: buh, payload: { orderApproval: true } });
  assert.equal(refused.statusCode, 403);
});

test('a fresh install in the first hour of a Moscow month still shows a monthly report with spending, and last month to compare with', async () => {
  // 1 December, 00:30 in Moscow: Kaliningrad is still in November, so the last report is October's.
  const early = await testCore({ clock: new ManualClock('2026-11-30T21:30:00Z') });
  const earlyApp = await testApp(early.core);
  try {
    await seedDemoAccounts(early.core, { businessNumbers: 6 });
    const h = await login(DEMO.businessAdmin.email, DEMO.businessAdmin.password, DEMO.businessAdmin.phone, { app: earlyApp, core: early.core });
    const reports = (await earlyApp.inject({ url: '/api/v1/business/reports', headers: h })).json<{ items: { month: string; total: number }[] }>();
    assert.deepEqual(reports.items.map((i) => i.month), ['2026-10']);
    assert.ok(reports.items[0]!.total > 0, 'the report has the seeded spending');
    const analytics = (await earlyApp.inject({ url: '/api/v1/business/analytics', headers: h })).json<{ previousTotal: number }>();
    assert.ok(analytics.previousTotal > 0, 'November has spending to compare with');
  } finally {
    await earlyApp.close();
    await early.close();
  }
});
