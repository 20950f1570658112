import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { publishCommunicationStates } from '../../src/channels/tmf/communication-management.ts';
import type { Core } from '../../src/domain/core.ts';
import { enqueueSms } from '../../src/domain/notifications/enqueue-sms.ts';
import { recordDeliveryReport } from '../../src/domain/notifications/record-delivery-report.ts';
import type { SmsTransport } from '../../src/domain/notifications/sms-transport.ts';
import { drainOutbox } from '../../src/jobs/sms-outbox.ts';
import { makeSubscriber } from '../helpers/core.ts';
import { assertPagedFilters, closeTmfEnv, ISO_Z, openTmfEnv, startListener, tmfClient, type Res, type TmfEnv } from '../helpers/tmf.ts';

const BASE = '/tmf-api/communicationManagement/v4';
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

/** A gateway that takes every message and remembers what it was given. */
function gateway() {
  const sent: { id: number; msisdn: string; sender: string; text: string }[] = [];
  const transport: SmsTransport = {
    name: 'test',
    async send(m) {
      sent.push({ id: m.id, msisdn: m.msisdn, sender: m.sender, text: m.text });
      return { status: 'sent', ref: `ref-${m.id}` };
    },
  };
  return { sent, transport };
}

const sms = (msisdn: string, content: string, extra: Res = {}) => ({ messageType: 'SMS', content, receiver: [{ phoneNumber: msisdn }], sender: { name: 'MyOperator' }, ...extra });

test('TMF681: an SMS to a subscriber goes through the outbox and the gateway; its state follows the delivery reports, with events', async () => {
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);
  const s = await makeSubscriber(core);
  const created = await call('POST', '/communicationMessage', sms(s.msisdn, 'Плановые работы 12.12 с 02:00 до 04:00', { subject: 'Maintenance', description: 'network notice', priority: '1' }), { 'idempotency-key': 'notice-1' });
  assert.equal(created.status, 201, created.raw);
  const m = created.body!;
  assert.equal(m['@type'], 'CommunicationMessage');
  assert.equal(m.href, `http://abonent.test${BASE}/communicationMessage/${String(m.id)}`);
  assert.equal(m.state, 'initial');
  assert.equal(m.content, 'Плановые работы 12.12 с 02:00 до 04:00');
  assert.equal(m.subject, 'Maintenance', 'what it was created with comes back');
  assert.equal(m.priority, '1');
  assert.deepEqual((m.receiver as Res[])[0]!.phoneNumber, s.msisdn);
  assert.deepEqual(m.sender, { id: 'MyOperator', name: 'MyOperator' });
  assert.equal((await listener.waitFor('communicationMessageCreateEvent'))[0]!.body.event.communicationMessage!.id, m.id);
  const again = await call('POST', '/communicationMessage', sms(s.msisdn, 'Плановые работы 12.12 с 02:00 до 04:00', { subject: 'Maintenance', description: 'network notice', priority: '1' }), { 'idempotency-key': 'notice-1' });
  assert.equal(again.body!.id, m.id, 'the same key is the same message');

  // The outbox hands it to the gateway: inProgress.
  const gw = gateway();
  await drainOutbox(core, gw.transport);
  assert.deepEqual(gw.sent.map((x) => [x.msisdn, x.sender, x.text]), [[s.msisdn, 'MyOperator', 'Плановые работы 12.12 с 02:00 до 04:00']]);
  assert.equal(await publishCommunicationStates(core, 'https://op.example'), 1);
  const progress = (await listener.waitFor('communicationMessageStateChangeEvent'))[0]!.body.event.communicationMessage!;
  assert.equal(progress.state, 'inProgress');
  assert.equal(progress.href, `https://op.example${BASE}/communicationMessage/${String(m.id)}`);
  assert.equal(await publishCommunicationStates(core, undefined), 0, 'a change is told once');

  // The delivery report completes it.
  assert.equal(await recordDeliveryReport(core, { messageId: Number(m.id), type: 1 }), true);
  assert.equal(await publishCommunicationStates(core, undefined), 1);
  const done = (await listener.waitFor('communicationMessageStateChangeEvent', 2))[1]!.body.event.communicationMessage!;
  assert.equal(done.state, 'completed');
  const got = (await call('GET', `/communicationMessage/${String(m.id)}`)).body!;
  assert.equal(got.state, 'completed');
  assert.equal(got.tryTimes, 1);
  assert.match(String(got.sendTime), ISO_Z);
  assert.match(String(got.sendTimeComplete), ISO_Z);
  assert.deepEqual((got.characteristic as Res[]).map((c) => [c.name, c.value]), [['deliveryStatus', 'delivered'], ['deliveryReport', 'DELIVRD']]);

  // Undelivered is failed.
  const second = await call('POST', '/communicationMessage', sms(s.msisdn, 'Second'));
  await drainOutbox(core, gw.transport);
  await recordDeliveryReport(core, { messageId: Number(second.body!.id), type: 2 });
  await publishCommunicationStates(core, undefined);
  assert.equal((await call('GET', `/communicationMessage/${String(second.body!.id)}`)).body!.state, 'failed');

  const audit = await core.db.query<{ channel: string }>("SELECT channel FROM audit_event WHERE action = 'sms.operator_send' AND subscriber_id = $1 AND outcome = 'ok'", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.channel), ['tmf', 'tmf']);
  await listener.close();
});

