import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { charge } from '../../src/domain/billing/charge.ts';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import { getDashboard } from '../../src/domain/business/dashboard.ts';
import { exportDirectory, importDirectory } from '../../src/domain/business/directory.ts';
import { exportExpenses, generateMonthlyReports } from '../../src/domain/business/expense-reports.ts';
import { listNumbers } from '../../src/domain/business/list-numbers.ts';
import type { Core } from '../../src/domain/core.ts';
import { postEntry, type EntryCategory } from '../../src/domain/ledger/post-entry.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { formatMsisdn } from '../../src/domain/shared/msisdn.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { businessMonthlyReportJob } from '../../src/jobs/business-monthly-report.ts';
import { makeCompany, type Admin, type Company } from '../helpers/business.ts';
import { refusal, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let clock: ManualClock;
let company: Company;
let admin: Admin;
type Num = Awaited<ReturnType<Company['number']>> & { region: string; dept: number; name: string };
const nums: Num[] = [];

interface Charge {
  n: number;
  amount: number;
  category: EntryCategory;
  at: string;
}
/** What the company spent: February and March (each number's own local time), two regions, two departments. */
const charges: Charge[] = [
  { n: 0, amount: 70_000, category: 'subscription', at: '2026-03-02T08:00:00Z' },
  { n: 0, amount: 1_250, category: 'calls', at: '2026-03-05T10:00:00Z' },
  { n: 1, amount: 9_900, category: 'content', at: '2026-03-06T10:00:00Z' },
  { n: 1, amount: 45_000, category: 'roaming', at: '2026-03-07T10:00:00Z' },
  { n: 2, amount: 70_000, category: 'subscription', at: '2026-02-28T22:30:00Z' }, // 1 March, 05:30 in Novosibirsk
  { n: 2, amount: 3_333, category: 'sms', at: '2026-02-28T20:00:00Z' }, // 28 February 23:00 in Moscow, but 1 March 03:00 in Novosibirsk, where the number is
  { n: 0, amount: 2_222, category: 'sms', at: '2026-02-28T20:30:00Z' }, // 28 February, 23:30 in Moscow
  { n: 3, amount: 25_000, category: 'internet', at: '2026-03-10T10:00:00Z' },
  { n: 3, amount: 70_000, category: 'subscription', at: '2026-02-02T10:00:00Z' },
  { n: 0, amount: 70_000, category: 'subscription', at: '2026-02-02T10:00:00Z' },
  { n: 1, amount: 500, category: 'one_off', at: '2026-02-15T10:00:00Z' },
];
/** Older charges, seen only in the six-month trend. */
const older: Charge[] = [
  { n: 1, amount: 4_200, category: 'calls', at: '2025-12-10T10:00:00Z' },
  { n: 2, amount: 1_700, category: 'sms', at: '2025-12-31T21:30:00Z' }, // 1 January, 04:30 in Novosibirsk
  { n: 1, amount: 800, category: 'sms', at: '2025-12-31T20:30:00Z' }, // 31 December, 23:30 in Moscow
  { n: 3, amount: 900, category: 'sms', at: '2025-09-30T10:00:00Z' }, // before the six months
];
const payments = [
  { n: 0, amount: 150_000, at: '2026-03-03T10:00:00Z' },
  { n: 3, amount: 50_000, at: '2026-03-12T10:00:00Z' },
  { n: 1, amount: 10_000, at: '2026-02-12T10:00:00Z' },
];
/** When March began where each number lives: Moscow (UTC+3) and Novosibirsk (UTC+7). */
const MARCH: Record<string, string> = { '77': '2026-02-28T21:00:00Z', '54': '2026-02-28T17:00:00Z' };
const isMarch = (c: { n: number; at: string }) => new Date(c.at) >= new Date(MARCH[nums[c.n]!.region]!);
const sum = (xs: Charge[]) => xs.reduce((s, c) => s + c.amount, 0);

before(async () => {
  // The numbers start mid-March, so the traffic below falls in their allowance period.
  clock = new ManualClock('2026-03-15T00:00:00Z');
  env = await testCore({ clock });
  core = env.core;
  company = await makeCompany(core, 'ООО «Аналитика»', { regions: ['77', '54'], departments: ['Продажи', 'Склад'] });
  admin = await company.admin('contract_admin');
  const spec = [['77', 0, 'Иванов Иван'], ['77', 1, 'Петров Пётр'], ['54', 0, 'Сидорова Анна'], ['54', 1, 'Smith John']] as const;
  for (const [region, d, name] of spec) {
    const n = await company.number({ region, department: company.departments[d]!, balance: 0, employee: name });
    nums.push({ ...n, region, dept: company.departments[d]!, name });
  }
  clock.set('2026-03-20T09:00:00Z');
  let k = 0;
  for (const c of charges) {
    const n = nums[c.n]!;
    await charge(core.db, { accountId: n.accountId, subscriberId: n.subscriberId, amount: c.amount, kind: 'fee', category: c.category, idempotencyKey: `t:${++k}`, at: new Date(c.at) });
  }
  for (const c of older) {
    const n = nums[c.n]!;
    await charge(core.db, { accountId: n.accountId, subscriberId: n.subscriberId, amount: c.amount, kind: 'fee', category: c.category, idempotencyKey: `t:${++k}`, at: new Date(c.at) });
  }
  for (const p of payments) {
    const n = nums[p.n]!;
    await postEntry(core.db, { accountId: n.accountId, subscriberId: n.subscriberId, amount: p.amount, kind: 'payment', category: 'payment', idempotencyKey: `p:${++k}`, at: new Date(p.at) });
  }
  // Traffic inside the tariff's allowance (nothing charged, so spending stays the list above).
  const usage: UsageInput[] = [
    { recordId: 'u1', msisdn: nums[0]!.msisdn, kind: 'voice', zone: 'home', startedAt: '2026-03-18T07:00:00Z', durationSeconds: 150, counterpart: '79990000001' },
    { recordId: 'u2', msisdn: nums[1]!.msisdn, kind: 'voice', zone: 'home', startedAt: '2026-03-18T08:00:00Z', durationSeconds: 300, counterpart: '79990000001' },
    { recordId: 'u3', msisdn: nums[2]!.msisdn, kind: 'sms', zone: 'home', startedAt: '2026-03-18T09:00:00Z', counterpart: '79990000001' },
    { recordId: 'u4', msisdn: nums[3]!.msisdn, kind: 'data', zone: 'home', startedAt: '2026-03-19T09:00:00Z', bytes: 512 * 1024 * 1024 },
    { recordId: 'u5', msisdn: nums[3]!.msisdn, kind: 'data', zone: 'home', startedAt: '2026-03-18T22:00:00Z', bytes: 1024 * 1024 * 1024 }, // 19 March in Moscow
  ];
  const res = await ingestUsage(core, systemCtx('test'), usage);
  assert.equal(res.accepted, 5);
  assert.equal(res.charged, 0, 'the traffic is inside the allowance');
});

after(async () => {
  await env?.close();
});

test('the dashboard: totals, categories, regions, departments, top spenders, trend, traffic by day and payments, beside the previous month', async () => {
  const d = await getDashboard(core, admin.ctx, { month: '2026-03' });
  const march = charges.filter((c) => isMarch(c));
  const feb = charges.filter((c) => !isMarch(c));
  assert.equal(d.month, '2026-03');
  assert.equal(d.numbers, 4);
  assert.equal(d.total, sum(march));
  assert.equal(d.previousTotal, sum(feb));
  assert.equal(d.change.amount, sum(march) - sum(feb));
  assert.equal(d.change.percent, Math.round((1000 * (sum(march) - sum(feb))) / sum(feb)) / 10);
  for (const c of d.byCategory) {
    assert.equal(c.amount, sum(march.filter((x) => x.category === c.category)), c.category);
    assert.equal(c.previous, sum(feb.filter((x) => x.category === c.category)), c.category);
  }
  for (const r of d.byRegion) {
    assert.equal(r.amount, sum(march.filter((x) => nums[x.n]!.region === r.regionCode)), r.regionCode);
    assert.equal(r.numbers, 2);
  }
  assert.deepEqual(d.byRegion.map((r) => r.regionName).sort(), ['Москва', 'Новосибирская область'].sort());
  for (const x of d.byDepartment) assert.equal(x.amount, sum(march.filter((c) => nums[c.n]!.dept === x.departmentId)), String(x.departmentName));
  const perNumber = nums.map((n, i) => ({ msisdn: n.msisdn, amount: sum(march.filter((c) => c.n === i)) })).filter((x) => x.amount > 0).sort((a, b) => b.amount - a.amount);
  assert.deepEqual(d.topSpenders.map((t) => [t.msisdn, t.amount]), perNumber.map((p) => [p.msisdn, p.amount]));
  assert.equal(d.topSpenders[0]!.employeeName, 'Сидорова Анна', 'her SMS of 28 February, Moscow time, is March in Novosibirsk');
  assert.deepEqual(d.byMonth, [
    { month: '2025-10', amount: 0 },
    { month: '2025-11', amount: 0 },
    { month: '2025-12', amount: 4_200 + 800 },
    { month: '2026-01', amount: 1_700 },
    { month: '2026-02', amount: sum(feb) },
    { month: '2026-03', amount: sum(march) },
  ]);
  assert.deepEqual(d.trafficByDay, [
    { date: '2026-03-18', minutes: 7.5, sms: 1, gb: 0, charged: 0 },
    { date: '2026-03-19', minutes: 0, sms: 0, gb: 1.5, charged: 0 },
  ]);
  const marchPayments = payments.filter((p) => isMarch(p));
  assert.equal(d.payments.total, marchPayments.reduce((s, p) => s + p.amount, 0));
  assert.equal(d.payments.count, marchPayments.length);
  assert.equal(d.payments.previousTotal, 10_000);
  assert.deepEqual(d.payments.byDay.map((p) => p.date), ['2026-03-03', '2026-03-12']);

  // Filters narrow everything; a department manager sees only their department.
  const msk = await getDashboard(core, admin.ctx, { month: '2026-03', region: '77' });
  assert.equal(msk.total, sum(march.filter((c) => nums[c.n]!.region === '77')));
  const manager = await company.admin('department_manager', company.departments[1]!);
  const mine = await getDashboard(core, manager.ctx, { month: '2026-03' });
  assert.equal(mine.numbers, 2);
  assert.equal(mine.total, sum(march.filter((c) => nums[c.n]!.dept === company.departments[1])));
  assert.ok(mine.topSpenders.every((t) => [nums[1]!.msisdn, nums[3]!.msisdn].includes(t.msisdn)));
  // The accountant reads money too.
  assert.equal((await getDashboard(core, (await company.admin('accountant')).ctx, { month: '2026-03' })).total, d.total);
});

test('numbers: month-to-date spend, search by number or name, filters and paging', async () => {
  const march = charges.filter((c) => isMarch(c));
  const all = await listNumbers(core, admin.ctx, { sort: 'spend', order: 'desc' });
  assert.equal(all.total, 4);
  assert.deepEqual(all.items.map((i) => i.monthSpend), nums.map((_n, i) => sum(march.filter((c) => c.n === i))).sort((a, b) => b - a));
  assert.deepEqual((await listNumbers(core, admin.ctx, { q: 'петров' })).items.map((i) => i.msisdn), [nums[1]!.msisdn]);
  assert.deepEqual((await listNumbers(core, admin.ctx, { q: `8${nums[2]!.msisdn.slice(1)}` })).items.map((i) => i.msisdn), [nums[2]!.msisdn]);
  assert.deepEqual((await listNumbers(core, admin.ctx, { region: '54', departmentId: company.departments[1]! })).items.map((i) => i.msisdn), [nums[3]!.msisdn]);
  const spends = nums.map((_n, i) => sum(march.filter((c) => c.n === i)));
  assert.equal((await listNumbers(core, admin.ctx, { spendMin: 50_000 })).total, spends.filter((x) => x >= 50_000).length);
  assert.equal((await listNumbers(core, admin.ctx, { spendMax: 49_999 })).total, spends.filter((x) => x <= 49_999).length);
  const page = await listNumbers(core, admin.ctx, { limit: 3, offset: 3, sort: 'msisdn' });
  assert.deepEqual([page.total, page.items.length], [4, 1]);
  assert.equal((await listNumbers(core, admin.ctx, { q: '100%_' })).total, 0, 'LIKE wildcards are plain text');
});

/** The text of every page of a PDF, read back by PDF.js. */
async function pdfText(pdf: Buffer): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    text += content.items.map((item) => ('str' in item ? item.str : '')).join(' ') + '\n';
  }
  await doc.destroy();
  return text;
}

