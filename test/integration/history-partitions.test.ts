import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import { getDashboard } from '../../src/domain/business/dashboard.ts';
import type { Core } from '../../src/domain/core.ts';
import { postEntry } from '../../src/domain/ledger/post-entry.ts';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger.ts';
import { loadDetailRecords } from '../../src/domain/reports/detail.ts';
import { getSpending } from '../../src/domain/reports/get-spending.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { searchAudit } from '../../src/domain/audit/search-audit.ts';
import { historyJob } from '../../src/jobs/history.ts';
import { drainOutbox } from '../../src/jobs/sms-outbox.ts';
import { enqueueSms } from '../../src/domain/notifications/enqueue-sms.ts';
import { listMessages } from '../../src/domain/notifications/list-messages.ts';
import { recordDeliveryReceipt } from '../../src/domain/notifications/record-delivery-receipt.ts';
import { recordIncomingSms } from '../../src/domain/notifications/record-incoming-sms.ts';
import { listMigrations } from '../../src/store/migrate.ts';
import { makeCompany, type Admin } from '../helpers/business.ts';
import { ctxAs, freshStore, ledgerSum, secondCore, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

// Month partitions (migration 043) and the history job, on the store under test. The clock is in
// March 2026; Moscow is UTC+3, so Moscow's 1 March begins at 2026-02-28T21:00Z.
let env: TestEnv;
let core: Core;
let clock: ManualClock;
let admin: Admin;
let num: { msisdn: string; subscriberId: number; accountId: number };
before(async () => {
  clock = new ManualClock('2026-02-20T09:00:00Z');
  env = await testCore({ clock });
  core = env.core;
  const company = await makeCompany(core, 'ООО «История»', { regions: ['77'], departments: ['Офис'] });
  admin = await company.admin('contract_admin');
  num = await company.number({ region: '77', department: company.departments[0]!, balance: 500_000 });
});
after(() => env.close());

const op = () => ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });
const partitionOf = async (table: 'usage_record' | 'ledger_entry', where: string, params: unknown[]) =>
  (await core.db.query<{ p: string }>(`SELECT tableoid::regclass::text AS p FROM ${table} WHERE ${where}`, params)).map((r) => r.p);
const records = (): UsageInput[] => [
  // 23:59 on 28 February and 00:01 on 1 March, Moscow time; a call and 300 MB of data each side.
  { recordId: 'b-feb-call', msisdn: num.msisdn, kind: 'voice', zone: 'roaming', startedAt: '2026-02-28T20:59:00Z', durationSeconds: 120 },
  { recordId: 'b-feb-data', msisdn: num.msisdn, kind: 'data', zone: 'roaming', startedAt: '2026-02-28T20:59:30Z', bytes: 300_000_000 },
  { recordId: 'b-mar-call', msisdn: num.msisdn, kind: 'voice', zone: 'roaming', startedAt: '2026-02-28T21:01:00Z', durationSeconds: 180 },
  { recordId: 'b-mar-data', msisdn: num.msisdn, kind: 'data', zone: 'roaming', startedAt: '2026-02-28T21:01:30Z', bytes: 300_000_000 },
];