test('TMF681: list only what was sent through it, with filters, fields, pages; retrieve; 404; scheduled messages wait and can be cancelled', async () => {
  const a = await makeSubscriber(core);
  const b = await makeSubscriber(core);
  // A login code in the same outbox is never shown.
  await enqueueSms(core.db, { msisdn: a.msisdn, text: 'Код входа: 123456', kind: 'otp', at: core.clock.now() });
  for (const text of ['one', 'two', 'three']) assert.equal((await call('POST', '/communicationMessage', sms(a.msisdn, text))).status, 201);
  await call('POST', '/communicationMessage', sms(b.msisdn, 'for b'));

  const list = await call('GET', `/communicationMessage?receiver.phoneNumber=${a.msisdn}`);
  assert.equal(list.headers['x-total-count'], '3');
  assert.deepEqual((list.body as unknown as Res[]).map((x) => x.content), ['three', 'two', 'one'], 'newest first');
  assert.ok(!JSON.stringify(list.body).includes('123456'));
  const page = await call('GET', `/communicationMessage?receiver.phoneNumber=${a.msisdn}&state=initial&fields=content&limit=2`);
  assert.equal(page.headers['x-total-count'], '3');
  assert.equal(page.headers['x-result-count'], '2');
  assert.ok(String(page.headers.link).includes('rel="next"'));
  assert.deepEqual(Object.keys((page.body as unknown as Res[])[0]!).sort(), ['content', 'href', 'id']);
  const one = (list.body as unknown as Res[])[0]!;
  assert.deepEqual((await call('GET', `/communicationMessage/${String(one.id)}?fields=state`)).body, { id: one.id, href: one.href, state: 'initial' });
  assert.equal((await call('GET', '/communicationMessage/99999999')).status, 404);
  const otpId = (await core.db.query<{ id: number }>("SELECT id FROM sms_message WHERE meta->>'kind' = 'otp'"))[0]!.id;
  assert.equal((await call('GET', `/communicationMessage/${otpId}`)).status, 404, 'a login code is not a communication message');

  // Bad requests: not a subscriber, not SMS, a spoofed-looking sender, a bad time.
  const nobody = await call('POST', '/communicationMessage', sms('79990000001', 'x'));
  assert.equal(nobody.status, 404);
  assert.equal(nobody.body!.code, 'SUBSCRIBER_NOT_FOUND');
  assert.equal((await call('POST', '/communicationMessage', { ...sms(a.msisdn, 'x'), messageType: 'email' })).status, 400);
  assert.equal((await call('POST', '/communicationMessage', { ...sms(a.msisdn, 'x'), sender: { name: 'Bank <script>' } })).status, 400);
  assert.equal((await call('POST', '/communicationMessage', { ...sms(a.msisdn, 'x'), scheduledSendTime: 'tomorrow' })).status, 400);
  assert.equal((await call('POST', '/communicationMessage', { content: 'x' })).status, 400);

  // Scheduled for later: the outbox leaves it until then; cancelled before, it never goes.
  await drainOutbox(core, gateway().transport);
  const later = new Date(core.clock.now().getTime() + 3_600_000).toISOString();
  const scheduled = await call('POST', '/communicationMessage', { ...sms(b.msisdn, 'later'), scheduledSendTime: later });
  assert.equal(scheduled.status, 201);
  assert.equal(scheduled.body!.scheduledSendTime, later);
  const gw = gateway();
  await drainOutbox(core, gw.transport);
  assert.deepEqual(gw.sent, [], 'not before its time');
  assert.equal((await call('DELETE', `/communicationMessage/${String(scheduled.body!.id)}`)).status, 204);
  assert.equal((await call('GET', `/communicationMessage/${String(scheduled.body!.id)}`)).body!.state, 'cancelled');
  t.env.clock.advance(2 * 3_600_000);
  await drainOutbox(core, gw.transport);
  assert.deepEqual(gw.sent, [], 'a cancelled message never goes');
  const alreadySent = (list.body as unknown as Res[])[2]!;
  const refused = await call('DELETE', `/communicationMessage/${String(alreadySent.id)}`);
  assert.equal(refused.status, 409, 'one handed to the gateway cannot be cancelled');
});

