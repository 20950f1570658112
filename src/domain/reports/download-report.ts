import { maybeOne } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { CONTENT_TYPES, isReportId, type ReportFormat, type ReportStatus } from './report-row.ts';

export interface ReportFile {
  content: Buffer;
  contentType: string;
  filename: string;
}

/**
 * One file of a ready report: only the number's own reports are found (a report of another
 * number is "not found", like a number one may not see). Call details are personal data, so
 * every download is in the audit log with who took it.
 */
export async function downloadReport(core: Core, ctx: Ctx, input: { msisdn: string; id: string; format?: ReportFormat }): Promise<ReportFile> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  if (!isReportId(input.id)) throw new DomainError('NOT_FOUND', { report: input.id });
  const row = await maybeOne<{ status: ReportStatus; format: ReportFormat; period_from: string; period_to: string; csv: Uint8Array | null; pdf: Uint8Array | null }>(
    core.db,
    `SELECT status, format, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
            CASE WHEN $4::text = 'csv' OR ($4::text IS NULL AND format = 'csv') THEN csv END AS csv,
            CASE WHEN $4::text = 'pdf' OR ($4::text IS NULL AND format = 'pdf') THEN pdf END AS pdf
       FROM report WHERE account_id = $1 AND subscriber_id = $2 AND id = $3::uuid`,
    [sub.accountId, sub.id, input.id, input.format ?? null],
  );
  if (!row) throw new DomainError('NOT_FOUND', { report: input.id });
  if (row.status !== 'ready') throw new DomainError('REPORT_NOT_READY', { report: input.id, status: row.status });
  const format = input.format ?? row.format;
  const bytes = format === 'csv' ? row.csv : row.pdf;
  if (!bytes) throw new DomainError('REPORT_NOT_READY', { report: input.id, status: row.status });
  await recordAudit(core.db, core, ctx, {
    action: 'report.download',
    subscriberId: sub.id,
    customerId: sub.customerId,
    details: { report: input.id, format },
  });
  return {
    // PGlite gives bytea as a Uint8Array, pg as a Buffer: hand every channel a Buffer.
    content: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    contentType: CONTENT_TYPES[format],
    filename: `detail-${sub.msisdn}-${row.period_from}-${row.period_to}.${format}`,
  };
}