async function readXlsx(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb;
}

test('exports open with real libraries: XLSX read back by exceljs, PDF by PDF.js, CSV by its lines', async () => {
  const d = await getDashboard(core, admin.ctx, { month: '2026-03' });
  const xlsx = await exportExpenses(core, admin.ctx, { format: 'xlsx', month: '2026-03' });
  assert.equal(xlsx.filename, 'expenses-2026-03.xlsx');
  const wb = await readXlsx(xlsx.content);
  assert.deepEqual(wb.worksheets.map((w) => w.name), ['Сводка', 'По категориям', 'По регионам', 'По подразделениям', 'По номерам', 'Трафик по дням']);
  const summary = wb.getWorksheet('Сводка')!;
  assert.equal(summary.getCell('A2').value, '2026-03');
  assert.equal(summary.getCell('B2').value, d.total / 100);
  assert.equal(summary.getCell('C2').value, d.previousTotal / 100);
  const byNumber = wb.getWorksheet('По номерам')!;
  assert.equal(byNumber.rowCount, 1 + 4);
  assert.equal(byNumber.getCell('A2').value, formatMsisdn(d.topSpenders[0]!.msisdn), 'the number as everywhere: +7 9xx xxx-xx-xx');
  assert.equal(byNumber.getCell('B2').value, d.topSpenders[0]!.employeeName);
  assert.equal(byNumber.getCell('E2').value, d.topSpenders[0]!.amount / 100);

  const pdf = await exportExpenses(core, { ...admin.ctx, lang: 'en' }, { format: 'pdf', month: '2026-03' });
  assert.equal(pdf.content.subarray(0, 5).toString(), '%PDF-');
  const text = await pdfText(pdf.content);
  assert.match(text, /Corporate numbers expenses/);
  assert.match(text, /ООО «Аналитика»/, 'Cyrillic survives');
  assert.ok(text.includes(formatMsisdn(d.topSpenders[0]!.msisdn)));
  assert.ok(text.includes('Иванов Иван'));

  const csv = (await exportExpenses(core, admin.ctx, { format: 'csv', month: '2026-03' })).content.toString('utf8');
  assert.ok(csv.startsWith('\uFEFFСводка\r\n'));
  const rub = (k: number) => `${Math.floor(k / 100)},${String(k % 100).padStart(2, '0')}`;
  assert.ok(csv.includes(`\r\n2026-03;${rub(d.total)};${rub(d.previousTotal)};`), 'the summary line');
  assert.ok(csv.includes(`${formatMsisdn(nums[3]!.msisdn)};Smith John;Склад;Новосибирская область;`), 'the number as everywhere, the region by name');
});