test('a month boundary at midnight Moscow time: records and charges either side land in their own month, and reports count each in its month', async () => {
  const [feb, mar] = [records().slice(0, 2), records().slice(2)];
  clock.set('2026-02-28T20:59:50Z');
  assert.equal((await ingestUsage(core, op(), feb)).accepted, 2);
  clock.set('2026-02-28T21:01:50Z');
  assert.equal((await ingestUsage(core, op(), mar)).accepted, 2);
  clock.set('2026-03-10T09:00:00Z');

  // The job makes the months that waited in the default partition, and this month and the next two.
  const made = await historyJob(core, { now: clock.now() });
  for (const p of ['usage_record_202602', 'usage_record_202603', 'usage_record_202605', 'ledger_entry_202602', 'ledger_entry_202603']) assert.ok(made.created.includes(p), p);
  assert.deepEqual((await historyJob(core, { now: clock.now() })).created, [], 'a second run makes nothing');
  for (const t of ['usage_record_default', 'ledger_entry_default']) assert.equal((await core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`))[0]!.n, 0, `${t} emptied`);

  assert.deepEqual(await partitionOf('usage_record', "record_id IN ('b-feb-call', 'b-feb-data') ORDER BY record_id", []), ['usage_record_202602', 'usage_record_202602']);
  assert.deepEqual(await partitionOf('usage_record', "record_id IN ('b-mar-call', 'b-mar-data') ORDER BY record_id", []), ['usage_record_202603', 'usage_record_202603']);
  assert.deepEqual(await partitionOf('ledger_entry', "idempotency_key IN ('usage:b-feb-call', 'usage:b-mar-call') ORDER BY created_at", []), ['ledger_entry_202602', 'ledger_entry_202603']);

  // A report across the two partitions: the detail of 20 February – 5 March, in time order.
  const detail = await loadDetailRecords(core.db, { accountId: num.accountId, subscriberId: num.subscriberId, start: new Date('2026-02-20T00:00:00Z'), end: new Date('2026-03-05T00:00:00Z') });
  assert.deepEqual(detail.map((r) => [r.kind, new Date(r.startedAt).toISOString()]), [
    ['voice', '2026-02-28T20:59:00.000Z'], ['data', '2026-02-28T20:59:30.000Z'], ['voice', '2026-02-28T21:01:00.000Z'], ['data', '2026-02-28T21:01:30.000Z'],
  ]);
  const charged = (ids: string[]) => detail.filter((_, i) => ids.includes(records()[i]!.recordId)).reduce((s, r) => s + r.charged, 0);
  const febCharged = charged(['b-feb-call', 'b-feb-data']);
  const marCharged = charged(['b-mar-call', 'b-mar-data']);
  assert.ok(febCharged > 0 && marCharged > 0, 'roaming is charged on both sides');

  // Each month's spending and traffic hold its own side of midnight.
  const me = subscriberCtx(num.subscriberId);
  const spendFeb = await getSpending(core, me, { msisdn: num.msisdn, month: '2026-02' });
  const spendMar = await getSpending(core, me, { msisdn: num.msisdn, month: '2026-03' });
  assert.equal(spendFeb.categories.find((c) => c.category === 'roaming')!.amount, febCharged);
  assert.equal(spendMar.categories.find((c) => c.category === 'roaming')!.amount, marCharged);
  assert.equal(spendFeb.internet.bytes, 300_000_000);
  const dashFeb = await getDashboard(core, admin.ctx, { month: '2026-02' });
  const dashMar = await getDashboard(core, admin.ctx, { month: '2026-03' });
  assert.deepEqual(dashFeb.trafficByDay.map((d) => [d.date, d.minutes]), [['2026-02-28', 2]]);
  assert.deepEqual(dashMar.trafficByDay.map((d) => [d.date, d.minutes]), [['2026-03-01', 3]]);

  // Replayed after the move, every record is known by its key in whichever month it lies.
  const balance = (await ledgerSum(core, num.accountId)).balance;
  const again = await ingestUsage(core, op(), records());
  assert.deepEqual([again.accepted, again.duplicates], [0, 4]);
  assert.equal((await ledgerSum(core, num.accountId)).balance, balance);
  assert.deepEqual((await verifyLedger(core.db)).mismatches, []);
});

test('one ledger entry per idempotency key across months, whoever writes it', async () => {
  const before = await ledgerSum(core, num.accountId);
  const entry = (at: string) => postEntry(core.db, { accountId: num.accountId, amount: 1_000, kind: 'payment', idempotencyKey: 'pay-across', category: 'payment', at: new Date(at) });
  const first = await entry('2026-02-27T10:00:00Z');
  assert.equal(first.booked, true);
  const second = await entry('2026-03-09T10:00:00Z');
  assert.deepEqual(second, { id: first.id, booked: false }, 'the same key a month later books nothing and names the first entry');
  // A raw INSERT (no key taken first) of a key held in another month fails on the key table.
  await assert.rejects(
    core.db.query("INSERT INTO ledger_entry (account_id, amount, kind, idempotency_key, created_at) VALUES ($1, 1000, 'payment', 'pay-across', '2026-03-09T11:00:00Z')", [num.accountId]),
    (e: { code?: string; constraint?: string }) => e.code === '23505' && e.constraint === 'ledger_entry_key_pkey',
  );
  const l = await ledgerSum(core, num.accountId);
  assert.deepEqual([l.balance, l.entries], [before.balance + 1_000, before.entries + 1]);
});

test('retention: old months of usage are summarised per day and dropped; reports over them answer from the summary; the ledger stays whole', async () => {
  const me = subscriberCtx(num.subscriberId);
  const view = async () => ({
    feb: await getSpending(core, me, { msisdn: num.msisdn, month: '2026-02' }),
    mar: await getSpending(core, me, { msisdn: num.msisdn, month: '2026-03' }),
    dashFeb: (await getDashboard(core, admin.ctx, { month: '2026-02' })).trafficByDay,
    dashMar: (await getDashboard(core, admin.ctx, { month: '2026-03' })).trafficByDay,
  });
  const strip = (v: Awaited<ReturnType<typeof view>>) => ({ ...v, feb: { ...v.feb, asOf: '' }, mar: { ...v.mar, asOf: '' } });
  const shown = await view();
  const ledger = await ledgerSum(core, num.accountId);
  const now = new Date('2026-05-10T09:00:00Z');

  // Kept one month, but February is still within the 90 days usage may arrive late: nothing goes.
  assert.deepEqual((await historyJob(core, { now, retentionMonths: 1 })).dropped, []);
  const maxAge = core.settings.usageMaxAgeDays;
  core.settings.usageMaxAgeDays = 20;
  try {
    const gone = await historyJob(core, { now, retentionMonths: 1 });
    assert.deepEqual(gone.dropped, ['usage_record_202602', 'usage_record_202603']);
    assert.equal(gone.summarised, 4);
    assert.deepEqual((await historyJob(core, { now, retentionMonths: 1 })).dropped, [], 'a second run drops nothing');
  } finally {
    core.settings.usageMaxAgeDays = maxAge;
  }
  for (const p of ['usage_record_202602', 'usage_record_202603']) assert.equal((await core.db.query('SELECT to_regclass($1) AS r', [p]))[0]!.r, null, `${p} dropped`);

  // The detail and its keys are gone; the summary holds each local day's totals; the ledger is whole.
  assert.equal((await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM usage_record WHERE record_id LIKE 'b-%'"))[0]!.n, 0);
  assert.equal((await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM usage_record_key WHERE record_id LIKE 'b-%'"))[0]!.n, 0);
  const days = await core.db.query<{ day: Date; kind: string; records: number; duration_seconds: number; bytes: number }>(
    'SELECT day_start AS day, kind, records::int, duration_seconds::int, bytes::bigint AS bytes FROM usage_daily WHERE subscriber_id = $1 ORDER BY 1, 2',
    [num.subscriberId],
  );
  assert.deepEqual(days.map((d) => [new Date(d.day).toISOString(), d.kind, d.records, d.duration_seconds, Number(d.bytes)]), [
    ['2026-02-27T21:00:00.000Z', 'data', 1, 0, 300_000_000],
    ['2026-02-27T21:00:00.000Z', 'voice', 1, 120, 0],
    ['2026-02-28T21:00:00.000Z', 'data', 1, 0, 300_000_000],
    ['2026-02-28T21:00:00.000Z', 'voice', 1, 180, 0],
  ]);
  const [{ detail_from: from }] = (await core.db.query<{ detail_from: Date }>("SELECT detail_from FROM history_retention WHERE table_name = 'usage_record'")) as [{ detail_from: Date }];
  assert.equal(new Date(from).toISOString(), '2026-03-31T21:00:00.000Z');
  for (const p of ['ledger_entry_202602', 'ledger_entry_202603']) assert.ok((await core.db.query('SELECT to_regclass($1) AS r', [p]))[0]!.r, `${p} kept`);
  assert.deepEqual(await ledgerSum(core, num.accountId), ledger);
  assert.deepEqual(await verifyLedger(core.db).then((v) => [v.mismatches, v.unpairedKeys, v.monthSpendMismatches]), [[], 0, 0]);

  // Spending, internet and the company's traffic by day read the same as before the drop.
  assert.deepEqual(strip(await view()), strip(shown));
});

test('the audit log: events land in their month\'s partition, the audit search reads across months, months past AUDIT_RETENTION_MONTHS are dropped whole', async () => {
  const event = (at: string, action: string) =>
    core.db.query("INSERT INTO audit_event (at, actor_kind, channel, action, subscriber_id) VALUES ($1, 'system', 'tmf', $2, $3)", [at, action, num.subscriberId]);
  // 23:59 on 31 January 2025 and 00:01 on 1 February, Moscow time; one in November 2024; one in March 2026.
  await event('2025-01-31T20:59:00Z', 'test.jan');
  await event('2025-01-31T21:01:00Z', 'test.feb');
  await event('2024-11-15T10:00:00Z', 'test.nov');
  await event('2026-03-09T10:00:00Z', 'test.mar');
  const now = new Date('2026-03-10T09:00:00Z');
  const made = await historyJob(core, { now, auditRetentionMonths: 60 });
  for (const p of ['audit_event_202411', 'audit_event_202501', 'audit_event_202502']) assert.ok(made.created.includes(p), p);
  assert.deepEqual(made.auditDropped, []);
  assert.equal((await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event_default'))[0]!.n, 0, 'default partition emptied');
  const where = async () =>
    (await core.db.query<{ a: string; p: string }>("SELECT action AS a, tableoid::regclass::text AS p FROM audit_event WHERE action LIKE 'test.%' ORDER BY at")).map((r) => `${r.a} ${r.p}`);
  assert.deepEqual(await where(), ['test.nov audit_event_202411', 'test.jan audit_event_202501', 'test.feb audit_event_202502', 'test.mar audit_event_202603']);
  // The operator's audit search, newest first, across the four partitions.
  const search = async () => (await searchAudit(core, op(), { msisdn: num.msisdn, limit: 500 })).items.filter((i) => i.action.startsWith('test.')).map((i) => i.action);
  assert.deepEqual(await search(), ['test.mar', 'test.nov', 'test.feb', 'test.jan'], 'by id, as written');

  // Kept 12 months: everything before March 2025 goes, whole months, and a second run drops nothing.
  const gone = await historyJob(core, { now, auditRetentionMonths: 12 });
  assert.deepEqual(gone.auditDropped, ['audit_event_202411', 'audit_event_202501', 'audit_event_202502']);
  assert.deepEqual(gone.dropped, [], 'usage detail has its own retention');
  assert.deepEqual((await historyJob(core, { now, auditRetentionMonths: 12 })).auditDropped, []);
  assert.deepEqual(await search(), ['test.mar']);
  const [{ detail_from: from }] = (await core.db.query<{ detail_from: Date }>("SELECT detail_from FROM history_retention WHERE table_name = 'audit_event'")) as [{ detail_from: Date }];
  assert.equal(new Date(from).toISOString(), '2025-02-28T21:00:00.000Z');
  // New events go on being written, with ids after the old ones.
  await event('2026-03-10T09:00:00Z', 'test.after');
  assert.deepEqual(await search(), ['test.after', 'test.mar']);
});

test('the SMS history: messages either side of midnight on the 1st in their months, read as one; an incoming message counted once across months; the outbox sends and retries in old months; retention keeps a month with a message still queued', async () => {
  const at = (iso: string) => clock.set(iso);
  const incoming = (smscId: string, text: string) => recordIncomingSms(core, { msisdn: num.msisdn, to: '8111', text, smscId, gateway: 'smpp' });
  const out = (text: string, when: string) => enqueueSms(core.db, { msisdn: num.msisdn, text, kind: 'notice', at: new Date(when) });
  // December 2025: a message whose retries wait far ahead (still queued a year on).
  const held = await out('sms-dec-queued', '2025-12-10T10:00:00Z');
  await core.db.query("UPDATE sms_message SET next_attempt_at = '2099-01-01T00:00:00Z' WHERE id = $1", [held]);
  // January 2026: an incoming message and its answer.
  at('2026-01-20T10:00:00Z');
  const janMo = await incoming('smsc-jan', 'БАЛАНС');
  assert.ok(janMo);
  await core.db.query("UPDATE sms_message SET status = 'handled' WHERE id = $1", [janMo]);
  await out('sms-jan-reply', '2026-01-20T10:00:01Z');
  // 23:59 on 28 February and 00:01 on 1 March, Moscow time.
  at('2026-02-28T20:59:00Z');
  assert.ok(await incoming('smsc-feb', 'ПОМОЩЬ'));
  const febMt = await out('sms-feb', '2026-02-28T20:59:30Z');
  at('2026-02-28T21:01:00Z');
  const marMt = await out('sms-mar', '2026-02-28T21:01:00Z');
  // The SMSC delivers February's message again in March: counted once, by the key it left.
  assert.equal(await incoming('smsc-feb', 'ПОМОЩЬ'), null, 'a repeat in another month records nothing');
  assert.ok(await incoming('smsc-mar', 'ПОМОЩЬ'), 'another message is recorded');
  // Any other writer is held to the same key.
  await assert.rejects(
    core.db.query("INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, smsc_id) VALUES ('mo', $1, '8111', 'x', 'handled', '2026-03-02T10:00:00Z', 'smsc-feb')", [num.msisdn]),
    /sms_mo_key_pkey/,
  );
  // The same message delivered to two instances at once (two pools on PostgreSQL): one records it.
  const other = await secondCore(env);
  const race = { msisdn: '79990000077', to: '8111', text: 'x', smscId: 'smsc-race', gateway: 'smpp' };
  const both = await Promise.all([core, other].map((c) => recordIncomingSms(c, race)));
  assert.equal(both.filter((id) => id !== null).length, 1, `one of ${JSON.stringify(both)}`);

  at('2026-03-10T09:00:00Z');
  const made = await historyJob(core, { now: clock.now() });
  // The months that waited in the default partition (March to May were made by the first test's run).
  assert.deepEqual(made.created.filter((p) => p.startsWith('sms_message_')), ['sms_message_202512', 'sms_message_202601', 'sms_message_202602']);
  assert.equal((await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sms_message_default'))[0]!.n, 0, 'default partition emptied');
  // Only this test's messages (earlier tests' notices to the number are left aside).
  const mine = (t: string) => t.startsWith('sms-') || t === 'БАЛАНС' || t === 'ПОМОЩЬ';
  const where = async () =>
    (await core.db.query<{ t: string; p: string }>('SELECT text AS t, tableoid::regclass::text AS p FROM sms_message WHERE msisdn = $1 ORDER BY id', [num.msisdn]))
      .filter((r) => mine(r.t)).map((r) => `${r.t} ${r.p}`);
  const inbox = async () => (await listMessages(core, { msisdn: num.msisdn })).map((m) => m.text).filter(mine);
  assert.deepEqual(await where(), [
    'sms-dec-queued sms_message_202512', 'БАЛАНС sms_message_202601', 'sms-jan-reply sms_message_202601', 'ПОМОЩЬ sms_message_202602',
    'sms-feb sms_message_202602', 'sms-mar sms_message_202603', 'ПОМОЩЬ sms_message_202603',
  ]);
  // The number's messages, newest first, read across the months.
  assert.deepEqual(await inbox(), ['ПОМОЩЬ', 'sms-mar', 'sms-feb', 'ПОМОЩЬ', 'sms-jan-reply', 'БАЛАНС', 'sms-dec-queued']);
  assert.equal(await incoming('smsc-feb', 'ПОМОЩЬ'), null, 'still once after the move');

  // The outbox claims, retries and sends messages in their months' partitions, by id.
  let fail = true;
  const sent: string[] = [];
  const transport = {
    name: 'test',
    send: async (m: { text: string }) => {
      if (m.text === 'sms-feb' && fail) return (fail = false), { status: 'retry' as const, error: 'throttled' };
      if (m.text.startsWith('sms-')) sent.push(m.text);
      return { status: 'sent' as const, ref: `gw-${m.text}` };
    },
  };
  await drainOutbox(core, transport);
  assert.deepEqual(sent.sort(), ['sms-jan-reply', 'sms-mar']);
  await core.db.query('UPDATE sms_message SET next_attempt_at = NULL WHERE id = $1', [febMt]);
  await drainOutbox(core, transport);
  assert.deepEqual(sent, ['sms-jan-reply', 'sms-mar', 'sms-feb']);
  assert.ok(await recordDeliveryReceipt(core, { ref: 'gw-sms-feb', stat: 'DELIVRD' }), 'a receipt finds February\'s message by its gateway id');
  const state = async (id: number) => (await core.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM sms_message WHERE id = $1', [id]))[0];
  assert.deepEqual(await state(febMt), { status: 'delivered', attempts: 2 });
  assert.deepEqual(await state(marMt), { status: 'sent', attempts: 1 });
  assert.deepEqual(await state(held), { status: 'queued', attempts: 0 });
  await core.db.query("UPDATE sms_message SET status = 'handled' WHERE direction = 'mo' AND msisdn = $1", [num.msisdn]);

  // Twelve months kept on 10 March 2027: January and February 2026 go with their keys; December
  // 2025 stays while its message is queued, and goes once it is not.
  const later = new Date('2027-03-10T09:00:00Z');
  const keys = async () => (await core.db.query<{ k: string }>('SELECT smsc_id AS k FROM sms_mo_key WHERE msisdn = $1 ORDER BY 1', [num.msisdn])).map((r) => r.k);
  assert.deepEqual(await keys(), ['smsc-feb', 'smsc-jan', 'smsc-mar']);
  const gone = await historyJob(core, { now: later, smsRetentionMonths: 12, auditRetentionMonths: 1200 });
  assert.deepEqual([gone.smsDropped, gone.smsHeld], [['sms_message_202601', 'sms_message_202602'], ['sms_message_202512']]);
  assert.deepEqual(await keys(), ['smsc-mar']);
  assert.deepEqual(await inbox(), ['ПОМОЩЬ', 'sms-mar', 'sms-dec-queued']);
  await core.db.query("UPDATE sms_message SET status = 'failed' WHERE id = $1", [held]);
  const rest = await historyJob(core, { now: later, smsRetentionMonths: 12, auditRetentionMonths: 1200 });
  assert.deepEqual([rest.smsDropped, rest.smsHeld], [['sms_message_202512'], []]);
  const [{ detail_from: from }] = (await core.db.query<{ detail_from: Date }>("SELECT detail_from FROM history_retention WHERE table_name = 'sms_message'")) as [{ detail_from: Date }];
  assert.equal(new Date(from).toISOString(), '2026-02-28T21:00:00.000Z', 'whole from March 2026 once no older month is held');
  assert.deepEqual((await historyJob(core, { now: later, smsRetentionMonths: 12, auditRetentionMonths: 1200 })).smsDropped, [], 'a second run drops nothing');
});

test('the other per-event tables: finished rows past EVENT_RETENTION_MONTHS are deleted, unfinished and recent ones kept', async () => {
  const old = '2025-01-15T10:00:00Z';
  const recent = '2026-02-15T10:00:00Z';
  const [{ customer_id: customer }] = (await core.db.query<{ customer_id: number }>('SELECT customer_id FROM account WHERE id = $1', [num.accountId])) as [{ customer_id: number }];
  await core.db.query("INSERT INTO tmf_hub (id, api, callback) VALUES ('h-ret', 'productOrdering', 'http://127.0.0.1:1/cb')");
  const s = num.subscriberId;
  await core.db.exec(`
    INSERT INTO tmf_event_delivery (hub_id, api, event_id, event_type, url, body, status, next_attempt_at, created_at) VALUES
      ('h-ret', 'x', 'e1', 't', 'u', '{}', 'delivered', '${old}', '${old}'), ('h-ret', 'x', 'e2', 't', 'u', '{}', 'failed', '${old}', '${old}'),
      ('h-ret', 'x', 'e3', 't', 'u', '{}', 'pending', '${old}', '${old}'), ('h-ret', 'x', 'e4', 't', 'u', '{}', 'delivered', '${recent}', '${recent}');
    INSERT INTO mail_message (to_address, subject, body, kind, status, created_at) VALUES
      ('a@example.org', 's', 'b', 'k', 'sent', '${old}'), ('a@example.org', 's', 'b', 'k', 'queued', '${old}'), ('a@example.org', 's', 'b', 'k', 'sent', '${recent}');
    INSERT INTO alert (subscriber_id, key, kind, params, via_sms, via_app, created_at, release_at, released_at) VALUES
      (${s}, 'ret:1', 'low_balance', '{}', false, true, '${old}', '${old}', '${old}'),
      (${s}, 'ret:2', 'low_balance', '{}', false, true, '${old}', '2099-01-01T00:00:00Z', NULL),
      (${s}, 'quota:999999:80', 'package_80', '{"periodEnd": "2099-01-01T00:00:00Z"}', false, true, '${old}', '${old}', '${old}'),
      (${s}, 'quota:999998:80', 'package_80', '{"periodEnd": "2025-02-01T00:00:00Z"}', false, true, '${old}', '${old}', '${old}'),
      (${s}, 'ret:3', 'low_balance', '{}', false, true, '${recent}', '${recent}', '${recent}');
    INSERT INTO locator_request (requester_id, target_id, at, channel, outcome) VALUES (${s}, ${s}, '${old}', 'ussd', 'refused'), (${s}, ${s}, '${recent}', 'ussd', 'refused');
    INSERT INTO auto_payment_attempt (account_id, subscriber_id, at, trigger, amount, outcome) VALUES
      (${num.accountId}, ${s}, '${old}', 'low_balance', 100, 'failed'), (${num.accountId}, ${s}, '${recent}', 'low_balance', 100, 'failed');
    INSERT INTO number_limit_event (subscriber_id, period, customer_id, amount, spent, scope, action, at) VALUES
      (${s}, '2025-01', ${customer}, 1, 1, 'all', 'notify', '${old}'), (${s}, '2026-02', ${customer}, 1, 1, 'all', 'notify', '${recent}')
    ON CONFLICT DO NOTHING;
    INSERT INTO session (id, kind, subject_id, channel, method, created_at, expires_at) VALUES
      ('ret-old', 'subscriber', ${s}, 'web', 'otp', '${old}', '${old}'), ('ret-new', 'subscriber', ${s}, 'web', 'otp', '${old}', '2099-01-01T00:00:00Z');
    INSERT INTO otp (subject, purpose, code_hash, expires_at, created_at) VALUES ('ret', 'login', 'x', '${old}', '${old}'), ('ret', 'login', 'x', '${recent}', '${recent}');
    INSERT INTO idempotency_record (scope, key, operation, fingerprint, result, created_at) VALUES
      ('ret', 'old', 'op', 'f', '{}', '${old}'), ('ret', 'new', 'op', 'f', '{}', '${recent}');
    INSERT INTO sms_mo_part (msisdn, short_code, ref, total, seq, text, received_at) VALUES
      ('79990000001', '8111', 7, 2, 1, 'a', '${old}'), ('79990000001', '8111', 8, 2, 1, 'a', '${recent}');
  `);
  const count = async (t: string) => (await core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE ${t === 'alert' ? "key LIKE 'ret:%' OR key LIKE 'quota:99999%'" : t === 'session' ? "id LIKE 'ret-%'" : t === 'otp' ? "subject = 'ret'" : t === 'idempotency_record' ? "scope = 'ret'" : t === 'sms_mo_part' ? "msisdn = '79990000001'" : 'true'}`))[0]!.n;
  const before: Record<string, number> = Object.fromEntries(await Promise.all(['tmf_event_delivery', 'mail_message', 'alert', 'locator_request', 'auto_payment_attempt', 'number_limit_event', 'session', 'otp', 'idempotency_record', 'sms_mo_part'].map(async (t) => [t, await count(t)])));
  // Twelve months kept on 10 March 2026: everything before March 2025 that is finished goes.
  const run = await historyJob(core, { now: new Date('2026-03-10T09:00:00Z'), eventRetentionMonths: 12 });
  const deleted: Record<string, number> = { ...run.eventsDeleted };
  assert.deepEqual(run.eventsDeleted, { tmf_event_delivery: 2, mail_message: 1, alert: 2, locator_request: 1, auto_payment_attempt: 1, number_limit_event: 1, session: 1, otp: 1, idempotency_record: 1, sms_mo_part: 1 });
  for (const [t, n] of Object.entries(before)) assert.equal(await count(t), n - deleted[t]!, t);
  assert.deepEqual((await core.db.query<{ k: string }>("SELECT key AS k FROM alert WHERE key LIKE 'ret:%' OR key LIKE 'quota:99999%' ORDER BY 1")).map((r) => r.k), ['quota:999999:80', 'ret:2', 'ret:3'], 'a waiting alert and a package still running are kept');
  assert.deepEqual((await historyJob(core, { now: new Date('2026-03-10T09:00:00Z'), eventRetentionMonths: 12 })).eventsDeleted, {}, 'a second run deletes nothing');
});

