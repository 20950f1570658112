import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import QRCode from 'qrcode';
import { updateCustomerSettings } from '../../src/domain/business/limits.ts';
import { createOrder, getOrder, listFreeNumbers, listOrders, makeIccid, operatorTransitionOrder, ORDER_TRANSITIONS, orderQr, QUARANTINE_DAYS, transitionOrder, validIccid, type OrderStatus } from '../../src/domain/business/orders.ts';
import type { Core } from '../../src/domain/core.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import type { Ctx } from '../../src/domain/shared/context.ts';
import { errorMessage } from '../../src/domain/shared/error-messages.ts';
import { makeCompany, type Admin, type Company } from '../helpers/business.ts';
import { refusal, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let company: Company;
let admin: Admin;
let second: Admin;
let iccidSeq = 0;
/** The operator's staff, who start orders and mark them done. */
let staff: Ctx & { token: string };

before(async () => {
  env = await testCore();
  core = env.core;
  company = await makeCompany(core, 'ООО Заявки', { regions: ['77', '54'] });
  admin = await company.admin('contract_admin');
  second = await company.admin('contract_admin');
  const staffId = Number((await core.db.query<{ id: number }>("INSERT INTO staff_user (email, name, password_hash) VALUES ('orders@test.example', 'Оператор', 'x') RETURNING id"))[0]!.id);
  const session = await createSession(core.db, core, { kind: 'staff', subjectId: staffId, channel: 'staff', method: 'test' });
  staff = { actor: { kind: 'staff', staffId }, channel: 'staff', requestId: 'test', lang: 'ru', token: session.token };
  for (const [msisdn, region] of [['79169990001', '77'], ['79169990002', '77'], ['79139990003', '54'], ['79139990004', '54']] as const) {
    await core.db.query("INSERT INTO number_pool (msisdn, region_code, status) VALUES ($1, $2, 'free')", [msisdn, region]);
  }
});

after(async () => {
  await env?.close();
});

/** A physical SIM's ICCID with a correct Luhn digit, different each time. */
function physicalIccid(): string {
  const body = `897010${String(++iccidSeq).padStart(12, '0')}`;
  for (let d = 0; d <= 9; d++) if (validIccid(body + d)) return body + d;
  throw new Error('no check digit');
}

async function smsTo(msisdn: string) {
  return (await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'business.order' ORDER BY id", [msisdn])).map((m) => m.text);
}

const staffId = () => (staff.actor.kind === 'staff' ? staff.actor.staffId : 0);

async function auditOf(orderId: string) {
  return (await core.db.query<{ action: string; actor_id: string }>("SELECT action, actor_id FROM audit_event WHERE details->>'order' = $1 AND outcome = 'ok' ORDER BY id", [orderId])).map((a) => `${a.action}:${a.actor_id}`);
}

test('ICCIDs: the Luhn check digit is checked, and eSIM ICCIDs are valid', () => {
  const good = physicalIccid();
  assert.ok(validIccid(good));
  assert.ok(!validIccid(good.slice(0, -1) + String((Number(good.at(-1)) + 1) % 10)));
  assert.ok(!validIccid('1234567890123456789'));
  for (let i = 0; i < 50; i++) assert.ok(validIccid(makeIccid()));
});

test('a physical SIM replacement without approval: approved at once, started, done — the new ICCID is the number’s, the employee told, every step audited', async () => {
  const n = await company.number();
  const iccid = physicalIccid();
  const o = await createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'physical', iccid });
  assert.deepEqual([o.status, o.newIccid, o.activationCode, o.history.map((h) => h.status)], ['approved', iccid, null, ['created', 'approved']]);
  assert.deepEqual(await smsTo(n.msisdn), ['Для вашего номера заказана замена SIM-карты.']);
  await assert.rejects(createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'esim' }), refusal('CONFLICT'), 'one open order per number');
  await operatorTransitionOrder(core, staff, { id: o.id, action: 'start' });
  const done = await operatorTransitionOrder(core, staff, { id: o.id, action: 'complete' });
  assert.equal(done.status, 'done');
  assert.deepEqual(done.history.map((h) => h.status), ['created', 'approved', 'in_progress', 'done']);
  assert.equal((await core.db.query<{ iccid: string }>('SELECT iccid FROM subscriber WHERE id = $1', [n.subscriberId]))[0]!.iccid, iccid);
  assert.equal((await smsTo(n.msisdn)).length, 2);
  assert.deepEqual(await auditOf(o.id), [`business.order.create:${admin.id}`, `business.order.approve:${admin.id}`, `business.order.start:${staffId()}`, `business.order.complete:${staffId()}`]);
  // Done is final: every further transition is refused.
  for (const action of ['approve', 'reject'] as const) {
    await assert.rejects(transitionOrder(core, second.ctx, { id: o.id, action, reason: 'x' }), refusal('ORDER_TRANSITION_INVALID'));
  }
  for (const action of ['start', 'complete', 'reject'] as const) {
    await assert.rejects(operatorTransitionOrder(core, staff, { id: o.id, action, reason: 'x' }), refusal('ORDER_TRANSITION_INVALID'));
  }
  // The ICCID now in use cannot be ordered again.
  const m = await company.number();
  await assert.rejects(createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: m.msisdn, simType: 'physical', iccid }), refusal('CONFLICT'));
  await assert.rejects(createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: m.msisdn, simType: 'physical', iccid: iccid.slice(0, -1) + String((Number(iccid.at(-1)) + 1) % 10) }), refusal('VALIDATION'));
});