test('the monthly report is made by the job on the 1st for the month before, once, and downloads in three formats', async () => {
  const app = await testApp(core);
  try {
    clock.set('2026-04-01T00:30:00Z'); // 03:30 on 1 April in Moscow
    const first = await businessMonthlyReportJob(core);
    assert.equal(first?.month, '2026-03');
    assert.ok(first?.made.includes(company.id));
    const again = await businessMonthlyReportJob(core);
    assert.deepEqual(again?.made, [], 'made once');
    const h = { authorization: `Bearer ${admin.token}` };
    const list = (await app.inject({ url: '/api/v1/business/reports', headers: h })).json<{ items: { id: string; month: string; total: number }[] }>().items;
    assert.deepEqual(list.map((r) => r.month), ['2026-03']);
    assert.equal(list[0]!.total, sum(charges.filter((c) => isMarch(c))));
    const xlsx = await app.inject({ url: `/api/v1/business/reports/${list[0]!.id}/download?format=xlsx`, headers: h });
    assert.equal(xlsx.statusCode, 200);
    assert.match(String(xlsx.headers['content-disposition']), /expenses-2026-03\.xlsx/);
    const wb = await readXlsx(xlsx.rawPayload);
    assert.equal(wb.getWorksheet('Сводка')!.getCell('B2').value, list[0]!.total / 100);
    const pdf = await app.inject({ url: `/api/v1/business/reports/${list[0]!.id}/download?format=pdf`, headers: h });
    assert.match(await pdfText(pdf.rawPayload), /Расходы по корпоративным номерам/);
    const csv = await app.inject({ url: `/api/v1/business/reports/${list[0]!.id}/download?format=csv`, headers: h });
    assert.match(csv.body, /2026-03/);
    // A department manager has no company-wide report; another company sees none of this one's.
    const manager = await company.admin('department_manager', company.departments[0]!);
    assert.equal((await app.inject({ url: '/api/v1/business/reports', headers: { authorization: `Bearer ${manager.token}` } })).statusCode, 403);
    const other = await (await makeCompany(core, 'ООО Другие')).admin('contract_admin');
    const foreign = await app.inject({ url: `/api/v1/business/reports/${list[0]!.id}/download?format=pdf`, headers: { authorization: `Bearer ${other.token}` } });
    assert.equal(foreign.statusCode, 404);
  } finally {
    clock.set('2026-03-20T09:00:00Z');
    await app.close();
  }
});

