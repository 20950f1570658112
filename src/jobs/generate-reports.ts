import { recordAudit } from '../domain/audit/record-audit.ts';
import type { Core } from '../domain/core.ts';
import { enqueueSms } from '../domain/notifications/enqueue-sms.ts';
import { reportSms } from '../domain/reports/labels.ts';
import { makeReportFiles, type QueuedReport } from '../domain/reports/make-report-files.ts';
import { systemCtx } from '../domain/shared/context.ts';
import type { Tx } from '../store/db.ts';

export interface GenerateResult {
  ready: string[];
  failed: string[];
}

const ctx = systemCtx('generate-reports');

/** Takes the oldest queued report no other instance holds; its row stays locked until commit. */
async function claimNext(tx: Tx): Promise<QueuedReport | undefined> {
  const rows = await tx.query<QueuedReport>(
    `SELECT account_id AS "accountId", id::text AS id, subscriber_id AS "subscriberId",
            to_char(period_from, 'YYYY-MM-DD') AS "from", to_char(period_to, 'YYYY-MM-DD') AS "to",
            period_start AS start, period_end AS end, time_zone AS "timeZone", language
       FROM report WHERE status = 'queued'
      ORDER BY requested_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
  );
  return rows[0];
}

/**
 * Makes the files of queued detail reports, at most `limit` of them, one transaction each: the
 * claimed row is locked with SKIP LOCKED while its CSV and PDF are rendered and stored, so
 * instances running the job at once never make one report twice and a finished report is never
 * taken again. A report that cannot be made is marked failed (and its owner told) rather than
 * retried forever. Returns the ids made ready and the ids that failed in this run.
 */
export async function generateReports(core: Core, opts: { now?: Date; limit?: number } = {}): Promise<GenerateResult> {
  const limit = opts.limit ?? 20;
  const result: GenerateResult = { ready: [], failed: [] };
  for (let i = 0; i < limit; i++) {
    // Set inside the transaction, so a failure knows which report it was making.
    const attempt: { report?: QueuedReport } = {};
    try {
      const done = await core.db.tx(async (tx) => {
        const r = await claimNext(tx);
        if (!r) return false;
        attempt.report = r;
        const now = opts.now ?? core.clock.now();
        const files = await makeReportFiles(tx, r, now);
        await tx.query(
          `UPDATE report SET status = 'ready', ready_at = $3, csv = $4, pdf = $5, record_count = $6, total_charged = $7
            WHERE account_id = $1 AND id = $2::uuid`,
          [r.accountId, r.id, now, files.csv, files.pdf, files.records, files.charged],
        );
        await enqueueSms(tx, { msisdn: files.msisdn, text: reportSms.ready(r.language, r.from, r.to), kind: 'report.ready', at: now });
        await recordAudit(tx, core, ctx, {
          action: 'report.generate',
          subscriberId: r.subscriberId,
          details: { report: r.id, records: files.records, csvBytes: files.csv.length, pdfBytes: files.pdf.length },
        });
        return true;
      });
      if (!done) break;
      result.ready.push(attempt.report!.id);
    } catch (err) {
      const r = attempt.report;
      if (!r) throw err; // nothing was claimed: the store itself is failing
      core.log.error({ err, report: r.id }, 'report generation failed');
      if (await markFailed(core, r, err, opts.now)) result.failed.push(r.id);
    }
  }
  return result;
}

/**
 * After a failed attempt (its claim rolled back with the work): the report is marked failed with
 * the reason and the number told to order again, unless another instance has taken or finished
 * it in the meantime.
 */
async function markFailed(core: Core, r: QueuedReport, err: unknown, at?: Date): Promise<boolean> {
  return core.db.tx(async (tx) => {
    const still = await tx.query(
      `SELECT 1 FROM report WHERE account_id = $1 AND id = $2::uuid AND status = 'queued' FOR UPDATE SKIP LOCKED`,
      [r.accountId, r.id],
    );
    if (still.length === 0) return false;
    const now = at ?? core.clock.now();
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    await tx.query(`UPDATE report SET status = 'failed', failure_reason = $3, ready_at = $4 WHERE account_id = $1 AND id = $2::uuid`, [r.accountId, r.id, reason, now]);
    const sub = await tx.query<{ msisdn: string }>('SELECT msisdn FROM subscriber WHERE id = $1', [r.subscriberId]);
    if (sub[0]) await enqueueSms(tx, { msisdn: sub[0].msisdn, text: reportSms.failed(r.language, r.from, r.to), kind: 'report.failed', at: now });
    await recordAudit(tx, core, ctx, { action: 'report.generate', subscriberId: r.subscriberId, outcome: 'failed', details: { report: r.id, reason } });
    return true;
  });
}
