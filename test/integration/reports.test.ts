import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../../src/domain/auth/sessions.ts';
import type { Core } from '../../src/domain/core.ts';
import { postEntries, postEntry, type EntryCategory, type EntryKind } from '../../src/domain/ledger/post-entry.ts';
import { downloadReport } from '../../src/domain/reports/download-report.ts';
import { getReports } from '../../src/domain/reports/get-reports.ts';
import { getSpending } from '../../src/domain/reports/get-spending.ts';
import { getTrafficSeries } from '../../src/domain/reports/get-traffic-series.ts';
import { orderDetailReport, REPORT_ORDERS_PER_DAY } from '../../src/domain/reports/order-detail-report.ts';
import { DomainError } from '../../src/domain/shared/errors.ts';
import { generateReports } from '../../src/jobs/generate-reports.ts';
import { ctxAs, makeSubscriber, secondCore, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

// The test clock: 2026-03-10 09:00 UTC = 12:00 in Moscow (region 77, UTC+3).
let env: TestEnv;
let core: Core;
let app: FastifyInstance;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
});
after(async () => {
  await app?.close();
  await env?.close();
});

type Sub = Awaited<ReturnType<typeof makeSubscriber>>;
const refusal = (code: string, params: Record<string, unknown> = {}) => (e: unknown) => {
  assert.ok(e instanceof DomainError, String(e));
  assert.equal(e.code, code);
  for (const [k, v] of Object.entries(params)) assert.equal(e.params[k], v, k);
  return true;
};

let recordSeq = 0;
interface Usage {
  at: string;
  kind: 'voice' | 'sms' | 'mms' | 'data';
  zone?: 'home' | 'intercity' | 'roaming';
  seconds?: number;
  bytes?: number;
  counterpart?: string | null;
  billed?: number;
  quota?: number;
  charged?: number;
}

/** A rated usage record as the rating engine would leave it, and its charge in the ledger. */
async function addUsage(s: Sub, u: Usage): Promise<void> {
  recordSeq += 1;
  const recordId = `cdr-${recordSeq}`;
  const zone = u.zone ?? 'home';
  const billed = u.billed ?? (u.kind === 'voice' ? Math.ceil((u.seconds ?? 0) / 60) * 60 : u.kind === 'data' ? (u.bytes ?? 0) : 1);
  const charged = u.charged ?? 0;
  await core.db.query(
    `INSERT INTO usage_record (account_id, record_id, subscriber_id, kind, zone, started_at, duration_seconds, bytes, counterpart, billed_units, quota_units, charged, rated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $6)`,
    [s.accountId, recordId, s.subscriberId, u.kind, zone, new Date(u.at), u.kind === 'voice' ? (u.seconds ?? 0) : null, u.kind === 'data' ? (u.bytes ?? 0) : null,
      u.counterpart === undefined ? '79001234567' : u.counterpart, billed, u.quota ?? 0, charged],
  );
  if (charged > 0) {
    const category: EntryCategory = zone === 'roaming' ? 'roaming' : u.kind === 'voice' ? 'calls' : u.kind === 'data' ? 'internet' : 'sms';
    await entry(s, { at: u.at, amount: -charged, kind: 'usage', category, key: `usage:${recordId}` });
  }
}

let entrySeq = 0;
async function entry(s: Sub, e: { at: string; amount: number; kind: EntryKind; category: EntryCategory | null; key?: string }): Promise<void> {
  entrySeq += 1;
  await postEntry(core.db, { accountId: s.accountId, subscriberId: s.subscriberId, amount: e.amount, kind: e.kind, category: e.category, idempotencyKey: e.key ?? `test:${entrySeq}`, at: new Date(e.at) });
}

/** A minimal RFC 4180 reader for `;`-separated text, quotes included. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  assert.equal(cell + row.join(''), '', 'the file ends with CRLF');
  return rows;
}

const kopecks = (rubles: string) => {
  assert.match(rubles, /^-?\d+,\d{2}$/, 'rubles with a comma and two decimals');
  return Number(rubles.replace(',', ''));
};

/** The text of every page, read back by PDF.js the way a viewer would. */
async function pdfText(pdf: Buffer): Promise<{ pages: number; text: string }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    text += content.items.map((item) => ('str' in item ? item.str : '')).join(' ') + '\n';
  }
  const pages = doc.numPages;
  await doc.destroy();
  return { pages, text };
}

/** Runs the report job until nothing is queued, so one test's orders do not leak into the next. */
async function drainReports(): Promise<void> {
  while ((await generateReports(core, { limit: 50 })).ready.length > 0);
}

async function smsTo(msisdn: string) {
  return core.db.query<{ text: string; kind: string }>("SELECT text, meta->>'kind' AS kind FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id", [msisdn]);
}

