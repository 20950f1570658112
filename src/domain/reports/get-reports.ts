import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { REPORT_COLUMNS, reportView, type ReportRow, type ReportView } from './report-row.ts';

/**
 * The number's ordered reports, newest first, with where each one is (queued, ready, failed), a
 * page at a time by cursor (shared/cursor.ts).
 */
export async function getReports(core: Core, ctx: Ctx, input: { msisdn: string; limit?: number; cursor?: string }): Promise<{ msisdn: string; items: ReportView[]; nextCursor: string | null }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const limit = pageLimit(input.limit);
  const after = decodeCursor('reports', input.cursor);
  const rows = await core.db.query<ReportRow & { key_at: string }>(
    `SELECT ${REPORT_COLUMNS}, ${keysetAt('requested_at')} AS key_at FROM report
      WHERE account_id = $1 AND subscriber_id = $2 AND ($3::timestamptz IS NULL OR (requested_at, id) < ($3::timestamptz, $4::uuid))
      ORDER BY requested_at DESC, id DESC LIMIT $5`,
    [sub.accountId, sub.id, after?.at ?? null, after?.id ?? '00000000-0000-0000-0000-000000000000', limit + 1],
  );
  const page = keysetPage('reports', rows, limit, (r) => ({ at: r.key_at, id: r.id }));
  return { msisdn: sub.msisdn, items: page.rows.map((r) => reportView(sub.msisdn, r)), nextCursor: page.nextCursor };
}