test('the monthly report in the language the contract admin chose: Russian, English or both, each readable back in XLSX, PDF and CSV', async () => {
  const app = await testApp(core);
  try {
    clock.set('2026-05-20T09:00:00Z');
    const co = await makeCompany(core, 'ООО Двуязычная', { regions: ['77'] });
    const boss = await co.admin('contract_admin');
    const accountant = await co.admin('accountant');
    const n = await co.number({ region: '77', balance: 0, employee: 'Орлова Ольга' });
    await charge(core.db, { accountId: n.accountId, subscriberId: n.subscriberId, amount: 12_345, kind: 'fee', category: 'calls', idempotencyKey: 'lang:1', at: new Date('2026-05-10T10:00:00Z') });
    const enOnly = await makeCompany(core, 'ООО Только английский', { regions: ['77'] });
    const enBoss = await enOnly.admin('contract_admin');
    const auth = (a: Admin) => ({ authorization: `Bearer ${a.token}` });

    assert.deepEqual((await app.inject({ url: '/api/v1/business/reports/settings', headers: auth(boss) })).json(), { languages: ['ru'] }, 'Russian by default');
    const put = (a: Admin, languages: unknown) => app.inject({ method: 'PUT', url: '/api/v1/business/reports/settings', headers: auth(a), payload: { languages } });
    assert.equal((await put(accountant, ['en'])).statusCode, 403, 'contract admins choose');
    assert.equal((await put(boss, ['de'])).statusCode, 400);
    assert.equal((await put(boss, [])).statusCode, 400);
    const both = await put(boss, ['en', 'ru']);
    assert.equal(both.statusCode, 200, both.body);
    assert.deepEqual(both.json(), { languages: ['ru', 'en'] }, 'Russian first');
    assert.equal((await put(enBoss, ['en'])).statusCode, 200);
    assert.deepEqual((await app.inject({ url: '/api/v1/business/reports/settings', headers: auth(accountant) })).json(), { languages: ['ru', 'en'] });

    clock.set('2026-06-01T06:00:00Z');
    const res = await generateMonthlyReports(core);
    assert.equal(res.month, '2026-05');
    assert.deepEqual(res.files.filter((f) => f.customerId === co.id || f.customerId === enOnly.id), [
      { customerId: co.id, language: 'ru' },
      { customerId: co.id, language: 'en' },
      { customerId: enOnly.id, language: 'en' },
    ]);
    assert.deepEqual((await generateMonthlyReports(core)).files, [], 'made once');
    const list = (await app.inject({ url: '/api/v1/business/reports', headers: auth(boss) })).json<{ items: { id: string; month: string; language: string; total: number }[] }>().items;
    assert.deepEqual(list.map((r) => [r.month, r.language, r.total]), [['2026-05', 'ru', 12_345], ['2026-05', 'en', 12_345]]);
    assert.deepEqual((await app.inject({ url: '/api/v1/business/reports', headers: auth(enBoss) })).json<{ items: { language: string }[] }>().items.map((r) => r.language), ['en']);

    const file = async (id: string, format: string) => {
      const r = await app.inject({ url: `/api/v1/business/reports/${id}/download?format=${format}`, headers: auth(boss) });
      assert.equal(r.statusCode, 200);
      return r;
    };
    const [ru, en] = list;
    const ruXlsx = await readXlsx((await file(ru!.id, 'xlsx')).rawPayload);
    assert.deepEqual(ruXlsx.worksheets.map((w) => w.name), ['Сводка', 'По категориям', 'По регионам', 'По подразделениям', 'По номерам', 'Трафик по дням']);
    assert.equal(ruXlsx.getWorksheet('Сводка')!.getCell('B2').value, 123.45);
    assert.equal(ruXlsx.getWorksheet('По регионам')!.getCell('A2').value, 'Москва');
    const enFile = await file(en!.id, 'xlsx');
    assert.match(String(enFile.headers['content-disposition']), /expenses-2026-05-en\.xlsx/);
    const enXlsx = await readXlsx(enFile.rawPayload);
    assert.deepEqual(enXlsx.worksheets.map((w) => w.name), ['Summary', 'By category', 'By region', 'By department', 'By number', 'Traffic by day']);
    assert.equal(enXlsx.getWorksheet('Summary')!.getCell('B2').value, 123.45);
    assert.equal(enXlsx.getWorksheet('By region')!.getCell('A2').value, 'Moscow');
    assert.equal(enXlsx.getWorksheet('By category')!.getCell('A3').value, 'Calls');
    assert.equal(enXlsx.getWorksheet('By number')!.getCell('B2').value, 'Орлова Ольга');
    const ruPdf = await pdfText((await file(ru!.id, 'pdf')).rawPayload);
    assert.match(ruPdf, /Расходы по корпоративным номерам/);
    const enPdf = await pdfText((await file(en!.id, 'pdf')).rawPayload);
    assert.match(enPdf, /Corporate numbers expenses/);
    assert.doesNotMatch(enPdf, /Расходы по корпоративным номерам/);
    assert.ok(enPdf.includes(formatMsisdn(n.msisdn)));
    assert.ok((await file(ru!.id, 'csv')).body.startsWith('\uFEFFСводка\r\n'));
    const enCsv = (await file(en!.id, 'csv')).body;
    assert.ok(enCsv.startsWith('\uFEFFSummary\r\nMonth;Total;'));
    assert.ok(enCsv.includes('\r\n2026-05;123,45;'));
  } finally {
    clock.set('2026-03-20T09:00:00Z');
    await app.close();
  }
});

