import { recordAmount, type DetailReport } from './detail.ts';
import { chargeLabel, counterpartForSheet, localDateTime, quantity, reportWords, rubles } from './labels.ts';

const SEPARATOR = ';';

function cell(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The detail report as the CSV that Excel in a Russian locale opens by a double click: UTF-8 with
 * a BOM (or Cyrillic turns to mojibake), `;` between fields (`,` is the decimal mark there),
 * CRLF line ends, amounts as `12,50`. One line per usage record, then one per fee, package or
 * one-off charge (its "type" says what for), times in the region's zone, so the amounts sum to what
 * the balance was charged; the header is in the report's language, the number formats stay
 * Russian so the sheet can sum.
 */
export function renderCsv(report: DetailReport): Buffer {
  const w = reportWords[report.language];
  const lines = [w.columns.map(cell).join(SEPARATOR)];
  for (const r of report.records) {
    lines.push(
      [
        localDateTime(r.startedAt, report.timeZone),
        w.kinds[r.kind],
        counterpartForSheet(r.counterpart),
        w.zones[r.zone],
        quantity(r.kind, recordAmount(r), w),
        quantity(r.kind, r.quotaUnits, w),
        rubles(r.charged),
      ]
        .map(cell)
        .join(SEPARATOR),
    );
  }
  for (const c of report.charges) {
    lines.push([localDateTime(c.at, report.timeZone), chargeLabel(c, w, report.language), '', '', '', '', rubles(c.amount)].map(cell).join(SEPARATOR));
  }
  return Buffer.from('\uFEFF' + lines.join('\r\n') + '\r\n', 'utf8');
}
