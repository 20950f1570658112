import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Lang } from '../shared/context.ts';
import { formatMoney } from '../shared/money.ts';
import { formatMsisdn } from '../shared/msisdn.ts';
import type { Category, Dashboard } from './dashboard.ts';

export type ExportFormat = 'csv' | 'xlsx' | 'pdf';

export interface ExpenseReport {
  customerName: string;
  dashboard: Dashboard;
  numbers: { msisdn: string; employeeName: string | null; department: string | null; regionCode: string; amount: number; previous: number }[];
  lang: Lang;
}

const words = {
  ru: {
    title: 'Расходы по корпоративным номерам',
    month: 'Месяц',
    total: 'Итого',
    previous: 'Прошлый месяц',
    change: 'Изменение',
    numbers: 'Номеров',
    payments: 'Платежи',
    summary: 'Сводка',
    byCategory: 'По категориям',
    byRegion: 'По регионам',
    byDepartment: 'По подразделениям',
    byNumber: 'По номерам',
    traffic: 'Трафик по дням',
    top: 'Больше всех тратят',
    category: 'Категория',
    region: 'Регион',
    department: 'Подразделение',
    msisdn: 'Номер',
    employee: 'Сотрудник',
    amount: 'Сумма, ₽',
    prevAmount: 'Прошлый месяц, ₽',
    date: 'Дата',
    minutes: 'Минуты',
    sms: 'SMS',
    gb: 'ГБ',
    charged: 'Списано, ₽',
    none: 'Без подразделения',
    categories: { subscription: 'Абонентская плата', calls: 'Звонки', sms: 'SMS', internet: 'Интернет', content: 'Контент', roaming: 'Роуминг', one_off: 'Разовые', other: 'Прочее' } as Record<Category, string>,
  },
  en: {
    title: 'Corporate numbers expenses',
    month: 'Month',
    total: 'Total',
    previous: 'Previous month',
    change: 'Change',
    numbers: 'Numbers',
    payments: 'Payments',
    summary: 'Summary',
    byCategory: 'By category',
    byRegion: 'By region',
    byDepartment: 'By department',
    byNumber: 'By number',
    traffic: 'Traffic by day',
    top: 'Top spenders',
    category: 'Category',
    region: 'Region',
    department: 'Department',
    msisdn: 'Number',
    employee: 'Employee',
    amount: 'Amount, RUB',
    prevAmount: 'Previous month, RUB',
    date: 'Date',
    minutes: 'Minutes',
    sms: 'SMS',
    gb: 'GB',
    charged: 'Charged, RUB',
    none: 'No department',
    categories: { subscription: 'Subscription fees', calls: 'Calls', sms: 'SMS', internet: 'Internet', content: 'Content', roaming: 'Roaming', one_off: 'One-off', other: 'Other' } as Record<Category, string>,
  },
};

/** Kopecks as rubles with two decimals, exactly (no float arithmetic on money). */
function rub(k: number, sep: string): string {
  const sign = k < 0 ? '-' : '';
  const a = Math.abs(k);
  return `${sign}${Math.floor(a / 100)}${sep}${String(a % 100).padStart(2, '0')}`;
}

interface Table {
  name: string;
  header: string[];
  /** Cells: text, or money in kopecks as `{ k }`, or a plain number. */
  rows: (string | number | { k: number })[][];
}

function tables(r: ExpenseReport): Table[] {
  const w = words[r.lang];
  const d = r.dashboard;
  const regionName = new Map(d.byRegion.map((x) => [x.regionCode, x.regionName]));
  return [
    {
      name: w.summary,
      header: [w.month, w.total, w.previous, w.change, w.numbers, w.payments],
      rows: [[d.month, { k: d.total }, { k: d.previousTotal }, { k: d.change.amount }, d.numbers, { k: d.payments.total }]],
    },
    { name: w.byCategory, header: [w.category, w.amount, w.prevAmount], rows: d.byCategory.map((c) => [w.categories[c.category], { k: c.amount }, { k: c.previous }]) },
    { name: w.byRegion, header: [w.region, w.numbers, w.amount, w.prevAmount], rows: d.byRegion.map((x) => [x.regionName, x.numbers, { k: x.amount }, { k: x.previous }]) },
    { name: w.byDepartment, header: [w.department, w.numbers, w.amount, w.prevAmount], rows: d.byDepartment.map((x) => [x.departmentName ?? w.none, x.numbers, { k: x.amount }, { k: x.previous }]) },
    {
      name: w.byNumber,
      header: [w.msisdn, w.employee, w.department, w.region, w.amount, w.prevAmount],
      rows: r.numbers.map((n) => [formatMsisdn(n.msisdn), n.employeeName ?? '', n.department ?? '', regionName.get(n.regionCode) ?? n.regionCode, { k: n.amount }, { k: n.previous }]),
    },
    { name: w.traffic, header: [w.date, w.minutes, w.sms, w.gb, w.charged], rows: d.trafficByDay.map((t) => [t.date, t.minutes, t.sms, t.gb, { k: t.charged }]) },
  ];
}

