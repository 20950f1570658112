import { DateTime } from 'luxon';
import type { Core } from '../../domain/core.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { emptyPage, readPage, type Paged, type StorePage } from '../../domain/shared/list-page.ts';
import { requireOperator } from '../../domain/shared/operator-access.ts';
import type { SqlFilter } from './filter-sql.ts';

export interface UsageRecordView {
  id: string;
  recordId: string;
  msisdn: string;
  kind: 'voice' | 'sms' | 'mms' | 'data';
  zone: 'home' | 'intercity' | 'roaming';
  startedAt: Date;
  durationSeconds: number | null;
  bytes: number | null;
  counterpart: string | null;
  billedUnits: number;
  quotaUnits: number;
  charged: number;
  ratedAt: Date;
}

/**
 * Where kept usage detail begins: the history job summarises older months into usage_daily and
 * drops their records (docs/history.md). Null while nothing has been dropped.
 */
export async function usageDetailFrom(core: Core): Promise<Date | null> {
  const [row] = await core.db.query<{ detail_from: Date }>("SELECT detail_from FROM history_retention WHERE table_name = 'usage_record'");
  return row ? new Date(row.detail_from) : null;
}

/**
 * Rated usage records (TMF635 usage): by TMF id `<account>-<id>`, by number, or by the network's
 * record id; `filter`: a condition over the view's columns (x.id, x.msisdn, x.kind, x.zone,
 * x."startedAt", x.charged, …, as UsageRecordView names them). `to`, the end of the period the
 * filter asks for: a period that ends before the kept detail begins is refused with
 * USAGE_DETAIL_DROPPED (its records were summarised and dropped), rather than answered with an
 * empty list that would read as "no usage".
 */
export async function listUsageRecords(
  core: Core,
  ctx: Ctx,
  input: { id?: string; msisdn?: string; recordId?: string; filter?: SqlFilter; to?: Date },
  page?: StorePage,
): Promise<Paged<UsageRecordView>> {
  requireOperator(ctx);
  if (input.to) {
    const detailFrom = await usageDetailFrom(core);
    if (detailFrom && input.to <= detailFrom) throw new DomainError('USAGE_DETAIL_DROPPED', { from: moscowDate(detailFrom), detailFrom: detailFrom.toISOString() });
  }
  const none = () => emptyPage(page);
  const msisdn = input.msisdn === undefined ? null : normalizeMsisdn(input.msisdn);
  if (input.msisdn !== undefined && !msisdn) return none();
  const byId = input.id === undefined ? null : /^(\d{1,15})-(\d{1,15})$/.exec(input.id);
  if (input.id !== undefined && !byId) return none();
  const params: unknown[] = [msisdn, byId ? Number(byId[1]) : null, byId ? Number(byId[2]) : null, input.recordId ?? null];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<UsageRecordView>(
    core.db,
    `SELECT * FROM (SELECT u.account_id || '-' || u.id AS id, u.record_id AS "recordId", s.msisdn, u.kind, u.zone, u.started_at AS "startedAt",
            u.duration_seconds AS "durationSeconds", u.bytes, u.counterpart, u.billed_units AS "billedUnits",
            u.quota_units AS "quotaUnits", u.charged, u.rated_at AS "ratedAt", u.account_id AS "accountId", u.id AS "rowId"
       FROM usage_record u JOIN subscriber s ON s.id = u.subscriber_id
      WHERE ($1::text IS NULL OR s.msisdn = $1) AND ($2::bigint IS NULL OR (u.account_id = $2 AND u.id = $3))
        AND ($4::text IS NULL OR u.record_id = $4)) x WHERE ${where}`,
    params,
    `"startedAt" DESC, "rowId" DESC, "accountId" DESC`,
    page,
  );
}

function moscowDate(at: Date): string {
  return DateTime.fromJSDate(at, { zone: 'Europe/Moscow' }).toISODate()!;
}