test('the employee directory: CSV export, import with a bad line changes nothing and names the line, a good file applies', async () => {
  const exported = (await exportDirectory(core, admin.ctx)).content.toString('utf8');
  const lines = exported.replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(lines[0], 'Номер;Сотрудник;Подразделение');
  assert.ok(lines.includes(`${formatMsisdn(nums[0]!.msisdn)};Иванов Иван;Продажи`));
  const bad = [
    'Номер;Сотрудник;Подразделение',
    `${nums[0]!.msisdn};Иванов Иван Иванович;Склад`,
    `not-a-number;Кто-то;Склад`,
    `${nums[1]!.msisdn};Петров;Нет такого`,
    `79000000000;Чужой;Склад`,
  ].join('\r\n');
  const res = await importDirectory(core, admin.ctx, { csv: bad });
  assert.equal(res.applied, false);
  assert.deepEqual(res.errors.map((e) => [e.line, e.field]), [[3, 'msisdn'], [4, 'department'], [5, 'msisdn']]);
  assert.equal((await listNumbers(core, admin.ctx, { q: nums[0]!.msisdn })).items[0]!.employeeName, 'Иванов Иван', 'nothing changed');
  const app = await testApp(core);
  try {
    const http = await app.inject({ method: 'POST', url: '/api/v1/business/directory?lang=en', headers: { authorization: `Bearer ${admin.token}` }, payload: { csv: bad } });
    assert.equal(http.statusCode, 422);
    assert.match(String(http.headers['content-type']), /problem\+json/);
    assert.equal(http.json<{ errors: { line: number; message: string }[] }>().errors[1]!.message, 'no such department');
  } finally {
    await app.close();
  }
  const good = ['Номер;Сотрудник;Подразделение', `${nums[0]!.msisdn};"Иванов; Иван Иванович";Склад`, `+7 ${nums[1]!.msisdn.slice(1)};Петров Пётр;`].join('\n');
  const ok = await importDirectory(core, admin.ctx, { csv: good });
  assert.deepEqual([ok.applied, ok.updated, ok.unchanged], [true, 1, 1]);
  const row = (await listNumbers(core, admin.ctx, { q: nums[0]!.msisdn })).items[0]!;
  assert.deepEqual([row.employeeName, row.departmentId], ['Иванов; Иван Иванович', company.departments[1]]);
  await assert.rejects(importDirectory(core, (await company.admin('accountant')).ctx, { csv: good }), refusal('FORBIDDEN'));
});