function csvCell(v: string | number | { k: number }): string {
  const s = typeof v === 'object' ? rub(v.k, ',') : typeof v === 'number' ? String(v).replace('.', ',') : v;
  return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderExpenseCsv(r: ExpenseReport): Buffer {
  const lines: string[] = [];
  for (const t of tables(r)) {
    if (lines.length) lines.push('');
    lines.push(csvCell(t.name));
    lines.push(t.header.map(csvCell).join(';'));
    for (const row of t.rows) lines.push(row.map(csvCell).join(';'));
  }
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
}

/** One sheet per table; money as numbers in rubles with a two-decimal format, so the sheet sums. */
export async function renderExpenseXlsx(r: ExpenseReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Abonent';
  for (const t of tables(r)) {
    const ws = wb.addWorksheet(t.name.slice(0, 31));
    ws.addRow(t.header).font = { bold: true };
    for (const row of t.rows) ws.addRow(row.map((c) => (typeof c === 'object' ? c.k / 100 : c)));
    t.header.forEach((_h, i) => {
      const col = ws.getColumn(i + 1);
      col.width = Math.max(12, t.header[i]!.length + 2);
      if (t.rows.some((row) => typeof row[i] === 'object')) col.numFmt = '#,##0.00';
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function loadFonts() {
  fonts ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return fonts;
}

/** An A4 PDF with the tables (the by-number one limited to the top 200), Cyrillic in DejaVu Sans. */
export function renderExpensePdf(r: ExpenseReport): Promise<Buffer> {
  const w = words[r.lang];
  const f = loadFonts();
  const doc = new PDFDocument({ size: 'A4', margin: 36, info: { Title: `${w.title} ${r.dashboard.month}`, Author: 'Abonent' } });
  doc.registerFont('regular', f.regular);
  doc.registerFont('bold', f.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const money = (k: number) => formatMoney(k, r.lang);
  doc.font('bold').fontSize(14).text(`${w.title}`, { lineBreak: true });
  doc.font('regular').fontSize(10).text(`${r.customerName} · ${w.month}: ${r.dashboard.month}`);
  doc.moveDown(0.5);
  const width = doc.page.width - 72;
  const bottom = () => doc.page.height - 54;
  for (const t of tables(r)) {
    const rows = t.name === w.byNumber ? t.rows.slice(0, 200) : t.rows;
    if (doc.y > bottom() - 60) doc.addPage();
    doc.font('bold').fontSize(11).text(t.name, 36, doc.y + 6);
    const colW = width / t.header.length;
    const line = (cells: string[], bold: boolean) => {
      if (doc.y > bottom()) doc.addPage();
      const y = doc.y + 2;
      doc.font(bold ? 'bold' : 'regular').fontSize(8);
      cells.forEach((c, i) => {
        let s = c;
        while (s.length > 1 && doc.widthOfString(s) > colW - 4) s = s.slice(0, -2) + '…';
        doc.text(s, 36 + i * colW, y, { lineBreak: false, width: colW - 4 });
      });
      doc.y = y + 11;
      doc.x = 36;
    };
    line(t.header, true);
    for (const row of rows) line(row.map((c) => (typeof c === 'object' ? money(c.k) : String(c))), false);
  }
  doc.end();
  return done;
}

export async function renderExpense(r: ExpenseReport, format: ExportFormat): Promise<{ content: Buffer; contentType: string; ext: string }> {
  if (format === 'csv') return { content: renderExpenseCsv(r), contentType: 'text/csv; charset=utf-8', ext: 'csv' };
  if (format === 'xlsx') return { content: await renderExpenseXlsx(r), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' };
  return { content: await renderExpensePdf(r), contentType: 'application/pdf', ext: 'pdf' };
}
