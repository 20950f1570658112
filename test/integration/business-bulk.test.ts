import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectProductAction, refusalWords } from '../../src/domain/actions/registry.ts';
import { createBulkOperation, getBulkOperation, listBulkItems } from '../../src/domain/business/bulk.ts';
import { runBulkOperations } from '../../src/domain/business/run-bulk.ts';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { blockNumber } from '../../src/domain/subscribers/set-block.ts';
import { businessBulkJob } from '../../src/jobs/business-bulk.ts';
import { makeCompany, type Company } from '../helpers/business.ts';
import { ledgerSum, refusal, secondCore, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let company: Company;
type Num = Awaited<ReturnType<Company['number']>>;
let nums: Num[];
const PRODUCT = 'internet_plus'; // 250 ₽ a month, allowed on business_smart

before(async () => {
  env = await testCore();
  core = env.core;
  company = await makeCompany(core, 'ООО Пятьсот', { regions: ['77', '78', '16'], departments: ['Продажи', 'Склад'] });
  nums = [];
  for (let i = 0; i < 500; i++) {
    // 100..149 have no money for the option; everyone else has plenty.
    nums.push(await company.number({ region: ['77', '78', '16'][i % 3], department: company.departments[i % 2], balance: i >= 100 && i < 150 ? 0 : 100_000 }));
  }
  // 0..49 already have the option; 50..99 are blocked on request.
  for (const n of nums.slice(0, 50)) await connectProduct(core, systemCtx('test'), { msisdn: n.msisdn, productCode: PRODUCT });
  for (const n of nums.slice(50, 100)) await blockNumber(core, systemCtx('test'), { msisdn: n.msisdn });
});

after(async () => {
  await env?.close();
});

test('a bulk option connection over 500 numbers runs in the background with progress, each number done or refused with its reason, charged once', async () => {
  const admin = await company.admin('contract_admin');
  const before = await Promise.all(nums.map((n) => ledgerSum(core, n.accountId)));
  // The selection may be typed any way people write numbers; repeats count once.
  const msisdns = nums.map((n, i) => (i % 5 === 0 ? `+7 (${n.msisdn.slice(1, 4)}) ${n.msisdn.slice(4, 7)}-${n.msisdn.slice(7, 9)}-${n.msisdn.slice(9)}` : n.msisdn));
  const op = await createBulkOperation(core, admin.ctx, { kind: 'connect_product', productCode: PRODUCT, msisdns: [...msisdns, nums[7]!.msisdn] });
  assert.deepEqual([op.status, op.total, op.done, op.refused, op.pending, op.progress], ['queued', 500, 0, 0, 500, 0]);

  // Nothing happens until the job runs; it works in slices and the progress only grows.
  assert.equal((await ledgerSum(core, nums[200]!.accountId)).entries, before[200]!.entries);
  let last = -1;
  let runs = 0;
  for (;;) {
    const res = await runBulkOperations(core, { maxItems: 120, batch: 40 });
    const now = await getBulkOperation(core, admin.ctx, { id: op.id });
    assert.ok(now.progress > last || now.status === 'done', `progress grows: ${last} → ${now.progress}`);
    assert.equal(now.done + now.refused + now.pending, 500);
    last = now.progress;
    runs++;
    if (now.status === 'done') break;
    assert.equal(res.processed, 120, 'each run takes its full slice while work remains');
    assert.equal(now.status, 'running');
  }
  assert.equal(runs, 5, '500 numbers in slices of 120');
  const done = await getBulkOperation(core, admin.ctx, { id: op.id });
  assert.deepEqual([done.done, done.refused, done.pending, done.progress], [350, 150, 0, 100]);
  assert.ok(done.finishedAt);

  const items = await listBulkItems(core, admin.ctx, { id: op.id, limit: 1000 });
  assert.equal(items.total, 500);
  const byMsisdn = new Map(items.items.map((i) => [i.msisdn, i]));
  const expectCode = (i: number) => (i < 50 ? 'ALREADY_CONNECTED' : i < 100 ? 'SUBSCRIBER_BLOCKED' : i < 150 ? 'INSUFFICIENT_FUNDS' : null);
  for (let i = 0; i < 500; i++) {
    const item = byMsisdn.get(nums[i]!.msisdn)!;
    assert.equal(item.code, expectCode(i), `number ${i}`);
    assert.equal(item.status, expectCode(i) ? 'refused' : 'done', `number ${i}`);
    if (item.code) assert.ok(item.reason && /[а-я]/.test(item.reason), `a Russian reason for ${i}: ${item.reason}`);
    const after = await ledgerSum(core, nums[i]!.accountId);
    assert.equal(after.entries - before[i]!.entries, expectCode(i) ? 0 : 1, `number ${i}: charged once or not at all`);
    assert.equal(after.balance, Number(after.sum));
  }
  const insufficient = (await listBulkItems({ ...core }, { ...admin.ctx, lang: 'en' }, { id: op.id, status: 'refused', limit: 1000 })).items.find((i) => i.code === 'INSUFFICIENT_FUNDS')!;
  assert.match(insufficient.reason!, /^Not enough money: /, 'reasons in English for an English request');

  // Each change went through the use case as the admin: one audit event per number, channel business.
  const audited = await core.db.query<{ n: number; actors: string[] }>(
    "SELECT count(*)::int AS n, array_agg(DISTINCT actor_kind || ':' || actor_id || ':' || channel) AS actors FROM audit_event WHERE action = 'product.connect' AND outcome = 'ok' AND request_id = $1",
    [`bulk-${op.id}`],
  );
  assert.equal(audited[0]!.n, 350);
  assert.deepEqual(audited[0]!.actors, [`business_admin:${admin.id}:business`]);
  const refusedAudit = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'product.connect' AND outcome = 'refused' AND request_id = $1", [`bulk-${op.id}`]);
  assert.equal(refusedAudit[0]!.n, 150);
});

test('a run cut short after a number changed but before it was marked continues without applying it twice', async () => {
  const admin = await company.admin('contract_admin');
  const targets = nums.slice(200, 260);
  const op = await createBulkOperation(core, admin.ctx, { kind: 'disable_product', productCode: PRODUCT, msisdns: targets.map((n) => n.msisdn) });
  await runBulkOperations(core, { maxItems: 60 });
  assert.equal((await getBulkOperation(core, admin.ctx, { id: op.id })).done, 60);
  // The crash: the change of items 1..10 committed, the marks did not.
  await core.db.query("UPDATE bulk_item SET status = 'pending', processed_at = NULL WHERE operation_id = $1::uuid AND seq <= 10", [op.id]);
  await core.db.query("UPDATE bulk_operation SET done = done - 10, status = 'running', finished_at = NULL WHERE id = $1::uuid", [op.id]);
  const auditBefore = (await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'product.disable' AND request_id = $1", [`bulk-${op.id}`]))[0]!.n;
  const res = await runBulkOperations(core, {});
  assert.equal(res.processed, 10);
  assert.equal(res.done, 10, 'the repeat gets the first result back: done, not "not connected"');
  const final = await getBulkOperation(core, admin.ctx, { id: op.id });
  assert.deepEqual([final.status, final.done, final.refused], ['done', 60, 0]);
  const auditAfter = (await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'product.disable' AND request_id = $1", [`bulk-${op.id}`]))[0]!.n;
  assert.equal(auditAfter, auditBefore, 'no number was disabled a second time');
});

test('two instances running the bulk job at once apply each number once', async () => {
  const admin = await company.admin('contract_admin');
  const targets = nums.slice(300, 400);
  const op = await createBulkOperation(core, admin.ctx, { kind: 'move_department', departmentId: company.departments[1]!, msisdns: targets.map((n) => n.msisdn) });
  const other = await secondCore(env);
  // Without the lease (the worst case), and with it.
  await Promise.all([runBulkOperations(core, { maxItems: 100, batch: 10 }), runBulkOperations(other, { maxItems: 100, batch: 10 }), businessBulkJob(other)]);
  await runBulkOperations(core, {});
  const final = await getBulkOperation(core, admin.ctx, { id: op.id });
  const half = targets.filter((_n, i) => (300 + i) % 2 === 1).length; // those already in department 2
  assert.deepEqual([final.status, final.done + final.refused, final.done, final.refused], ['done', 100, 100 - half, half]);
  const moves = await core.db.query<{ subscriber_id: number; n: number }>(
    "SELECT subscriber_id, count(*)::int AS n FROM audit_event WHERE action = 'business.number.move' AND outcome = 'ok' AND request_id = $1 GROUP BY 1",
    [`bulk-${op.id}`],
  );
  assert.equal(moves.length, 100 - half);
  assert.ok(moves.every((m) => m.n === 1), 'each number moved once');
  const inDept = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriber WHERE id = ANY($1::bigint[]) AND department_id = $2', [targets.map((t) => t.subscriberId), company.departments[1]]);
  assert.equal(inDept[0]!.n, 100);
});

test('a selection with a number out of reach is refused whole; an accountant cannot start one; a department manager only over their department', async () => {
  const other = await makeCompany(core, 'ООО Чужие');
  const stranger = await other.number();
  const admin = await company.admin('contract_admin');
  const count = async () => (await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bulk_operation'))[0]!.n;
  const n0 = await count();
  await assert.rejects(createBulkOperation(core, admin.ctx, { kind: 'block', msisdns: [nums[300]!.msisdn, stranger.msisdn] }), refusal('SUBSCRIBER_NOT_FOUND'));
  const accountant = await company.admin('accountant');
  await assert.rejects(createBulkOperation(core, accountant.ctx, { kind: 'block', msisdns: [nums[300]!.msisdn] }), refusal('FORBIDDEN'));
  const manager = await company.admin('department_manager', company.departments[0]!);
  const mine = nums[400]!; // department index 0
  const notMine = nums[401]!;
  await assert.rejects(createBulkOperation(core, manager.ctx, { kind: 'block', msisdns: [mine.msisdn, notMine.msisdn] }), refusal('SUBSCRIBER_NOT_FOUND'));
  await assert.rejects(createBulkOperation(core, admin.ctx, { kind: 'connect_product', productCode: 'no_such', msisdns: [mine.msisdn] }), refusal('PRODUCT_NOT_FOUND'));
  assert.equal(await count(), n0, 'nothing was queued');
  const op = await createBulkOperation(core, manager.ctx, { kind: 'block', msisdns: [mine.msisdn] });
  await runBulkOperations(core, {});
  assert.equal((await getBulkOperation(core, manager.ctx, { id: op.id })).done, 1);
  assert.equal((await core.db.query<{ status: string }>('SELECT status FROM subscriber WHERE id = $1', [mine.subscriberId]))[0]!.status, 'suspended');
  // Another admin's operation is not the manager's to see; the contract admin sees it.
  const adminsOp = await createBulkOperation(core, admin.ctx, { kind: 'unblock', msisdns: [mine.msisdn] });
  await assert.rejects(getBulkOperation(core, manager.ctx, { id: adminsOp.id }), refusal('NOT_FOUND'));
  await assert.rejects(getBulkOperation(core, (await other.admin('contract_admin')).ctx, { id: op.id }), refusal('NOT_FOUND'));
  assert.equal((await getBulkOperation(core, admin.ctx, { id: op.id })).id, op.id);
});

test('over HTTP: 202 on create, progress polled until done, per-number results with reasons in the requested language', async () => {
  const app = await testApp(core);
  try {
    const admin = await company.admin('contract_admin');
    const h = { authorization: `Bearer ${admin.token}` };
    const targets = [nums[50]!, nums[450]!]; // blocked on request, active
    const created = await app.inject({ method: 'POST', url: '/api/v1/business/bulk-operations', headers: h, payload: { kind: 'change_tariff', tariffCode: 'basic', msisdns: targets.map((t) => t.msisdn) } });
    assert.equal(created.statusCode, 202, created.body);
    const id = created.json<{ id: string }>().id;
    const poll = async () => (await app.inject({ url: `/api/v1/business/bulk-operations/${id}`, headers: h })).json<{ status: string; done: number; refused: number }>();
    assert.equal((await poll()).status, 'queued');
    await runBulkOperations(core, {});
    assert.deepEqual(await poll().then((p) => [p.status, p.done, p.refused]), ['done', 1, 1]);
    const items = (await app.inject({ url: `/api/v1/business/bulk-operations/${id}/items?lang=en`, headers: h })).json<{ items: { msisdn: string; status: string; reason: string | null }[] }>().items;
    assert.deepEqual(items.map((i) => [i.msisdn, i.status, i.reason]), [[targets[0]!.msisdn, 'refused', 'The number is blocked'], [targets[1]!.msisdn, 'done', null]]);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/business/bulk-operations', headers: h, payload: { kind: 'explode', msisdns: ['1'] } });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.headers['content-type']), /problem\+json/);
  } finally {
    await app.close();
  }
});

test("a bulk connect records, for a number that cannot take the product, the registry offer's refusal: its code and its words", async () => {
  const admin = await company.admin('contract_admin');
  // «Везде как дома» is for people; a company number is refused it, a blocked one is refused first for being blocked.
  const fresh = await company.number({});
  const blocked = nums[60]!;
  const targets = [fresh, blocked, nums[0]!];
  const offers = await Promise.all(targets.map((n) => connectProductAction.offer(core, admin.ctx, { msisdn: n.msisdn, productCode: 'everywhere_home' })));
  assert.deepEqual(offers.map((o) => o.refusal?.code), ['PRODUCT_NOT_AVAILABLE', 'SUBSCRIBER_BLOCKED', 'PRODUCT_NOT_AVAILABLE']);
  const op = await createBulkOperation(core, admin.ctx, { kind: 'connect_product', productCode: 'everywhere_home', msisdns: targets.map((n) => n.msisdn) });
  await runBulkOperations(core, {});
  const final = await getBulkOperation(core, admin.ctx, { id: op.id });
  assert.deepEqual([final.status, final.done, final.refused], ['done', 0, 3]);
  for (const lang of ['ru', 'en'] as const) {
    const items = (await listBulkItems(core, { ...admin.ctx, lang }, { id: op.id })).items;
    assert.deepEqual(
      items.map((i) => [i.msisdn, i.status, i.code, i.reason]),
      await Promise.all(targets.map(async (n, k) => [n.msisdn, 'refused', offers[k]!.refusal!.code, await refusalWords(core.db, offers[k]!.refusal!, lang)])),
    );
  }
  // Each refusal was audited as the admin's attempt to connect, nothing charged.
  const audit = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action = 'product.connect' AND outcome = 'refused' AND request_id = $1", [`bulk-${op.id}`]);
  assert.equal(audit[0]!.n, 3);
});