test("months and days are each number's own: Kaliningrad, Moscow and Vladivostok around the turn of March, alike on screen, in exports and in the monthly report", async () => {
  clock.set('2026-03-25T09:00:00Z');
  const co = await makeCompany(core, 'ООО Три пояса', { regions: ['39', '77', '25'], departments: ['Все'] });
  const boss = await co.admin('contract_admin');
  const kal = await co.number({ region: '39', balance: 0, employee: 'Калининград' });
  const msk = await co.number({ region: '77', balance: 0, employee: 'Москва' });
  const vlad = await co.number({ region: '25', balance: 0, employee: 'Владивосток' });
  let k = 0;
  for (const n of [kal, msk, vlad]) {
    // 23:30 on 31 March in Moscow (22:30 in Kaliningrad, 06:30 on 1 April in Vladivostok), then an hour later.
    await charge(core.db, { accountId: n.accountId, subscriberId: n.subscriberId, amount: 1_111, kind: 'fee', category: 'calls', idempotencyKey: `tz:${++k}`, at: new Date('2026-03-31T20:30:00Z') });
    await charge(core.db, { accountId: n.accountId, subscriberId: n.subscriberId, amount: 2_222, kind: 'fee', category: 'calls', idempotencyKey: `tz:${++k}`, at: new Date('2026-03-31T21:30:00Z') });
  }
  await postEntry(core.db, { accountId: kal.accountId, subscriberId: kal.subscriberId, amount: 5_000, kind: 'payment', category: 'payment', idempotencyKey: 'tz:p1', at: new Date('2026-03-31T21:59:00Z') }); // 23:59 on 31 March there
  await postEntry(core.db, { accountId: vlad.accountId, subscriberId: vlad.subscriberId, amount: 7_000, kind: 'payment', category: 'payment', idempotencyKey: 'tz:p2', at: new Date('2026-03-31T15:00:00Z') }); // 01:00 on 1 April there
  clock.set('2026-04-02T00:00:00Z');
  const sms = await ingestUsage(core, systemCtx('test'), [{ recordId: 'tz-u1', msisdn: vlad.msisdn, kind: 'sms', zone: 'home', startedAt: '2026-03-31T20:00:00Z', counterpart: '79990000001' }]);
  assert.equal(sms.accepted, 1);
  const expected = { march: { [kal.msisdn]: 3_333, [msk.msisdn]: 1_111, [vlad.msisdn]: 0 }, april: { [kal.msisdn]: 0, [msk.msisdn]: 2_222, [vlad.msisdn]: 3_333 } };

  const march = await getDashboard(core, boss.ctx, { month: '2026-03' });
  const april = await getDashboard(core, boss.ctx, { month: '2026-04' });
  const byRegion = (d: typeof march) => Object.fromEntries(d.byRegion.map((r) => [r.regionCode, r.amount]));
  assert.deepEqual(byRegion(march), { '39': 3_333, '77': 1_111, '25': 0 });
  assert.deepEqual(byRegion(april), { '39': 0, '77': 2_222, '25': 3_333 });
  assert.equal(march.total, 4_444);
  assert.equal(april.total, 5_555);
  assert.equal(april.previousTotal, march.total);
  assert.deepEqual(april.byMonth.slice(-2), [{ month: '2026-03', amount: 4_444 }, { month: '2026-04', amount: 5_555 }]);
  assert.deepEqual(march.payments.byDay, [{ date: '2026-03-31', amount: 5_000 }]);
  assert.deepEqual(april.payments.byDay, [{ date: '2026-04-01', amount: 7_000 }]);
  assert.deepEqual(march.trafficByDay, []);
  assert.deepEqual(april.trafficByDay.map((t) => [t.date, t.sms]), [['2026-04-01', 1]]);

  // The export reads the same per number.
  const wb = await readXlsx((await exportExpenses(core, boss.ctx, { format: 'xlsx', month: '2026-03' })).content);
  const sheet = wb.getWorksheet('По номерам')!;
  const rows: Record<string, number> = {};
  sheet.eachRow((row, i) => {
    if (i > 1) rows[String(row.getCell(1).value).replace(/\D/g, '')] = Math.round(Number(row.getCell(5).value) * 100);
  });
  assert.deepEqual(rows, expected.march);

  // Month-to-date spend in the numbers list at 00:45 on 1 April in Moscow: still March in Kaliningrad.
  clock.set('2026-03-31T21:45:00Z');
  const list = await listNumbers(core, boss.ctx, {});
  assert.deepEqual(Object.fromEntries(list.items.map((i) => [i.msisdn, i.monthSpend])), { [kal.msisdn]: 3_333, [msk.msisdn]: 2_222, [vlad.msisdn]: 3_333 });

  // The monthly report waits for the last region's month to end, then matches the screen.
  const early = await generateMonthlyReports(core);
  assert.equal(early.month, '2026-02', 'March has not ended in Kaliningrad yet');
  clock.set('2026-03-31T22:30:00Z'); // 00:30 on 1 April in Kaliningrad
  const made = await generateMonthlyReports(core);
  assert.equal(made.month, '2026-03');
  assert.ok(made.made.includes(co.id));
  const [report] = await core.db.query<{ total: number; xlsx: Buffer }>("SELECT total, xlsx FROM business_report WHERE customer_id = $1 AND month = '2026-03'", [co.id]);
  assert.equal(Number(report!.total), march.total);
  const stored = await readXlsx(Buffer.from(report!.xlsx));
  assert.equal(stored.getWorksheet('Сводка')!.getCell('B2').value, march.total / 100);
  clock.set('2026-03-20T09:00:00Z');
});