test('the TMF681 API is described in the OpenAPI document', async () => {
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  for (const p of ['communicationMessage', 'communicationMessage/{id}', 'hub']) assert.ok(doc.paths[`${BASE}/${p}`], p);
});

test('TMF681 several receivers: one outbox row each, idempotent as one message; each receiver with its own state; an unknown receiver sends to nobody; cancelled for all', async () => {
  const [a, b, c] = [await makeSubscriber(core), await makeSubscriber(core), await makeSubscriber(core)];
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url, query: 'eventType=communicationMessageStateChangeEvent' })).status, 201);
  const rowsOf = async (id: unknown) =>
    core.db.query<{ id: number; msisdn: string; status: string }>("SELECT id, msisdn, status FROM sms_message WHERE meta->>'kind' = 'operator_message' AND COALESCE((meta->>'group')::bigint, id) = $1 ORDER BY id", [Number(id)]);
  const body = { ...sms(a.msisdn, 'Всем: новые тарифы'), receiver: [{ phoneNumber: a.msisdn }, { phoneNumber: `+${b.msisdn}` }] };
  const created = await call('POST', '/communicationMessage', body, { 'idempotency-key': 'multi-1' });
  assert.equal(created.status, 201, created.raw);
  const m = created.body!;
  assert.deepEqual((m.receiver as Res[]).map((r) => [r.phoneNumber, r.abonentState]), [[a.msisdn, 'initial'], [b.msisdn, 'initial']]);
  assert.equal(m.state, 'initial');
  assert.deepEqual((await rowsOf(m.id)).map((r) => r.msisdn), [a.msisdn, b.msisdn], 'one outbox row per receiver');
  const again = await call('POST', '/communicationMessage', body, { 'idempotency-key': 'multi-1' });
  assert.equal(again.body!.id, m.id);
  assert.equal((await rowsOf(m.id)).length, 2, 'a retry sends to no receiver again');

  // An unknown receiver: nothing is sent, to the others either; a receiver named twice is a 400.
  const before = await core.db.query("SELECT 1 FROM sms_message WHERE meta->>'kind' = 'operator_message'");
  const unknown = await call('POST', '/communicationMessage', { ...sms(c.msisdn, 'x'), receiver: [{ phoneNumber: c.msisdn }, { phoneNumber: '79990000002' }] }, { 'accept-language': 'en' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body!.code, 'SUBSCRIBER_NOT_FOUND');
  assert.match(String(unknown.body!.message), /79990000002/);
  const twice = await call('POST', '/communicationMessage', { ...sms(c.msisdn, 'x'), receiver: [{ phoneNumber: c.msisdn }, { phoneNumber: `8${c.msisdn.slice(1)}` }] });
  assert.equal(twice.status, 400);
  assert.equal((await core.db.query("SELECT 1 FROM sms_message WHERE meta->>'kind' = 'operator_message'")).length, before.length);

  // The gateway gets each receiver's row; one delivered, one not: the message failed, each receiver says which.
  const gw = gateway();
  await drainOutbox(core, gw.transport);
  assert.deepEqual(gw.sent.filter((x) => x.text === 'Всем: новые тарифы').map((x) => x.msisdn), [a.msisdn, b.msisdn]);
  await publishCommunicationStates(core, undefined);
  // Other tests' messages may be told too: wait for this one's event, however many come before it.
  let told: Res[] = [];
  for (let n = 1; told.length === 0; ) {
    const events = await listener.waitFor('communicationMessageStateChangeEvent', n);
    told = events.map((e) => e.body.event.communicationMessage!).filter((x) => x.id === m.id);
    n = events.length + 1;
  }
  assert.equal(told.length, 1, 'the message is told once for its receivers’ changes claimed together');
  assert.deepEqual((told[0]!.receiver as Res[]).map((r) => r.abonentState), ['inProgress', 'inProgress']);
  const [ra, rb] = await rowsOf(m.id);
  await recordDeliveryReport(core, { messageId: Number(ra!.id), type: 1 });
  await recordDeliveryReport(core, { messageId: Number(rb!.id), type: 2 });
  const got = (await call('GET', `/communicationMessage/${String(m.id)}`)).body!;
  assert.equal(got.state, 'failed');
  assert.deepEqual((got.receiver as Res[]).map((r) => [r.phoneNumber, r.abonentState, r.abonentDeliveryStatus]), [[a.msisdn, 'completed', 'delivered'], [b.msisdn, 'failed', 'undelivered']]);
  const byB = (await call('GET', `/communicationMessage?receiver.phoneNumber=${b.msisdn}`)).body as unknown as Res[];
  assert.deepEqual(byB.map((x) => x.id), [m.id]);
  assert.equal((byB[0]!.receiver as Res[]).length, 2);
  const audit = await core.db.query("SELECT 1 FROM audit_event WHERE action = 'sms.operator_send' AND outcome = 'ok' AND (details->>'message')::bigint = $1", [Number(m.id)]);
  assert.equal(audit.length, 2, 'audited per receiver');

  // Scheduled to two, cancelled for both.
  const later = new Date(core.clock.now().getTime() + 3_600_000).toISOString();
  const scheduled = await call('POST', '/communicationMessage', { ...sms(a.msisdn, 'later'), receiver: [{ phoneNumber: a.msisdn }, { phoneNumber: c.msisdn }], scheduledSendTime: later });
  assert.equal((await call('DELETE', `/communicationMessage/${String(scheduled.body!.id)}`)).status, 204);
  assert.deepEqual((await rowsOf(scheduled.body!.id)).map((r) => r.status), ['cancelled', 'cancelled']);
  assert.equal((await call('GET', `/communicationMessage/${String(scheduled.body!.id)}`)).body!.state, 'cancelled');
  await listener.close();
});