test('with approval required: the creator cannot approve, another admin can; illegal transitions are refused at every status; rejection ends it', async () => {
  await updateCustomerSettings(core, admin.ctx, { orderApproval: true });
  try {
    const n = await company.number();
    const o = await createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'esim' });
    assert.equal(o.status, 'created');
    assert.ok(o.requiresApproval);
    // Every (status, action) pair not in the machine is refused, and changes nothing.
    const illegal: [OrderStatus, 'start' | 'complete'][] = [['created', 'start'], ['created', 'complete']];
    for (const [, action] of illegal) await assert.rejects(operatorTransitionOrder(core, staff, { id: o.id, action }), refusal('ORDER_TRANSITION_INVALID'));
    await assert.rejects(transitionOrder(core, admin.ctx, { id: o.id, action: 'approve' }), refusal('OWN_ORDER_APPROVAL'));
    const accountant = await company.admin('accountant');
    await assert.rejects(transitionOrder(core, accountant.ctx, { id: o.id, action: 'approve' }), refusal('FORBIDDEN'));
    assert.equal((await getOrder(core, admin.ctx, { id: o.id })).status, 'created');
    const approved = await transitionOrder(core, second.ctx, { id: o.id, action: 'approve' });
    assert.deepEqual([approved.status, approved.approvedBy], ['approved', second.id]);
    await assert.rejects(transitionOrder(core, second.ctx, { id: o.id, action: 'approve' }), refusal('ORDER_TRANSITION_INVALID'));
    await assert.rejects(operatorTransitionOrder(core, staff, { id: o.id, action: 'complete' }), refusal('ORDER_TRANSITION_INVALID'));
    await operatorTransitionOrder(core, staff, { id: o.id, action: 'start' });
    const rejected = await transitionOrder(core, admin.ctx, { id: o.id, action: 'reject', reason: 'Сотрудник уволился' });
    assert.deepEqual([rejected.status, rejected.rejectReason], ['rejected', 'Сотрудник уволился']);
    for (const action of ['approve', 'reject'] as const) {
      await assert.rejects(transitionOrder(core, second.ctx, { id: o.id, action, reason: 'x' }), refusal('ORDER_TRANSITION_INVALID'));
    }
    const before = (await core.db.query<{ iccid: string }>('SELECT iccid FROM subscriber WHERE id = $1', [n.subscriberId]))[0]!.iccid;
    assert.notEqual(before, o.newIccid, 'a rejected order changes no SIM');
    assert.deepEqual(await smsTo(n.msisdn), ['Для вашего номера заказана замена SIM-карты.', 'Заявка по вашему номеру отклонена.']);
    assert.deepEqual(await auditOf(o.id), [`business.order.create:${admin.id}`, `business.order.approve:${second.id}`, `business.order.start:${staffId()}`, `business.order.reject:${admin.id}`]);
    // Refused attempts are audited as refusals.
    const refused = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE action LIKE 'business.order.%' AND outcome = 'refused' AND details->>'code' = 'OWN_ORDER_APPROVAL'");
    assert.ok(refused[0]!.n >= 1);
    // Rejection from `created` too.
    const m = await company.number();
    const o2 = await createOrder(core, second.ctx, { kind: 'sim_replacement', msisdn: m.msisdn, simType: 'esim' });
    assert.equal((await transitionOrder(core, admin.ctx, { id: o2.id, action: 'reject', reason: 'no' })).status, 'rejected');
  } finally {
    await updateCustomerSettings(core, admin.ctx, { orderApproval: false });
  }
  // The machine itself: terminal statuses lead nowhere, every open one may be rejected.
  assert.deepEqual(ORDER_TRANSITIONS.done, []);
  assert.deepEqual(ORDER_TRANSITIONS.rejected, []);
  for (const s of ['created', 'approved', 'in_progress'] as const) assert.ok(ORDER_TRANSITIONS[s].includes('rejected'));
});

