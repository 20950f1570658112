import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { systemCtx, type Ctx, type Lang } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { requireBusinessAdmin, scopeOf } from './access.ts';
import { computeDashboard, spendByNumber, type DashboardFilter, type Selection } from './dashboard.ts';
import { localMonthOf, monthOf, parseMonth, previousMonth, type Month } from './period.ts';
import { renderExpense, renderExpenseCsv, renderExpensePdf, renderExpenseXlsx, type ExportFormat } from './render-export.ts';
import type { Queryable } from '../../store/db.ts';

async function customerName(q: Queryable, id: number): Promise<string> {
  return (await q.query<{ name: string }>('SELECT name FROM customer WHERE id = $1', [id]))[0]?.name ?? '';
}

async function build(q: Queryable, customerId: number, sel: Selection, month: Month, lang: Lang, f: DashboardFilter = {}) {
  return {
    customerName: await customerName(q, customerId),
    dashboard: await computeDashboard(q, sel, month, lang, f),
    numbers: await spendByNumber(q, sel, month, f),
    lang,
  };
}

/** The analytics of a month as a file to download: CSV (Excel, Russian locale), XLSX or PDF. */
export async function exportExpenses(core: Core, ctx: Ctx, input: { format: ExportFormat; month?: string } & DashboardFilter): Promise<{ filename: string; contentType: string; content: Buffer }> {
  const admin = requireBusinessAdmin(ctx, 'money');
  const month = input.month ? parseMonth(input.month) : monthOf(core.clock.now());
  const report = await build(core.db, admin.customerId, scopeOf(admin), month, ctx.lang, { region: input.region, departmentId: input.departmentId });
  const file = await renderExpense(report, input.format);
  return { filename: `expenses-${month.month}.${file.ext}`, contentType: file.contentType, content: file.content };
}

/**
 * Makes the monthly expense report (CSV, XLSX, PDF) of the month before `now`, in each language the
 * customer chose (Russian by default, English, or both), for every business customer that has none
 * yet in that language. Run by the `business-monthly-report` job: it does
 * the work on the 1st (or on the first run after, if the service was down), once per customer
 * and month (the unique key keeps a second instance from storing another).
 */
export async function generateMonthlyReports(core: Core, opts: { now?: Date } = {}): Promise<{ month: string; made: number[]; files: { customerId: number; language: Lang }[] }> {
  const now = opts.now ?? core.clock.now();
  const month = await reportMonthAt(core, now);
  const due = await core.db.query<{ id: number; lang: Lang }>(
    `SELECT c.id, l.lang FROM customer c CROSS JOIN LATERAL unnest(c.report_languages) WITH ORDINALITY AS l(lang, i)
      WHERE c.kind = 'business'
        AND NOT EXISTS (SELECT 1 FROM business_report r WHERE r.customer_id = c.id AND r.month = $1 AND r.language = l.lang) ORDER BY c.id, l.i`,
    [month.month],
  );
  const made: number[] = [];
  const files: { customerId: number; language: Lang }[] = [];
  const ctx = systemCtx('business-monthly-report');
  for (const { id, lang } of due) {
    const customerId = Number(id);
    const report = await build(core.db, customerId, { where: 's.customer_id = $1', params: [customerId] }, month, lang);
    const [csv, xlsx, pdf] = [renderExpenseCsv(report), await renderExpenseXlsx(report), await renderExpensePdf(report)];
    const stored = await core.db.tx(async (tx) => {
      const rows = await tx.query(
        `INSERT INTO business_report (id, customer_id, month, language, created_at, total, csv, xlsx, pdf) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (customer_id, month, language) DO NOTHING RETURNING id`,
        [randomUUID(), customerId, month.month, lang, now, report.dashboard.total, csv, xlsx, pdf],
      );
      if (rows.length) await recordAudit(tx, core, ctx, { action: 'business.report.generate', customerId, details: { month: month.month, language: lang, total: report.dashboard.total } });
      return rows.length > 0;
    });
    if (stored) {
      files.push({ customerId, language: lang });
      if (!made.includes(customerId)) made.push(customerId);
    }
  }
  return { month: month.month, made, files };
}

/**
 * The month whose monthly report is due at `now`: the last one that has ended everywhere. Each
 * number's month ends at its own local midnight, so the report waits for the last of them (the
 * westernmost region's): a Kaliningrad number's last hour is in it. In the first hour of a Moscow
 * month that is still the month before last.
 */
export async function reportMonthAt(core: Core, now: Date): Promise<Month> {
  return previousMonth(await lastMonthToEnd(core, now));
}

/** The month running now in the region whose clock is the furthest behind (its month ends last). */
async function lastMonthToEnd(core: Core, now: Date): Promise<Month> {
  const zones = (await core.db.query<{ time_zone: string }>('SELECT DISTINCT time_zone FROM region')).map((r) => r.time_zone);
  let latest = monthOf(now);
  for (const z of zones) {
    const m = localMonthOf(now, z);
    if (m.month < latest.month) latest = parseMonth(m.month);
  }
  return latest;
}

function requireReportReader(ctx: Ctx) {
  const admin = requireBusinessAdmin(ctx, 'money');
  // A monthly report covers the whole company: a department manager has their dashboard instead.
  if (admin.role === 'department_manager') throw new DomainError('FORBIDDEN', { reason: 'role' });
  return admin;
}

export async function listMonthlyReports(core: Core, ctx: Ctx): Promise<{ items: { id: string; month: string; language: Lang; total: number; createdAt: string; formats: ExportFormat[] }[] }> {
  const admin = requireReportReader(ctx);
  const rows = await core.db.query<{ id: string; month: string; language: Lang; total: number; created_at: Date }>(
    "SELECT id::text AS id, month, language, total, created_at FROM business_report WHERE customer_id = $1 ORDER BY month DESC, language = 'ru' DESC, language",
    [admin.customerId],
  );
  return { items: rows.map((r) => ({ id: r.id, month: r.month, language: r.language, total: Number(r.total), createdAt: new Date(r.created_at).toISOString(), formats: ['csv', 'xlsx', 'pdf'] })) };
}

const TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

export async function downloadMonthlyReport(core: Core, ctx: Ctx, input: { id: string; format: ExportFormat }): Promise<{ filename: string; contentType: string; content: Buffer }> {
  const admin = requireReportReader(ctx);
  if (!Object.hasOwn(TYPES, input.format)) throw new DomainError('VALIDATION', { field: 'format' });
  if (!/^[0-9a-f-]{36}$/i.test(input.id)) throw new DomainError('NOT_FOUND', { what: 'report' });
  const [r] = await core.db.query<{ month: string; language: Lang; file: Buffer }>(
    `SELECT month, language, ${input.format} AS file FROM business_report WHERE id = $1::uuid AND customer_id = $2`,
    [input.id, admin.customerId],
  );
  if (!r) throw new DomainError('NOT_FOUND', { what: 'report' });
  return { filename: `expenses-${r.month}${r.language === 'ru' ? '' : `-${r.language}`}.${input.format}`, contentType: TYPES[input.format], content: Buffer.from(r.file) };
}