test('order → job → ready: the CSV has one line per record of the local period, amounts in rubles; the PDF is real and Cyrillic', async () => {
  const s = await makeSubscriber(core);
  const ctx = subscriberCtx(s.subscriberId);
  // Boundaries are local (Moscow) days: 2026-02-28T21:00Z is already 1 March there.
  await addUsage(s, { at: '2026-02-28T20:59:59Z', kind: 'voice', seconds: 30, charged: 100 }); // 28 Feb local: outside
  await addUsage(s, { at: '2026-02-28T21:00:00Z', kind: 'voice', seconds: 125, counterpart: '79001234567', quota: 120, charged: 450 });
  await addUsage(s, { at: '2026-03-02T08:00:00Z', kind: 'sms', zone: 'intercity', counterpart: '79007654321', charged: 250 });
  await addUsage(s, { at: '2026-03-03T10:15:00Z', kind: 'data', bytes: 5 * 1024 * 1024, counterpart: null, quota: 5 * 1024 * 1024 });
  await addUsage(s, { at: '2026-03-05T12:00:00Z', kind: 'voice', zone: 'roaming', seconds: 61, counterpart: '4915112345678', charged: 12_345 });
  await addUsage(s, { at: '2026-03-09T20:59:59Z', kind: 'mms', counterpart: '+SPAM=1', charged: 1_000_00 });
  await addUsage(s, { at: '2026-03-09T21:00:00Z', kind: 'sms', charged: 300 }); // 10 March local: outside

  const ordered = await orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' });
  assert.equal(ordered.status, 'queued');
  assert.deepEqual([ordered.from, ordered.to, ordered.format, ordered.msisdn], ['2026-03-01', '2026-03-09', 'pdf', s.msisdn]);
  assert.deepEqual((await smsTo(s.msisdn)).map((m) => m.kind), ['report.accepted']);
  assert.match((await smsTo(s.msisdn))[0]!.text, /01\.03\.2026–09\.03\.2026 принят/);
  const audit = await core.db.query<{ action: string; outcome: string }>("SELECT action, outcome FROM audit_event WHERE subscriber_id = $1 AND action LIKE 'report.%'", [s.subscriberId]);
  assert.deepEqual(audit, [{ action: 'report.order', outcome: 'ok' }]);
  await assert.rejects(downloadReport(core, ctx, { msisdn: 'me', id: ordered.id }), refusal('REPORT_NOT_READY', { status: 'queued' }));
  assert.equal((await getReports(core, ctx, { msisdn: 'me' })).items[0]!.status, 'queued');

  const run = await generateReports(core, { now: core.clock.now() });
  assert.ok(run.ready.includes(ordered.id));
  assert.deepEqual(run.failed, []);
  const [listed] = (await getReports(core, ctx, { msisdn: 'me' })).items;
  assert.equal(listed!.status, 'ready');
  assert.equal(listed!.records, 5);
  assert.equal(listed!.totalCharged, 450 + 250 + 12_345 + 1_000_00);
  assert.equal(listed!.readyAt, '2026-03-10T09:00:00.000Z');
  assert.ok(listed!.files.csv! > 0 && listed!.files.pdf! > 0);
  assert.deepEqual((await smsTo(s.msisdn)).map((m) => m.kind), ['report.accepted', 'report.ready']);

  const csv = await downloadReport(core, ctx, { msisdn: 'me', id: ordered.id, format: 'csv' });
  assert.equal(csv.contentType, 'text/csv; charset=utf-8');
  assert.equal(csv.filename, `detail-${s.msisdn}-2026-03-01-2026-03-09.csv`);
  assert.deepEqual([...csv.content.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  const rows = parseCsv(csv.content.toString('utf8').slice(1));
  assert.deepEqual(rows[0], ['Дата и время', 'Тип', 'Номер', 'Зона', 'Длительность / объём', 'Из пакета', 'Сумма, руб.']);
  assert.deepEqual(rows.slice(1), [
    ['01.03.2026 00:00:00', 'Звонок', '+7 900 123-45-67', 'Домашний регион', '0:02:05', '0:02:00', '4,50'],
    ['02.03.2026 11:00:00', 'SMS', '+7 900 765-43-21', 'Межгород', '1', '0', '2,50'],
    ['03.03.2026 13:15:00', 'Интернет', '', 'Домашний регион', '5,00 МБ', '5,00 МБ', '0,00'],
    ['05.03.2026 15:00:00', 'Звонок', "'+4915112345678", 'Роуминг', '0:01:01', '0:00:00', '123,45'],
    ['09.03.2026 23:59:59', 'MMS', "'+SPAM=1", 'Домашний регион', '1', '0', '1000,00'],
  ]);
  assert.equal(rows.slice(1).reduce((sum, r) => sum + kopecks(r[6]!), 0), listed!.totalCharged);

  const pdf = await downloadReport(core, ctx, { msisdn: 'me', id: ordered.id }); // the ordered format
  assert.equal(pdf.contentType, 'application/pdf');
  assert.equal(pdf.filename, `detail-${s.msisdn}-2026-03-01-2026-03-09.pdf`);
  assert.equal(pdf.content.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(pdf.content.subarray(-6).toString('latin1'), /%%EOF\s*$/);
  const { pages, text } = await pdfText(pdf.content);
  assert.equal(pages, 1);
  const formatted = `+7 ${s.msisdn.slice(1, 4)} ${s.msisdn.slice(4, 7)}-${s.msisdn.slice(7, 9)}-${s.msisdn.slice(9)}`;
  assert.ok(text.includes(formatted), `the number ${formatted} is in the PDF text`);
  for (const word of ['Детализация услуг связи', 'Период: 01.03.2026 — 09.03.2026', 'Звонок', 'Роуминг', 'Всего начислено', '123,45']) {
    assert.ok(text.includes(word), `"${word}" is in the PDF text`);
  }
  const downloads = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'report.download'", [s.subscriberId]);
  assert.equal(downloads[0]!.n, 2, 'who took the call details is on record');
});

test('the job makes a report once: a second run finds nothing, and two instances at once split the queue', async () => {
  await drainReports();
  const s = await makeSubscriber(core);
  await addUsage(s, { at: '2026-03-08T10:00:00Z', kind: 'voice', seconds: 42, charged: 300 });
  const ids: string[] = [];
  for (let i = 1; i <= 4; i++) ids.push((await orderDetailReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', from: `2026-03-0${i}`, to: '2026-03-09' })).id);

  const other = await secondCore(env);
  const [a, b] = await Promise.all([generateReports(core, { limit: 10 }), generateReports(other, { limit: 10 })]);
  assert.deepEqual([...a.ready, ...b.ready].sort(), [...ids].sort(), 'each report made by exactly one instance');
  assert.deepEqual((await generateReports(core, {})).ready, [], 'a second run generates nothing');

  const made = await core.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE action = 'report.generate' AND details->>'report' = ANY($1::text[])",
    [ids],
  );
  assert.equal(made[0]!.n, 4);
  const ready = (await smsTo(s.msisdn)).filter((m) => m.kind === 'report.ready');
  assert.equal(ready.length, 4, 'one "ready" SMS per report');
});

test('a report that cannot be made is marked failed once, its owner told; the rest of the queue goes on', async () => {
  await drainReports();
  const s = await makeSubscriber(core, { language: 'en' });
  const ok = await orderDetailReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', from: '2026-03-01', to: '2026-03-09', format: 'csv' });
  const broken = await orderDetailReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', from: '2026-03-02', to: '2026-03-09' });
  // A region whose zone the time library does not know: local times cannot be written for it.
  await core.db.query("UPDATE report SET time_zone = 'Mars/Olympus_Mons' WHERE id = $1", [broken.id]);
  const run = await generateReports(core, {});
  assert.deepEqual(run, { ready: [ok.id], failed: [broken.id] });
  const items = (await getReports(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })).items;
  assert.deepEqual(items.map((i) => [i.id, i.status]).sort(), [[ok.id, 'ready'], [broken.id, 'failed']].sort());
  await assert.rejects(downloadReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', id: broken.id }), refusal('REPORT_NOT_READY', { status: 'failed' }));
  assert.deepEqual((await generateReports(core, {})).failed, [], 'not retried');
  const texts = (await smsTo(s.msisdn)).map((m) => m.kind);
  assert.deepEqual(texts.sort(), ['report.accepted', 'report.accepted', 'report.failed', 'report.ready']);
  const failedAudit = await core.db.query<{ outcome: string; reason: string }>(
    "SELECT outcome, details->>'reason' AS reason FROM audit_event WHERE action = 'report.generate' AND details->>'report' = $1",
    [broken.id],
  );
  assert.deepEqual(failedAudit, [{ outcome: 'failed', reason: `report ${broken.id}: unknown time zone Mars/Olympus_Mons` }]);
  // English subscriber: the CSV header is English; numbers stay in the Russian spreadsheet format.
  const csv = await downloadReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', id: ok.id });
  assert.equal(csv.contentType, 'text/csv; charset=utf-8');
  assert.deepEqual(parseCsv(csv.content.toString('utf8').slice(1))[0], ['Date and time', 'Type', 'Number', 'Zone', 'Duration / volume', 'From allowance', 'Amount, RUB']);
  const { text } = await pdfText((await downloadReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', id: ok.id, format: 'pdf' })).content);
  assert.ok(text.includes('Itemised usage report') && text.includes('Total charged: RUB 0.00'), text.slice(0, 300));
});

test('period refusals: reversed, in the future, older than six months, longer than six months, not a date; all audited, nothing queued', async () => {
  const s = await makeSubscriber(core);
  const ctx = subscriberCtx(s.subscriberId);
  const order = (from: string, to: string) => orderDetailReport(core, ctx, { msisdn: 'me', from, to });
  await assert.rejects(order('2026-03-05', '2026-03-04'), refusal('REPORT_PERIOD_INVALID', { reason: 'order' }));
  await assert.rejects(order('2026-03-05', '2026-03-11'), refusal('REPORT_PERIOD_INVALID', { reason: 'future' }));
  await assert.rejects(order('2025-09-09', '2025-10-01'), refusal('REPORT_PERIOD_INVALID', { reason: 'too_old', earliest: '2025-09-10', months: 6 }));
  await assert.rejects(order('2026-03-1', '2026-03-05'), refusal('VALIDATION', { field: 'from' }));
  await assert.rejects(order('2026-03-01', '2026-02-30'), refusal('VALIDATION', { field: 'to' }));
  // The earliest day and today are both allowed: exactly six months.
  assert.equal((await order('2025-09-10', '2026-03-10')).status, 'queued');
  // Six months from 28 February end on 28 August: at the end of August the span rule is the one that bites.
  env.clock.set('2026-08-31T09:00:00Z');
  try {
    await assert.rejects(order('2026-02-28', '2026-08-31'), refusal('REPORT_PERIOD_INVALID', { reason: 'too_long' }));
    assert.equal((await order('2026-02-28', '2026-08-28')).status, 'queued');
  } finally {
    env.clock.set('2026-03-10T09:00:00Z');
  }
  const refused = await core.db.query<{ code: string }>(
    "SELECT details->>'code' AS code FROM audit_event WHERE subscriber_id = $1 AND action = 'report.order' AND outcome = 'refused' ORDER BY id",
    [s.subscriberId],
  );
  assert.deepEqual(refused.map((r) => r.code), ['REPORT_PERIOD_INVALID', 'REPORT_PERIOD_INVALID', 'REPORT_PERIOD_INVALID', 'VALIDATION', 'VALIDATION', 'REPORT_PERIOD_INVALID']);
  assert.equal((await getReports(core, ctx, { msisdn: 'me' })).items.length, 2);
  await drainReports();
});

test('ordering with an idempotency key returns the first order; the key for another period is refused', async () => {
  const s = await makeSubscriber(core);
  const ctx = subscriberCtx(s.subscriberId, { idempotencyKey: 'detail-march-1' });
  const first = await orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' });
  const again = await orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' });
  assert.deepEqual(again, first);
  assert.equal((await getReports(core, ctx, { msisdn: 'me' })).items.length, 1);
  assert.equal((await smsTo(s.msisdn)).length, 1, 'one "accepted" SMS');
  await assert.rejects(orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-02', to: '2026-03-09' }), refusal('IDEMPOTENCY_KEY_REUSED'));
  await drainReports();
});

test('orders per local day are capped (each one sends an SMS); the next local day they are accepted again', async () => {
  const s = await makeSubscriber(core);
  const ctx = subscriberCtx(s.subscriberId);
  for (let i = 0; i < REPORT_ORDERS_PER_DAY; i++) await orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' });
  // 12:00 in Moscow: twelve hours to the local midnight.
  await assert.rejects(orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' }), refusal('RATE_LIMITED', { retryAfterSeconds: 12 * 3600 }));
  assert.equal((await smsTo(s.msisdn)).length, REPORT_ORDERS_PER_DAY);
  env.clock.set('2026-03-10T21:00:00Z');
  try {
    assert.equal((await orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' })).status, 'queued');
  } finally {
    env.clock.set('2026-03-10T09:00:00Z');
  }
  await drainReports();
});

test('another subscriber cannot see or download a report: 404 whichever way it is named; operator staff can, and it is audited', async () => {
  const owner = await makeSubscriber(core);
  const stranger = await makeSubscriber(core);
  const report = await orderDetailReport(core, subscriberCtx(owner.subscriberId), { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' });
  await drainReports();
  const theirs = subscriberCtx(stranger.subscriberId);
  await assert.rejects(downloadReport(core, theirs, { msisdn: 'me', id: report.id }), refusal('NOT_FOUND'));
  await assert.rejects(downloadReport(core, theirs, { msisdn: owner.msisdn, id: report.id }), refusal('SUBSCRIBER_NOT_FOUND'));
  await assert.rejects(downloadReport(core, theirs, { msisdn: 'me', id: 'not-a-uuid' }), refusal('NOT_FOUND'));
  await assert.rejects(getReports(core, theirs, { msisdn: owner.msisdn }), refusal('SUBSCRIBER_NOT_FOUND'));
  await assert.rejects(orderDetailReport(core, theirs, { msisdn: owner.msisdn, from: '2026-03-01', to: '2026-03-09' }), refusal('SUBSCRIBER_NOT_FOUND'));
  assert.deepEqual((await getReports(core, theirs, { msisdn: 'me' })).items, []);
  const staff = ctxAs({ kind: 'staff', staffId: 3 }, { channel: 'staff' });
  assert.equal((await downloadReport(core, staff, { msisdn: owner.msisdn, id: report.id, format: 'csv' })).contentType, 'text/csv; charset=utf-8');
  const who = await core.db.query<{ actor_kind: string; actor_id: string }>("SELECT actor_kind, actor_id FROM audit_event WHERE subscriber_id = $1 AND action = 'report.download'", [owner.subscriberId]);
  assert.deepEqual(who, [{ actor_kind: 'staff', actor_id: '3' }]);
});

test('spending by category for the local calendar month sums exactly; internet so far; last month to compare', async () => {
  const s = await makeSubscriber(core, { openingBalance: 1_000_000 });
  // March in Moscow starts at 2026-02-28T21:00Z.
  await entry(s, { at: '2026-02-28T21:00:00Z', amount: -55_000, kind: 'fee', category: 'subscription' });
  await entry(s, { at: '2026-03-02T09:00:00Z', amount: -700, kind: 'fee', category: 'content' });
  await entry(s, { at: '2026-03-03T09:00:00Z', amount: -5_000, kind: 'fee', category: 'one_off' });
  await entry(s, { at: '2026-03-04T09:00:00Z', amount: -150, kind: 'fee', category: null });
  await entry(s, { at: '2026-03-05T09:00:00Z', amount: -33, kind: 'adjustment', category: 'other' });
  await addUsage(s, { at: '2026-03-01T10:00:00Z', kind: 'voice', seconds: 300, charged: 1_250 });
  await addUsage(s, { at: '2026-03-02T10:00:00Z', kind: 'sms', charged: 250 });
  await addUsage(s, { at: '2026-03-02T11:00:00Z', kind: 'mms', charged: 650 });
  await addUsage(s, { at: '2026-03-03T10:00:00Z', kind: 'data', bytes: 3_000_000, charged: 999 });
  await addUsage(s, { at: '2026-03-04T10:00:00Z', kind: 'data', bytes: 1_000_000, zone: 'roaming', charged: 30_000 });
  await addUsage(s, { at: '2026-03-05T10:00:00Z', kind: 'data', bytes: 2_000_000 }); // from the allowance: free
  // Not spending: money in, a promised payment and its repayment, bonus.
  await entry(s, { at: '2026-03-06T09:00:00Z', amount: 50_000, kind: 'payment', category: 'payment' });
  await entry(s, { at: '2026-03-06T10:00:00Z', amount: 10_000, kind: 'promised', category: 'promised' });
  await entry(s, { at: '2026-03-07T10:00:00Z', amount: -10_000, kind: 'promised', category: 'promised' });
  await entry(s, { at: '2026-03-07T11:00:00Z', amount: -2_000, kind: 'payment', category: 'payment' });
  await entry(s, { at: '2026-03-07T12:00:00Z', amount: 1_500, kind: 'bonus', category: 'bonus' });
  // February (local): the last second of it, and earlier.
  await entry(s, { at: '2026-02-28T20:59:59Z', amount: -55_000, kind: 'fee', category: 'subscription' });
  await addUsage(s, { at: '2026-02-10T10:00:00Z', kind: 'voice', seconds: 60, charged: 400 });
  // Another number's spending never shows.
  const other = await makeSubscriber(core);
  await entry(other, { at: '2026-03-02T09:00:00Z', amount: -9_999, kind: 'fee', category: 'calls' });

  const view = await getSpending(core, subscriberCtx(s.subscriberId), { msisdn: 'me' });
  assert.equal(view.month, '2026-03');
  assert.equal(view.from, '2026-02-28T21:00:00.000Z');
  assert.equal(view.to, '2026-03-31T21:00:00.000Z');
  assert.deepEqual(view.categories, [
    { category: 'subscription', amount: 55_000 },
    { category: 'calls', amount: 1_250 },
    { category: 'sms', amount: 250 + 650 },
    { category: 'internet', amount: 999 },
    { category: 'content', amount: 700 },
    { category: 'roaming', amount: 30_000 },
    { category: 'one_off', amount: 5_000 },
    { category: 'other', amount: 150 + 33 },
  ]);
  assert.equal(view.total, 55_000 + 1_250 + 900 + 999 + 700 + 30_000 + 5_000 + 183);
  assert.equal(view.total, view.categories.reduce((a, c) => a + c.amount, 0));
  assert.deepEqual(view.internet, { charged: 999 + 30_000, bytes: 6_000_000, asOf: '2026-03-10T09:00:00.000Z' });
  assert.deepEqual(view.previousMonth, { month: '2026-02', total: 55_000 + 400 });

  const feb = await getSpending(core, subscriberCtx(s.subscriberId), { msisdn: 'me', month: '2026-02' });
  assert.equal(feb.total, 55_400);
  assert.deepEqual(feb.categories.filter((c) => c.amount > 0), [
    { category: 'subscription', amount: 55_000 },
    { category: 'calls', amount: 400 },
  ]);
  assert.deepEqual(feb.previousMonth, { month: '2026-01', total: 0 });
  assert.equal(feb.internet.asOf, '2026-02-28T21:00:00.000Z', 'a past month: internet of the whole month');
  await assert.rejects(getSpending(core, subscriberCtx(s.subscriberId), { msisdn: 'me', month: '2026-13' }), refusal('VALIDATION', { field: 'month' }));
});

test('traffic per local day: every day present, days without usage are zeros, local midnight decides the day', async () => {
  // Irkutsk (UTC+8): 2026-03-01T16:30Z is already 2 March there.
  const s = await makeSubscriber(core, { regionCode: '38' });
  await addUsage(s, { at: '2026-03-01T15:59:59Z', kind: 'voice', seconds: 100, charged: 500 });
  await addUsage(s, { at: '2026-03-01T16:30:00Z', kind: 'voice', seconds: 50, charged: 250 });
  await addUsage(s, { at: '2026-03-01T17:00:00Z', kind: 'sms', billed: 2, charged: 300 });
  await addUsage(s, { at: '2026-03-01T18:00:00Z', kind: 'data', bytes: 1_500_000, charged: 120 });
  await addUsage(s, { at: '2026-03-04T03:00:00Z', kind: 'mms', charged: 650 });
  await addUsage(s, { at: '2026-03-04T04:00:00Z', kind: 'data', bytes: 700 });
  await addUsage(s, { at: '2026-03-05T16:00:00Z', kind: 'voice', seconds: 10, charged: 999 }); // 6 March local: outside

  const series = await getTrafficSeries(core, subscriberCtx(s.subscriberId), { msisdn: 'me', from: '2026-03-01', to: '2026-03-05' });
  assert.equal(series.timeZone, 'Asia/Irkutsk');
  const z = { voiceSeconds: 0, sms: 0, mms: 0, bytes: 0, charged: 0 };
  assert.deepEqual(series.days, [
    { date: '2026-03-01', ...z, voiceSeconds: 100, charged: 500 },
    { date: '2026-03-02', ...z, voiceSeconds: 50, sms: 2, bytes: 1_500_000, charged: 250 + 300 + 120 },
    { date: '2026-03-03', ...z },
    { date: '2026-03-04', ...z, mms: 1, bytes: 700, charged: 650 },
    { date: '2026-03-05', ...z },
  ]);
  assert.deepEqual(series.totals, { voiceSeconds: 150, sms: 2, mms: 1, bytes: 1_500_700, charged: 1_820 });

  const lastMonth = await getTrafficSeries(core, subscriberCtx(s.subscriberId), { msisdn: 'me' });
  assert.deepEqual([lastMonth.from, lastMonth.to, lastMonth.days.length], ['2026-02-09', '2026-03-10', 30]);
  assert.equal(lastMonth.totals.charged, 500 + 250 + 300 + 120 + 650 + 999);
  await assert.rejects(getTrafficSeries(core, subscriberCtx(s.subscriberId), { msisdn: 'me', from: '2026-03-05', to: '2026-03-01' }), refusal('REPORT_PERIOD_INVALID', { reason: 'order' }));
});

test('a 500-record report: the PDF runs over pages with its totals; the CSV has 500 lines', async (t) => {
  await drainReports();
  const s = await makeSubscriber(core);
  await core.db.query(
    `INSERT INTO usage_record (account_id, record_id, subscriber_id, kind, zone, started_at, duration_seconds, bytes, counterpart, billed_units, quota_units, charged, rated_at)
     SELECT $1, 'bulk-' || g, $2, (ARRAY['voice','sms','data','mms'])[1 + g % 4], (ARRAY['home','intercity','roaming'])[1 + g % 3],
            timestamptz '2026-03-01T06:00:00Z' + g * interval '13 minutes',
            CASE WHEN g % 4 = 0 THEN 30 + g END, CASE WHEN g % 4 = 2 THEN g * 40000 END,
            CASE WHEN g % 4 = 2 THEN NULL ELSE '7900' || (1000000 + g) END, 1, 0, g * 7, now()
       FROM generate_series(1, 500) g`,
    [s.accountId, s.subscriberId],
  );
  // Their charges, as rating books them in the ledger (the report's total is the ledger's).
  const charged = (await core.db.query<{ at: Date; amount: number; id: string }>("SELECT started_at AS at, charged AS amount, record_id AS id FROM usage_record WHERE subscriber_id = $1", [s.subscriberId]));
  await postEntries(core.db, { account: charged.map(() => s.accountId), amount: charged.map((c) => -c.amount), kind: charged.map(() => 'usage' as const), key: charged.map((c) => `usage:${c.id}`), sub: charged.map(() => s.subscriberId), category: charged.map(() => 'calls' as const) }, new Date('2026-03-05T00:00:00Z'), { ids: false });
  const report = await orderDetailReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', from: '2026-03-01', to: '2026-03-09' });
  const started = Date.now();
  await generateReports(core, {});
  const ms = Date.now() - started;
  const pdf = await downloadReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', id: report.id, format: 'pdf' });
  const csv = await downloadReport(core, subscriberCtx(s.subscriberId), { msisdn: 'me', id: report.id, format: 'csv' });
  t.diagnostic(`500 records: PDF ${pdf.content.length} bytes, CSV ${csv.content.length} bytes, generated in ${ms} ms`);
  const rows = parseCsv(csv.content.toString('utf8').slice(1));
  assert.equal(rows.length, 501);
  const total = (500 * 501 / 2) * 7;
  assert.equal(rows.slice(1).reduce((sum, r) => sum + kopecks(r[6]!), 0), total);
  const { pages, text } = await pdfText(pdf.content);
  assert.ok(pages >= 8, `${pages} pages`);
  assert.ok(text.includes(`Страница ${pages} из ${pages}`));
  assert.ok(text.includes('Итого за период'));
  assert.ok(text.replace(/\s/g, '').includes(`Всегоначислено:${Math.floor(total / 100).toLocaleString('ru-RU').replace(/\s/g, '')},${String(total % 100).padStart(2, '0')}₽`));
  assert.ok(pdf.content.length < 200_000, `a compact PDF: ${pdf.content.length} bytes`);
});

test('HTTP: order, list, download with attachment headers; the stranger gets 404; a bad period is 422 problem+json', async () => {
  const s = await makeSubscriber(core);
  await addUsage(s, { at: '2026-03-03T10:00:00Z', kind: 'voice', seconds: 75, charged: 375 });
  const stranger = await makeSubscriber(core);
  const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  const theirs = (await createSession(core.db, core, { kind: 'subscriber', subjectId: stranger.subscriberId, channel: 'web', method: 'test' })).token;
  const auth = (t: string) => ({ authorization: `Bearer ${t}` });

  const ordered = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/reports', headers: auth(token), payload: { from: '2026-03-01', to: '2026-03-09', format: 'csv' } });
  assert.equal(ordered.statusCode, 202, ordered.body);
  const { id, status } = ordered.json<{ id: string; status: string }>();
  assert.equal(status, 'queued');
  await generateReports(core, {});
  const list = await app.inject({ url: `/api/v1/subscribers/${s.msisdn}/reports`, headers: auth(token) });
  assert.equal(list.json<{ items: { id: string; status: string }[] }>().items[0]!.status, 'ready');

  const csv = await app.inject({ url: `/api/v1/subscribers/me/reports/${id}/download`, headers: auth(token) });
  assert.equal(csv.statusCode, 200);
  assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
  assert.equal(csv.headers['content-disposition'], `attachment; filename="detail-${s.msisdn}-2026-03-01-2026-03-09.csv"`);
  assert.equal(csv.headers['cache-control'], 'private, no-store');
  assert.deepEqual([...csv.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.equal(parseCsv(csv.rawPayload.toString('utf8').slice(1))[1]![6], '3,75');

  const pdf = await app.inject({ url: `/api/v1/subscribers/me/reports/${id}/download?format=pdf`, headers: auth(token) });
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  assert.equal(pdf.headers['content-disposition'], `attachment; filename="detail-${s.msisdn}-2026-03-01-2026-03-09.pdf"`);
  assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.equal(Number(pdf.headers['content-length']), pdf.rawPayload.length);

  const stolen = await app.inject({ url: `/api/v1/subscribers/me/reports/${id}/download`, headers: auth(theirs) });
  assert.equal(stolen.statusCode, 404);
  assert.equal(stolen.json<{ code: string }>().code, 'NOT_FOUND');
  const named = await app.inject({ url: `/api/v1/subscribers/${s.msisdn}/reports/${id}/download`, headers: auth(theirs) });
  assert.equal(named.statusCode, 404);
  assert.equal(named.json<{ code: string }>().code, 'SUBSCRIBER_NOT_FOUND');

  const bad = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/reports', headers: auth(token), payload: { from: '2025-01-01', to: '2025-02-01' } });
  assert.equal(bad.statusCode, 422);
  assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
  const problem = bad.json<{ type: string; code: string; reason: string; title: string }>();
  assert.equal(problem.type, 'https://abonent.dev/problems/report-period-invalid');
  assert.equal(problem.reason, 'too_old');
  assert.match(problem.title, /не раньше 10\.09\.2025/);
  const malformed = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/reports', headers: auth(token), payload: { from: 'yesterday', to: '2026-03-01' } });
  assert.equal(malformed.statusCode, 400);

  const spending = await app.inject({ url: '/api/v1/subscribers/me/spending?month=2026-03', headers: auth(token) });
  assert.equal(spending.statusCode, 200);
  assert.equal(spending.json<{ categories: { category: string; amount: number }[] }>().categories.find((c) => c.category === 'calls')!.amount, 375);
  const traffic = await app.inject({ url: '/api/v1/subscribers/me/traffic?from=2026-03-01&to=2026-03-04', headers: auth(token) });
  assert.equal(traffic.statusCode, 200);
  assert.deepEqual(traffic.json<{ days: { voiceSeconds: number }[] }>().days.map((d) => d.voiceSeconds), [0, 0, 75, 0]);
});

test('HTTP usage list: record by record, newest first, by kind and period, paged by cursor without repeats; strangers get 404', async () => {
  const s = await makeSubscriber(core);
  const stranger = await makeSubscriber(core);
  // Nine records on 1–9 March (Moscow), alternating kinds; one before the period and one of the stranger.
  const kinds = ['voice', 'sms', 'data'] as const;
  for (let d = 1; d <= 9; d++) {
    const kind = kinds[d % 3]!;
    await addUsage(s, { at: `2026-03-0${d}T08:00:00Z`, kind, seconds: 61, bytes: 2048, charged: d * 10 });
  }
  await addUsage(s, { at: '2026-02-20T08:00:00Z', kind: 'voice', seconds: 30 });
  await addUsage(stranger, { at: '2026-03-05T08:00:00Z', kind: 'voice', seconds: 30 });
  const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
  const theirs = (await createSession(core.db, core, { kind: 'subscriber', subjectId: stranger.subscriberId, channel: 'web', method: 'test' })).token;
  const get = (q: string, t = token) => app.inject({ url: `/api/v1/subscribers/me/usage${q}`, headers: { authorization: `Bearer ${t}` } });

  type Page = { items: { kind: string; startedAt: string; charged: number; durationSeconds: number | null; bytes: number | null }[]; nextCursor: string | null; from: string; to: string };
  const all = (await get('?from=2026-03-01&to=2026-03-09')).json<Page>();
  assert.deepEqual(all.items.map((i) => i.startedAt.slice(0, 10)), ['09', '08', '07', '06', '05', '04', '03', '02', '01'].map((d) => `2026-03-${d}`));
  assert.deepEqual(all.items.map((i) => i.charged), [90, 80, 70, 60, 50, 40, 30, 20, 10]);
  assert.equal(all.nextCursor, null);
  const voice = all.items.find((i) => i.kind === 'voice')!;
  assert.deepEqual([voice.durationSeconds, voice.bytes], [61, null]);

  const data = (await get('?from=2026-03-01&to=2026-03-09&kind=data')).json<Page>();
  assert.deepEqual(data.items.map((i) => i.startedAt.slice(8, 10)), ['08', '05', '02']);
  assert.ok(data.items.every((i) => i.kind === 'data' && i.bytes === 2048));

  // Pages of four: every record once, in order, then no cursor.
  const seen: string[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: Page = (await get(`?from=2026-03-01&to=2026-03-09&limit=4${cursor ? `&cursor=${cursor}` : ''}`)).json<Page>();
    seen.push(...page.items.map((i) => i.startedAt));
    cursor = page.nextCursor;
  }
  assert.deepEqual(seen, all.items.map((i) => i.startedAt));

  // Without a period: the last 30 local days, today included (the February record is in, too).
  assert.equal((await get('')).json<Page>().items.length, 10);
  assert.equal((await get('', theirs)).json<Page>().items.length, 1, 'the stranger sees only their own');
  const named = await app.inject({ url: `/api/v1/subscribers/${s.msisdn}/usage`, headers: { authorization: `Bearer ${theirs}` } });
  assert.equal(named.statusCode, 404);
  assert.equal((await get('?cursor=nonsense')).statusCode, 400);
  assert.equal((await get('?kind=fax')).statusCode, 400);
  assert.equal((await get('?limit=1000')).statusCode, 400);
  assert.equal((await get('?from=2025-01-01&to=2025-02-01')).statusCode, 422);
});

test("HTTP usage list and traffic by `days`: the number's own local days, whatever the caller's calendar says", async () => {
  // 20:00 UTC on 10 March is already 06:00 on 11 March in Vladivostok (UTC+10): a phone whose
  // calendar says 10 March would ask for the wrong day; `days` counts the region's.
  env.clock.set('2026-03-10T20:00:00Z');
  try {
    const s = await makeSubscriber(core, { regionCode: '25' });
    await addUsage(s, { at: '2026-03-10T19:30:00Z', kind: 'voice', seconds: 42 }); // 05:30 on 11 March there
    await addUsage(s, { at: '2026-03-10T10:00:00Z', kind: 'voice', seconds: 7 }); // 20:00 on 10 March there
    const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'test' })).token;
    const get = (path: string) => app.inject({ url: `/api/v1/subscribers/me/${path}`, headers: { authorization: `Bearer ${token}` } });

    const today = (await get('usage?days=1')).json<{ from: string; to: string; items: { durationSeconds: number }[] }>();
    assert.deepEqual([today.from, today.to], ['2026-03-11', '2026-03-11']);
    assert.deepEqual(today.items.map((i) => i.durationSeconds), [42]);
    const two = (await get('usage?days=2')).json<{ items: { durationSeconds: number }[] }>();
    assert.deepEqual(two.items.map((i) => i.durationSeconds), [42, 7]);
    const series = (await get('traffic?days=2')).json<{ to: string; days: { date: string; voiceSeconds: number }[] }>();
    assert.equal(series.to, '2026-03-11', 'the region’s today, for the report form to start from');
    assert.deepEqual(series.days.map((d) => [d.date, d.voiceSeconds]), [['2026-03-10', 7], ['2026-03-11', 42]]);

    // Past the six months a list may reach, and not a count of days at all.
    assert.equal((await get('usage?days=400')).statusCode, 400);
    assert.equal((await get('traffic?days=0')).statusCode, 400);
  } finally {
    env.clock.set('2026-03-10T09:00:00Z');
  }
});

test('every figure agrees with the ledger: the traffic series, Home\'s spending, the report\'s total and its lines, fees included; the report in the language it was ordered in', async () => {
  await drainReports();
  // A subscriber whose own language is Russian orders from the English screen.
  const s = await makeSubscriber(core, { language: 'ru' });
  const fee = async (at: string, amount: number, category: EntryCategory, productCode: string | null, kind: EntryKind = 'fee') => {
    entrySeq += 1;
    await postEntry(core.db, { accountId: s.accountId, subscriberId: s.subscriberId, amount: -amount, kind, category, productCode, idempotencyKey: `fee:${entrySeq}`, at: new Date(at) });
  };
  // A day of usage (some within the allowance: 0 ₽) and fees, on 2 and 3 March Moscow time.
  await fee('2026-03-01T21:00:00Z', 55_000, 'subscription', 'smart'); // 2 March 00:00 MSK: the monthly fee
  await addUsage(s, { at: '2026-03-02T08:00:00Z', kind: 'voice', seconds: 300, quota: 300 }); // in the allowance
  await addUsage(s, { at: '2026-03-02T09:00:00Z', kind: 'sms', charged: 250, counterpart: '79253351245' });
  await fee('2026-03-02T10:00:00Z', 4_500, 'content', 'caller_id');
  await fee('2026-03-03T20:59:59Z', 10_000, 'one_off', null, 'adjustment'); // 3 March 23:59:59 MSK
  await entry(s, { at: '2026-03-02T11:00:00Z', amount: 30_000, kind: 'payment', category: 'payment' }); // money in: not spending
  await fee('2026-03-03T21:00:00Z', 999, 'calls', null, 'usage'); // 4 March MSK: outside the period asked
  const inPeriod = 55_000 + 250 + 4_500 + 10_000;

  const ctx = subscriberCtx(s.subscriberId);
  const series = await getTrafficSeries(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-03' });
  assert.deepEqual(series.days.map((d) => [d.date, d.charged]), [['2026-03-01', 0], ['2026-03-02', 55_000 + 250 + 4_500], ['2026-03-03', 10_000]]);
  assert.equal(series.totals.charged, inPeriod);
  const march = await getSpending(core, ctx, { msisdn: 'me', month: '2026-03' });
  assert.equal(march.total, inPeriod + 999, 'Home counts the month; the series the days asked for');
  const month = await getTrafficSeries(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-10' });
  assert.equal(month.totals.charged, march.total, 'the chart and Home agree over the same days');

  const ordered = await orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-03', format: 'pdf', language: 'en' });
  await drainReports();
  const listed = (await getReports(core, ctx, { msisdn: 'me' })).items.find((r) => r.id === ordered.id)!;
  assert.equal(listed.totalCharged, inPeriod);
  const csv = parseCsv((await downloadReport(core, ctx, { msisdn: 'me', id: ordered.id, format: 'csv' })).content.toString('utf8').slice(1));
  assert.deepEqual(csv[0], ['Date and time', 'Type', 'Number', 'Zone', 'Duration / volume', 'From allowance', 'Amount, RUB']);
  assert.equal(csv.slice(1).reduce((sum, r) => sum + kopecks(r[6]!), 0), inPeriod, 'the lines sum to the total');
  assert.deepEqual(csv.slice(-3).map((r) => [r[0], r[1], r[6]]), [
    ['02.03.2026 00:00:00', 'Subscription fee: Smart', '550,00'],
    ['02.03.2026 13:00:00', 'Content: Caller ID', '45,00'],
    ['03.03.2026 23:59:59', 'One-off charge', '100,00'],
  ]);
  const { text } = await pdfText((await downloadReport(core, ctx, { msisdn: 'me', id: ordered.id, format: 'pdf' })).content);
  for (const words of ['Itemised usage report', 'Fees, packages and one-off charges', 'Subscription fee: Smart', 'Total charged: RUB 697.50']) assert.ok(text.includes(words), `${words} in ${text.slice(0, 400)}`);
  assert.ok(!/[А-Яа-яЁё]/.test(text), 'no Russian in the English report');
  // Ordered without a language (USSD, SMS, an API client): the number's own.
  const ru = await orderDetailReport(core, ctx, { msisdn: 'me', from: '2026-03-01', to: '2026-03-03', format: 'pdf' });
  await drainReports();
  const ruText = (await pdfText((await downloadReport(core, ctx, { msisdn: 'me', id: ru.id, format: 'pdf' })).content)).text;
  assert.ok(ruText.replace(/\s/g, '').includes('Всегоначислено:697,50₽'), ruText.slice(-300));
});
