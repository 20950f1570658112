import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { REPORT_COLUMNS, reportView, type ReportRow, type ReportView } from './report-row.ts';

/** The number's ordered reports, newest first, with where each one is (queued, ready, failed). */
export async function getReports(core: Core, ctx: Ctx, input: { msisdn: string; limit?: number }): Promise<{ msisdn: string; items: ReportView[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const rows = await core.db.query<ReportRow>(
    `SELECT ${REPORT_COLUMNS} FROM report WHERE account_id = $1 AND subscriber_id = $2 ORDER BY requested_at DESC, id LIMIT $3`,
    [sub.accountId, sub.id, limit],
  );
  return { msisdn: sub.msisdn, items: rows.map((r) => reportView(sub.msisdn, r)) };
}
