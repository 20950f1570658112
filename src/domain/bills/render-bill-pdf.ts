import PDFDocument from 'pdfkit';
import { DateTime } from 'luxon';
import type { CatalogSettings } from '../catalog/schema.ts';
import { loadFonts } from '../reports/render-pdf.ts';
import { formatMoney } from '../shared/money.ts';
import { formatMsisdn } from '../shared/msisdn.ts';
import { billWords } from './bill-words.ts';
import type { BillDraft } from './compute-bill.ts';
import { isCharge, type BillLine } from './lines.ts';

export type OperatorDetails = NonNullable<CatalogSettings['operator']>;

export interface BillDocument {
  draft: BillDraft;
  /** The bill's number; none for a bill on demand. */
  number: string | null;
  issuedAt: Date;
  operator: OperatorDetails | undefined;
}

const MARGIN = 40;
const ROW = 15;
const WIDTH = 515; // A4 width inside the margins
const COLUMNS = [315, 80, 120] as const;
const NUMBER_COLUMNS = [175, 170, 170] as const;

/**
 * The bill as an A4 PDF in the holder's language: the operator's details, who it is for, the
 * period, the summary (opening balance, charged, payments and adjustments, closing balance), the
 * charges and the money in by line, and for a contract the totals by number. The document's dates
 * come from the bill, so the same bill renders to the same bytes; an issued bill's bytes are
 * stored anyway and served as stored.
 */
export function renderBillPdf(bill: BillDocument): Promise<Buffer> {
  const { draft } = bill;
  const lang = draft.holder.language;
  const w = billWords[lang];
  const tz = draft.holder.timeZone;
  const money = (m: number) => formatMoney(m, lang);
  const title = bill.number ? w.title(draft.period.period) : w.onDemandTitle(draft.period.period);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: bill.number ? `${title} ${bill.number}` : title, Author: bill.operator?.name[lang] ?? 'Abonent', CreationDate: bill.issuedAt, ModDate: bill.issuedAt },
  });
  const fonts = loadFonts();
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const date = (d: Date) => DateTime.fromJSDate(d, { zone: tz }).toFormat('dd.MM.yyyy');
  const lastDay = DateTime.fromJSDate(draft.through, { zone: tz }).minus({ milliseconds: 1 }).toJSDate();

  let y = MARGIN;
  const line = (text: string, opts: { bold?: boolean; size?: number; grey?: boolean } = {}) => {
    doc.font(opts.bold ? 'bold' : 'regular').fontSize(opts.size ?? 9).fillColor(opts.grey ? '#555555' : 'black');
    doc.text(text, MARGIN, y, { width: WIDTH });
    y = doc.y + 2;
  };
  const ensure = (h: number) => {
    if (y + h > doc.page.height - MARGIN - ROW * 2) {
      doc.addPage();
      y = MARGIN;
    }
  };
  const row = (cells: readonly string[], widths: readonly number[], opts: { bold?: boolean; shade?: boolean } = {}) => {
    ensure(ROW);
    if (opts.shade) doc.rect(MARGIN, y, WIDTH, ROW).fill('#eeeeee');
    doc.font(opts.bold ? 'bold' : 'regular').fontSize(8.5).fillColor('black');
    let x = MARGIN;
    cells.forEach((text, i) => {
      const cw = widths[i]!;
      const tw = doc.widthOfString(text);
      doc.text(text, i === 0 ? x + 3 : x + cw - 3 - tw, y + 3.5, { lineBreak: false });
      x += cw;
    });
    y += ROW;
    doc.moveTo(MARGIN, y).lineTo(MARGIN + WIDTH, y).lineWidth(0.4).strokeColor('#cccccc').stroke();
  };

  // The operator's details head the page.
  const op = bill.operator;
  if (op) {
    line(op.name[lang], { bold: true, size: 10 });
    line(op.address[lang], { grey: true, size: 8 });
    line([`${w.inn} ${op.inn}`, op.kpp && `${w.kpp} ${op.kpp}`, op.ogrn && `${w.ogrn} ${op.ogrn}`].filter(Boolean).join(' · '), { grey: true, size: 8 });
    const contact = [op.phone, op.web].filter(Boolean).join(' · ');
    if (contact) line(contact, { grey: true, size: 8 });
    y += 10;
  }
  line(title, { bold: true, size: 16 });
  y += 4;
  if (bill.number) line(`${w.number}: ${bill.number}`);
  line(`${w.issued}: ${date(bill.issuedAt)}`);
  line(`${w.period}: ${date(draft.period.start)} — ${date(lastDay)}`);
  line(`${w.customer}: ${draft.holder.customerName}`);
  line(draft.holder.target.kind === 'account' ? `${w.phoneNumber}: ${formatMsisdn(draft.holder.reference)}` : `${w.contract}: ${draft.holder.reference}`);
  line(w.localTime(tz), { grey: true, size: 7.5 });
  if (!bill.number) line(w.onDemandNote, { bold: true, size: 8.5 });
  y += 8;

  line(w.summary, { bold: true, size: 11 });
  y += 2;
  row([w.opening, '', money(draft.openingBalance)], COLUMNS);
  row([w.charges, '', money(-draft.charges)], COLUMNS);
  row([w.credits, '', money(draft.credits)], COLUMNS);
  row([w.closing, '', money(draft.closingBalance)], COLUMNS, { bold: true, shade: true });
  y += 12;

  // Lines summed over the whole account (a contract's numbers together) by type.
  const byType = new Map<string, BillLine>();
  for (const l of draft.lines) {
    const t = byType.get(l.type);
    if (t) {
      t.amount += l.amount;
      t.count += l.count;
    } else byType.set(l.type, { ...l, msisdn: null });
  }
  const section = (heading: string, charge: boolean) => {
    ensure(ROW * 3);
    line(heading, { bold: true, size: 11 });
    y += 2;
    row(w.columns, COLUMNS, { bold: true, shade: true });
    const items = [...byType.values()].filter((l) => isCharge(l.type) === charge);
    if (items.length === 0) row([w.none, '', ''], COLUMNS);
    for (const l of items) row([w.lines[l.type], String(l.count), money(l.amount)], COLUMNS);
    y += 12;
  };
  section(w.chargesTitle, true);
  section(w.creditsTitle, false);

  if (draft.holder.target.kind === 'contract') {
    const numbers = new Map<string, { charges: number; credits: number }>();
    for (const l of draft.lines) {
      const key = l.msisdn ?? '';
      const n = numbers.get(key) ?? { charges: 0, credits: 0 };
      if (isCharge(l.type)) n.charges += l.amount;
      else n.credits += l.amount;
      numbers.set(key, n);
    }
    ensure(ROW * 3);
    line(w.byNumberTitle, { bold: true, size: 11 });
    y += 2;
    row(w.numberColumns, NUMBER_COLUMNS, { bold: true, shade: true });
    if (numbers.size === 0) row([w.none, '', ''], NUMBER_COLUMNS);
    for (const [msisdn, n] of numbers) row([msisdn ? formatMsisdn(msisdn) : '—', money(n.charges), money(n.credits)], NUMBER_COLUMNS);
  }

  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    doc.page.margins.bottom = 0;
    doc
      .font('regular')
      .fontSize(7)
      .fillColor('#555555')
      .text(`${bill.number ?? title} · ${w.page(i + 1, pages.count)}`, MARGIN, doc.page.height - MARGIN - ROW, { width: WIDTH, align: 'right', lineBreak: false });
  }
  doc.end();
  return done;
}