test('an eSIM order has an activation code served as a QR image (PNG and SVG) of exactly that code; accountants see no code', async () => {
  const n = await company.number();
  const o = await createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'esim' });
  assert.match(o.activationCode ?? '', /^LPA:1\$smdp\.abonent\.example\$[0-9A-F]{24}$/);
  assert.ok(validIccid(o.newIccid!));
  const svg = await orderQr(core, admin.ctx, { id: o.id, format: 'svg' });
  assert.equal(svg.contentType, 'image/svg+xml');
  assert.equal(svg.content.toString(), await QRCode.toString(o.activationCode!, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
  const png = await orderQr(core, admin.ctx, { id: o.id, format: 'png' });
  assert.deepEqual([...png.content.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
  assert.equal(png.content.readUInt32BE(16), 320, 'PNG width');
  const accountant = await company.admin('accountant');
  assert.equal((await getOrder(core, accountant.ctx, { id: o.id })).activationCode, null);
  await assert.rejects(orderQr(core, accountant.ctx, { id: o.id, format: 'png' }), refusal('FORBIDDEN'));
  const app = await testApp(core);
  try {
    const res = await app.inject({ url: `/api/v1/business/orders/${o.id}/qr?format=png`, headers: { authorization: `Bearer ${admin.token}` } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.deepEqual(res.rawPayload, png.content);
  } finally {
    await app.close();
  }
  await transitionOrder(core, admin.ctx, { id: o.id, action: 'reject', reason: 'test' });
});

test('a number change: a free number of another region is reserved, taken on completion, the old one quarantined; a rejected change frees its pick', async () => {
  const n = await company.number({ region: '77' });
  const free = await listFreeNumbers(core, admin.ctx, { region: '54' });
  assert.deepEqual(free.items.map((i) => i.msisdn), ['79139990003', '79139990004']);
  const o = await createOrder(core, admin.ctx, { kind: 'number_change', msisdn: n.msisdn, newMsisdn: '+7 913 999-00-03' });
  assert.deepEqual([o.status, o.oldMsisdn, o.newMsisdn], ['approved', n.msisdn, '79139990003']);
  assert.deepEqual((await listFreeNumbers(core, admin.ctx, { region: '54' })).items.map((i) => i.msisdn), ['79139990004'], 'reserved for the order');
  const m = await company.number();
  await assert.rejects(createOrder(core, admin.ctx, { kind: 'number_change', msisdn: m.msisdn, newMsisdn: '79139990003' }), refusal('NUMBER_NOT_AVAILABLE'));
  await assert.rejects(createOrder(core, admin.ctx, { kind: 'number_change', msisdn: m.msisdn, newMsisdn: n.msisdn }), refusal('NUMBER_NOT_AVAILABLE'), 'a number in use is not in the pool');
  await operatorTransitionOrder(core, staff, { id: o.id, action: 'start' });
  const done = await operatorTransitionOrder(core, staff, { id: o.id, action: 'complete' });
  assert.equal(done.msisdn, '79139990003');
  const [sub] = await core.db.query<{ msisdn: string }>('SELECT msisdn FROM subscriber WHERE id = $1', [n.subscriberId]);
  assert.equal(sub!.msisdn, '79139990003');
  const [pool] = await core.db.query<{ status: string; available_at: Date }>('SELECT status, available_at FROM number_pool WHERE msisdn = $1', [n.msisdn]);
  assert.equal(pool!.status, 'quarantined');
  assert.equal(new Date(pool!.available_at).getTime(), core.clock.now().getTime() + QUARANTINE_DAYS * 86_400_000);
  assert.equal((await core.db.query('SELECT 1 FROM number_pool WHERE msisdn = $1', ['79139990003'])).length, 0, 'the new number left the pool');
  assert.deepEqual(await smsTo('79139990003'), ['Ваш новый номер: +7 913 999-00-03.']);
  assert.ok(!(await listFreeNumbers(core, admin.ctx, {})).items.some((i) => i.msisdn === n.msisdn), 'quarantined numbers are not offered');

  const o2 = await createOrder(core, admin.ctx, { kind: 'number_change', msisdn: m.msisdn, newMsisdn: '79169990001' });
  await transitionOrder(core, admin.ctx, { id: o2.id, action: 'reject', reason: 'передумали' });
  assert.ok((await listFreeNumbers(core, admin.ctx, { region: '77' })).items.some((i) => i.msisdn === '79169990001'), 'back in the pool');
  const list = await listOrders(core, admin.ctx, { status: 'rejected' });
  assert.ok(list.items.some((i) => i.id === o2.id));
  assert.ok(list.items.every((i) => i.status === 'rejected'));
});

test('orders are the company’s own, and a department manager’s department’s', async () => {
  const n = await company.number({ department: company.departments[1]! });
  const o = await createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'esim' });
  const other = await makeCompany(core, 'ООО Соседи');
  const stranger = await other.admin('contract_admin');
  await assert.rejects(getOrder(core, stranger.ctx, { id: o.id }), refusal('NOT_FOUND'));
  await assert.rejects(transitionOrder(core, stranger.ctx, { id: o.id, action: 'reject', reason: 'x' }), refusal('NOT_FOUND'));
  await assert.rejects(createOrder(core, stranger.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'esim' }), refusal('SUBSCRIBER_NOT_FOUND'));
  assert.equal((await listOrders(core, stranger.ctx)).total, 0);
  const manager = await company.admin('department_manager', company.departments[0]!);
  await assert.rejects(getOrder(core, manager.ctx, { id: o.id }), refusal('NOT_FOUND'));
  assert.ok(!(await listOrders(core, manager.ctx)).items.some((i) => i.id === o.id));
  const managerOfIt = await company.admin('department_manager', company.departments[1]!);
  assert.equal((await getOrder(core, managerOfIt.ctx, { id: o.id })).id, o.id);
});

test('each side takes only its own steps: admins approve, the operator starts and marks done; the other side is refused, in the domain and over HTTP', async () => {
  await updateCustomerSettings(core, admin.ctx, { orderApproval: true });
  const app = await testApp(core);
  try {
    const n = await company.number();
    const o = await createOrder(core, admin.ctx, { kind: 'sim_replacement', msisdn: n.msisdn, simType: 'physical', iccid: physicalIccid() });
    // The operator may not approve for the company; the admin may not do the operator's work.
    await assert.rejects(operatorTransitionOrder(core, staff, { id: o.id, action: 'approve' }), (e: { code?: string; params?: { reason?: string } }) => e.code === 'FORBIDDEN' && e.params?.reason === 'admin_step');
    await transitionOrder(core, second.ctx, { id: o.id, action: 'approve' });
    for (const action of ['start', 'complete'] as const) {
      await assert.rejects(transitionOrder(core, admin.ctx, { id: o.id, action }), (e: { code?: string; params?: { reason?: string } }) => e.code === 'FORBIDDEN' && e.params?.reason === 'operator_step');
    }
    const admins = { authorization: `Bearer ${admin.token}` };
    const operator = { authorization: `Bearer ${staff.token}` };
    for (const action of ['start', 'complete']) {
      assert.equal((await app.inject({ method: 'POST', url: `/api/v1/business/orders/${o.id}/${action}`, headers: admins })).statusCode, 404, `no ${action} in the business API`);
      const asAdmin = await app.inject({ method: 'POST', url: `/api/v1/staff/business-orders/${o.id}/${action}?lang=en`, headers: admins });
      assert.equal(asAdmin.statusCode, 403, `${action}: an admin is refused the operator's route`);
    }
    const refused = await app.inject({ method: 'POST', url: `/api/v1/staff/business-orders/${o.id}/approve`, headers: operator });
    assert.equal(refused.statusCode, 404, 'no approve in the staff API');
    assert.equal((await getOrder(core, admin.ctx, { id: o.id })).status, 'approved', 'nothing changed');
    // The operator's list has it, with the company's name; the operator starts it and marks it done.
    const list = (await app.inject({ url: '/api/v1/staff/business-orders', headers: operator })).json<{ items: { id: string; status: string; customerName: string }[] }>().items;
    const listed = list.find((i) => i.id === o.id);
    assert.deepEqual([listed?.status, listed?.customerName], ['approved', 'ООО Заявки']);
    assert.equal((await app.inject({ url: '/api/v1/staff/business-orders', headers: admins })).statusCode, 403, 'an admin has no operator list');
    const started = await app.inject({ method: 'POST', url: `/api/v1/staff/business-orders/${o.id}/start`, headers: operator });
    assert.equal(started.statusCode, 200, started.body);
    assert.equal(started.json<{ status: string }>().status, 'in_progress');
    const done = await app.inject({ method: 'POST', url: `/api/v1/staff/business-orders/${o.id}/complete`, headers: operator });
    assert.equal(done.json<{ status: string }>().status, 'done');
    assert.ok(!(await app.inject({ url: '/api/v1/staff/business-orders', headers: operator })).json<{ items: { id: string }[] }>().items.some((i) => i.id === o.id), 'done: off the list');
    // A refusal says whose step it is, in both languages.
    assert.deepEqual([errorMessage('FORBIDDEN', { reason: 'operator_step' }, 'ru'), errorMessage('FORBIDDEN', { reason: 'operator_step' }, 'en')], ['Этот шаг заявки выполняет оператор', 'The operator takes this step of an order']);
    assert.equal(errorMessage('FORBIDDEN', { reason: 'admin_step' }, 'ru'), 'Этот шаг заявки выполняет администратор компании');
  } finally {
    await app.close();
    await updateCustomerSettings(core, admin.ctx, { orderApproval: false });
  }
});