test('TMF681 communicationMessage paged by the store over more than a page, none repeated or missed; each filter applied by the store as the attribute filter reads; any other filter is a 400', async () => {
  const c = await makeSubscriber(core);
  const d = await makeSubscriber(core);
  for (const text of ['p1', 'p2', 'p3']) assert.equal((await call('POST', '/communicationMessage', sms(c.msisdn, text))).status, 201);
  assert.equal((await call('POST', '/communicationMessage', { ...sms(c.msisdn, 'both'), receiver: [{ phoneNumber: c.msisdn }, { phoneNumber: d.msisdn }] })).status, 201);
  const later = new Date(core.clock.now().getTime() + 3_600_000).toISOString();
  const scheduled = await call('POST', '/communicationMessage', { ...sms(d.msisdn, 'sched'), scheduledSendTime: later });
  await drainOutbox(core, gateway().transport);
  assert.equal((await call('DELETE', `/communicationMessage/${String(scheduled.body!.id)}`)).status, 204);
  await call('POST', '/communicationMessage', { ...sms(d.msisdn, 'fresh'), scheduledSendTime: later });
  const all = (await call('GET', '/communicationMessage?limit=1000')).body as unknown as Res[];
  const sent = all.find((m) => m.content === 'p2')!;
  assert.equal(sent.state, 'inProgress');
  const at = (m: Res, k: string) => (m[k] === undefined ? NaN : Date.parse(String(m[k])));
  await assertPagedFilters(
    app,
    t.auth,
    `${BASE}/communicationMessage`,
    [
      `id=${String(sent.id)}`,
      'id=abc',
      'state=inProgress',
      'state=initial',
      'state=cancelled&content=sched',
      'content=p2',
      'messageType=SMS&@type=CommunicationMessage',
      `receiver.phoneNumber=${c.msisdn}`,
      `receiver.id=${d.msisdn}`,
      `receiver.party.id=${d.msisdn}&state=inProgress`,
      'sender.name=MyOperator&sender.id=MyOperator',
      `scheduledSendTime=${later}`,
      [`scheduledSendTime.gte=${later}&state=initial`, (m) => at(m, 'scheduledSendTime') >= Date.parse(later) && m.state === 'initial'],
      `sendTime=${String(sent.sendTime)}`,
      [`sendTime.lte=${String(sent.sendTime)}`, (m) => at(m, 'sendTime') <= Date.parse(String(sent.sendTime))],
      [`sendTime.gt=${String(sent.sendTime)}`, (m) => at(m, 'sendTime') > Date.parse(String(sent.sendTime))],
      'tryTimes=1',
      'tryTimes=0&receiver.phoneNumber=' + d.msisdn,
    ],
    { empty: ['id=abc', `sendTime.gt=${String(sent.sendTime)}`] },
  );
  for (const [q, field] of [
    ['characteristic.value=sent', 'characteristic.value'],
    ['sendTimeComplete=2026-03-10T09:00:00Z', 'sendTimeComplete'],
    ['sendTime.gt=soon', 'sendTime.gt'],
  ] as const) {
    const bad = await call('GET', `/communicationMessage?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field);
  }
});
