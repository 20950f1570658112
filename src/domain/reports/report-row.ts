export type ReportStatus = 'queued' | 'ready' | 'failed';
export type ReportFormat = 'csv' | 'pdf';

export const CONTENT_TYPES: Record<ReportFormat, string> = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' };

/** A report as the subscriber sees it in the list; the files themselves come by download. */
export interface ReportView {
  id: string;
  msisdn: string;
  kind: 'detail';
  from: string;
  to: string;
  format: ReportFormat;
  status: ReportStatus;
  requestedAt: string;
  readyAt: string | null;
  records: number | null;
  /** Kopecks charged for the records in the report. */
  totalCharged: number | null;
  /** Sizes of the files in bytes, once made. */
  files: { csv: number | null; pdf: number | null };
}

export interface ReportRow {
  id: string;
  period_from: string;
  period_to: string;
  format: ReportFormat;
  status: ReportStatus;
  requested_at: Date;
  ready_at: Date | null;
  record_count: number | null;
  total_charged: number | null;
  csv_bytes: number | null;
  pdf_bytes: number | null;
}

/** The columns of `ReportRow`; dates come back as text so no driver turns them into instants. */
export const REPORT_COLUMNS = `id::text AS id, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
  format, status, requested_at, ready_at, record_count, total_charged, octet_length(csv) AS csv_bytes, octet_length(pdf) AS pdf_bytes`;

export function reportView(msisdn: string, r: ReportRow): ReportView {
  return {
    id: r.id,
    msisdn,
    kind: 'detail',
    from: r.period_from,
    to: r.period_to,
    format: r.format,
    status: r.status,
    requestedAt: r.requested_at.toISOString(),
    readyAt: r.ready_at?.toISOString() ?? null,
    records: r.record_count,
    totalCharged: r.total_charged,
    files: { csv: r.csv_bytes, pdf: r.pdf_bytes },
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isReportId(id: string): boolean {
  return uuidPattern.test(id);
}
