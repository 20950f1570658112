import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { formatMoney } from '../shared/money.ts';
import { formatMsisdn } from '../shared/msisdn.ts';
import { detailTotals, recordAmount, USAGE_KINDS, type DetailReport } from './detail.ts';
import { chargeLabel, counterpartForPeople, displayDate, localDateTime, quantity, reportWords, rubles, type ReportWords } from './labels.ts';
import { SPENDING_CATEGORIES } from './get-spending.ts';

// DejaVu covers Cyrillic; the PDF standard fonts do not. Only the glyphs used are embedded. The
// files are read once per process and each registered once per document: parsing a TTF is most
// of the cost of a report, so the same font must never be loaded under two names.
const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | undefined;
export function loadFonts(): { regular: Buffer; bold: Buffer } {
  fonts ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return fonts;
}

const MARGIN = 36;
const ROW = 12;
const TEXT_SIZE = 7.5;
/** Widths of the record table's columns; they add up to the A4 width inside the margins. */
const COLUMNS = [84, 46, 94, 78, 75, 70, 76] as const;
const TOTAL_COLUMNS = [150, 70, 110, 100, 93] as const;
const CHARGE_COLUMNS = [84, 363, 76] as const;
const RIGHT_FROM = 4; // volume, allowance and amount columns are numbers: right-aligned

interface Cursor {
  doc: PDFKit.PDFDocument;
  y: number;
}

function bottom(doc: PDFKit.PDFDocument): number {
  return doc.page.height - MARGIN - ROW * 2; // room for the page number
}