test('the migrations move a store with rows in several months into month partitions (usage and ledger, then the audit log, then the SMS history), keys and balances intact', async () => {
  const store = await freshStore();
  try {
    const db = store.db;
    await db.exec('CREATE TABLE schema_migration (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const all = listMigrations();
    for (const m of all.filter((x) => x.version < 43)) await db.exec(m.sql);
    // Rows as a store before 043 holds them, in three months (triggers off: no catalog or customers here).
    await db.tx(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query('INSERT INTO account (customer_id, balance) VALUES (1, 600), (1, -50)');
      await tx.query(
        `INSERT INTO ledger_entry (account_id, amount, kind, idempotency_key, created_at) VALUES
           (1, 1000, 'payment', 'p1', '2026-01-15T10:00:00Z'), (1, -400, 'fee', 'f1', '2026-02-28T21:30:00Z'),
           (2, -50, 'usage', 'u1', '2026-02-28T20:30:00Z')`,
      );
      await tx.query(
        `INSERT INTO usage_record (account_id, record_id, subscriber_id, kind, zone, started_at, billed_units, rated_at) VALUES
           (2, 'u1', 9, 'sms', 'home', '2026-02-28T20:30:00Z', 1, now()), (2, 'u2', 9, 'sms', 'home', '2026-03-01T08:00:00Z', 1, now()),
           (1, 'u1', 8, 'sms', 'home', '2025-12-31T22:00:00Z', 1, now())`,
      );
    });
    await db.tx((tx) => tx.exec(all.find((x) => x.version === 43)!.sql));

    const where = async (t: string) => (await db.query<{ p: string; k: string }>(`SELECT tableoid::regclass::text AS p, ${t === 'ledger_entry' ? 'idempotency_key' : 'record_id'} || '@' || account_id AS k FROM ${t} ORDER BY 2`)).map((r) => `${r.k} ${r.p}`);
    assert.deepEqual(await where('ledger_entry'), ['f1@1 ledger_entry_202603', 'p1@1 ledger_entry_202601', 'u1@2 ledger_entry_202602']);
    assert.deepEqual(await where('usage_record'), ['u1@1 usage_record_202601', 'u1@2 usage_record_202602', 'u2@2 usage_record_202603']);
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entry_key'))[0]!.n, 3);
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_record_key'))[0]!.n, 3);
    assert.deepEqual(await verifyLedger(db).then((v) => [v.mismatches, v.unpairedKeys]), [[], 0]);
    // The ids go on from where they were, and the moved keys still decide.
    const next = await postEntry(db, { accountId: 1, amount: 5, kind: 'adjustment', idempotencyKey: 'p1', at: new Date('2026-04-01T00:00:00Z') });
    assert.equal(next.booked, false);
    const fresh = await postEntry(db, { accountId: 1, amount: 5, kind: 'adjustment', idempotencyKey: 'a1', at: new Date('2026-04-01T00:00:00Z') });
    assert.ok(fresh.booked && fresh.id > 3, `new id ${fresh.id}`);
    assert.equal((await db.query<{ balance: number }>('SELECT balance FROM account WHERE id = 1'))[0]!.balance, 605);
    // verify pairs every entry with its key: a key left without an entry is reported.
    await db.query("INSERT INTO ledger_entry_key (account_id, idempotency_key, created_at) VALUES (2, 'orphan', now())");
    assert.equal((await verifyLedger(db)).unpairedKeys, 1);

    // The audit log (051) moves the same way, ids kept, and ids go on after them.
    for (const m of all.filter((x) => x.version > 43 && x.version < 51)) await db.tx((tx) => tx.exec(m.sql));
    await db.query(
      `INSERT INTO audit_event (at, actor_kind, channel, action) VALUES
         ('2026-01-31T20:59:00Z', 'system', 'cli', 'a.jan'), ('2026-01-31T21:01:00Z', 'system', 'cli', 'a.feb'), ('2025-06-01T12:00:00Z', 'system', 'cli', 'a.jun')`,
    );
    await db.tx((tx) => tx.exec(all.find((x) => x.version === 51)!.sql));
    const audit = await db.query<{ id: number; action: string; p: string }>('SELECT id::int, action, tableoid::regclass::text AS p FROM audit_event ORDER BY id');
    assert.deepEqual(audit.map((r) => `${r.id} ${r.action} ${r.p}`), ['1 a.jan audit_event_202601', '2 a.feb audit_event_202602', '3 a.jun audit_event_202506']);
    await db.query("INSERT INTO audit_event (at, actor_kind, channel, action) VALUES (now(), 'system', 'cli', 'a.now')");
    assert.equal((await db.query<{ id: number }>("SELECT id::int FROM audit_event WHERE action = 'a.now'"))[0]!.id, 4);

    // The SMS history (054) moves the same way, ids kept, the incoming messages' keys with them.
    for (const m of all.filter((x) => x.version > 51 && x.version < 54)) await db.tx((tx) => tx.exec(m.sql));
    await db.query(
      `INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, smsc_id) VALUES
         ('mo', '79990000001', '8111', 'm.jan', 'handled', '2026-01-31T20:59:00Z', 's1'), ('mt', '79990000001', 'Abonent', 'm.feb', 'queued', '2026-01-31T21:01:00Z', NULL),
         ('mo', '79990000001', '8111', 'm.jun', 'handled', '2025-06-01T12:00:00Z', 's2'), ('mo', '79990000001', '8111', 'm.nokey', 'handled', '2025-06-02T12:00:00Z', NULL)`,
    );
    await db.tx((tx) => tx.exec(all.find((x) => x.version === 54)!.sql));
    const sms = await db.query<{ id: number; text: string; p: string }>('SELECT id::int, text, tableoid::regclass::text AS p FROM sms_message ORDER BY id');
    assert.deepEqual(sms.map((r) => `${r.id} ${r.text} ${r.p}`), ['1 m.jan sms_message_202601', '2 m.feb sms_message_202602', '3 m.jun sms_message_202506', '4 m.nokey sms_message_202506']);
    assert.deepEqual((await db.query<{ k: string }>('SELECT smsc_id AS k FROM sms_mo_key ORDER BY 1')).map((r) => r.k), ['s1', 's2']);
    await assert.rejects(
      db.query("INSERT INTO sms_message (direction, msisdn, short_code, text, status, smsc_id) VALUES ('mo', '79990000001', '8111', 'again', 'received', 's1')"),
      /sms_mo_key_pkey/,
    );
    const [{ id: smsNext }] = (await db.query<{ id: number }>("INSERT INTO sms_message (direction, msisdn, short_code, text) VALUES ('mt', '79990000001', 'Abonent', 'm.now') RETURNING id::int")) as [{ id: number }];
    assert.ok(smsNext > 4, `ids go on after the moved ones: ${smsNext}`);
  } finally {
    await store.drop();
  }
});