/** The text cut with an ellipsis where it would not fit the width. */
function fitWidth(doc: PDFKit.PDFDocument, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let cut = text;
  while (cut.length > 0 && doc.widthOfString(`${cut}…`) > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** One table row; a header row (`lines: 2`) may wrap its titles onto a second line. */
function row(c: Cursor, cells: readonly string[], widths: readonly number[], opts: { bold?: boolean; shade?: boolean; rightFrom?: number; lines?: number } = {}): void {
  const { doc } = c;
  const width = widths.reduce((a, b) => a + b, 0);
  const lines = opts.lines ?? 1;
  const height = ROW * lines - (lines - 1) * 3;
  if (opts.shade) doc.rect(MARGIN, c.y, width, height).fill('#eeeeee').fillColor('black');
  doc.font(opts.bold ? 'bold' : 'regular').fontSize(TEXT_SIZE);
  let x = MARGIN;
  cells.forEach((text, i) => {
    const w = widths[i]!;
    const right = i >= (opts.rightFrom ?? RIGHT_FROM);
    if (lines > 1) {
      doc.text(text, x + 2, c.y + 2.5, { width: w - 4, height: height - 2, ellipsis: true, lineGap: -0.5, align: right ? 'right' : 'left' });
    } else {
      // One line: cut and placed by hand, without pdfkit's line wrapper (or its page breaks).
      const fit = fitWidth(doc, text, w - 4);
      doc.text(fit, right ? x + w - 2 - doc.widthOfString(fit) : x + 2, c.y + 2.5, { lineBreak: false });
    }
    x += w;
  });
  c.y += height;
  doc.moveTo(MARGIN, c.y).lineTo(MARGIN + width, c.y).lineWidth(0.4).strokeColor('#cccccc').stroke();
}

function newPage(c: Cursor, w: ReportWords): void {
  c.doc.addPage();
  c.y = MARGIN;
  row(c, w.columns, COLUMNS, { bold: true, shade: true, lines: 2 });
}

/**
 * The detail report as an A4 PDF: title, number, period, the records in a table whose header
 * repeats on every page, the fees, packages and one-off charges, totals per service and per kind
 * of charge, the total the balance was charged, and page numbers. Text is real text in an embedded
 * Unicode font, so it can be searched, copied and read back.
 */
export function renderPdf(report: DetailReport): Promise<Buffer> {
  const w = reportWords[report.language];
  const mark = report.language === 'ru' ? ',' : '.';
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: `${w.title} ${formatMsisdn(report.msisdn)}`, Author: 'Abonent', CreationDate: report.generatedAt },
  });
  const { regular, bold } = loadFonts();
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const tz = report.timeZone;
  doc.font('bold').fontSize(15).text(w.title, MARGIN, MARGIN);
  doc.moveDown(0.4).font('regular').fontSize(10);
  doc.text(`${w.number}: ${formatMsisdn(report.msisdn)}`);
  doc.text(`${w.period}: ${displayDate(report.from)} — ${displayDate(report.to)}`);
  doc.fontSize(8).fillColor('#555555');
  doc.text(`${w.localTime(tz)}. ${w.generated}: ${localDateTime(report.generatedAt, tz)}`);
  doc.fillColor('black').moveDown(0.8);

  const c: Cursor = { doc, y: doc.y };
  row(c, w.columns, COLUMNS, { bold: true, shade: true, lines: 2 });
  if (report.records.length === 0) row(c, [w.noRecords], [COLUMNS.reduce((a, b) => a + b, 0)]);
  for (const r of report.records) {
    if (c.y + ROW > bottom(doc)) newPage(c, w);
    row(
      c,
      [
        localDateTime(r.startedAt, tz),
        w.kinds[r.kind],
        counterpartForPeople(r.counterpart),
        w.zones[r.zone],
        quantity(r.kind, recordAmount(r), w, mark),
        quantity(r.kind, r.quotaUnits, w, mark),
        rubles(r.charged, mark),
      ],
      COLUMNS,
    );
  }

  if (report.charges.length > 0) {
    if (c.y + ROW * 4 > bottom(doc)) {
      doc.addPage();
      c.y = MARGIN;
    }
    c.y += ROW;
    doc.font('bold').fontSize(10).text(w.chargesTitle, MARGIN, c.y);
    c.y += ROW * 1.5;
    row(c, [w.columns[0], w.columns[1], w.columns[6]], CHARGE_COLUMNS, { bold: true, shade: true, rightFrom: 2 });
    for (const ch of report.charges) {
      if (c.y + ROW > bottom(doc)) {
        doc.addPage();
        c.y = MARGIN;
      }
      row(c, [localDateTime(ch.at, tz), chargeLabel(ch, w, report.language), rubles(ch.amount, mark)], CHARGE_COLUMNS, { rightFrom: 2 });
    }
  }

  const totals = detailTotals(report.records);
  const byCategory = new Map<string, number>();
  for (const ch of report.charges) byCategory.set(ch.category, (byCategory.get(ch.category) ?? 0) + ch.amount);
  const categories = SPENDING_CATEGORIES.filter((k) => byCategory.has(k));
  if (c.y + ROW * (USAGE_KINDS.length + categories.length + 5) > bottom(doc)) {
    doc.addPage();
    c.y = MARGIN;
  }
  c.y += ROW;
  doc.font('bold').fontSize(10).text(w.totalsTitle, MARGIN, c.y);
  c.y += ROW * 1.5;
  row(c, w.totalsColumns, TOTAL_COLUMNS, { bold: true, shade: true, rightFrom: 1 });
  for (const kind of USAGE_KINDS) {
    const t = totals.byKind[kind];
    row(c, [w.kinds[kind], String(t.count), quantity(kind, t.amount, w, mark), quantity(kind, t.quotaUnits, w, mark), rubles(t.charged, mark)], TOTAL_COLUMNS, { rightFrom: 1 });
  }
  for (const k of categories) row(c, [w.categories[k], '', '', '', rubles(byCategory.get(k)!, mark)], TOTAL_COLUMNS, { rightFrom: 1 });
  c.y += ROW / 2;
  // What the balance was charged in the period (the ledger's sum), the same figure the app shows.
  doc.font('bold').fontSize(10).text(`${w.total}: ${formatMoney(report.totalCharged, report.language)}`, MARGIN, c.y);

  // Page numbers, written once the page count is known; the bottom margin is lifted so the
  // footer does not make pdfkit start another page.
  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    doc.page.margins.bottom = 0;
    doc
      .font('regular')
      .fontSize(7)
      .fillColor('#555555')
      .text(`${formatMsisdn(report.msisdn)} · ${displayDate(report.from)} — ${displayDate(report.to)} · ${w.page(i + 1, pages.count)}`, MARGIN, doc.page.height - MARGIN - ROW, {
        width: doc.page.width - MARGIN * 2,
        align: 'right',
        lineBreak: false,
      });
  }
  doc.end();
  return done;
}
