import type { CapRefusal } from '../caps/caps.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { recentPeriod, type RecentPeriodInput } from './period.ts';

export type UsageKindFilter = 'voice' | 'sms' | 'mms' | 'data';

export interface UsageItem {
  id: string;
  kind: UsageKindFilter;
  zone: 'home' | 'intercity' | 'roaming';
  startedAt: string;
  /** Call seconds, messages or bytes as used; `billedUnits` after rounding. */
  durationSeconds: number | null;
  bytes: number | null;
  counterpart: string | null;
  billedUnits: number;
  /** Of the billed units, covered by the tariff's or an option's allowance. */
  quotaUnits: number;
  /** Kopecks charged for the record. */
  charged: number;
  /** Refused by a spending cap or a family limit (nothing charged); else null. */
  refused: CapRefusal | null;
}

export interface UsageList {
  msisdn: string;
  from: string;
  to: string;
  timeZone: string;
  items: UsageItem[];
  /** Pass as `cursor` for the next, older page; null on the last page. */
  nextCursor: string | null;
}

/**
 * The subscriber's own usage, record by record, newest first, for local days of the region (the
 * detail report's period rules) and optionally one kind. Pages by a cursor of the last record
 * seen, so new usage arriving between pages neither repeats nor skips a line.
 */
export async function listUsage(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; kind?: UsageKindFilter; limit?: number; cursor?: string } & RecentPeriodInput,
): Promise<UsageList> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const tz = sub.timeZone;
  const now = core.clock.now();
  const period = recentPeriod(input, now, tz);
  const limit = pageLimit(input.limit);
  const after = decodeCursor('usage', input.cursor);
  const rows = await core.db.query<{
    id: number;
    kind: UsageKindFilter;
    zone: UsageItem['zone'];
    started_at: Date;
    duration_seconds: number | null;
    bytes: number | null;
    counterpart: string | null;
    billed_units: number;
    quota_units: number;
    charged: number;
    refused: UsageItem['refused'];
    key_at: string;
  }>(
    `SELECT ${keysetAt('started_at')} AS key_at, id, kind, zone, started_at, duration_seconds, bytes, counterpart, billed_units, quota_units, charged, refused
       FROM usage_record
      WHERE account_id = $1 AND subscriber_id = $2 AND started_at >= $3 AND started_at < $4
        AND ($5::text IS NULL OR kind = $5)
        AND ($6::timestamptz IS NULL OR (started_at, id) < ($6::timestamptz, $7::bigint))
      ORDER BY started_at DESC, id DESC
      LIMIT $8`,
    [sub.accountId, sub.id, period.start, period.end, input.kind ?? null, after?.at ?? null, after?.id ?? '0', limit + 1],
  );
  const page = keysetPage('usage', rows, limit, (r) => ({ at: r.key_at, id: String(r.id) }));
  return {
    msisdn: sub.msisdn,
    from: period.from,
    to: period.to,
    timeZone: tz,
    items: page.rows.map((r) => ({
      id: String(r.id),
      kind: r.kind,
      zone: r.zone,
      startedAt: new Date(r.started_at).toISOString(),
      durationSeconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
      bytes: r.bytes === null ? null : Number(r.bytes),
      counterpart: r.counterpart,
      billedUnits: Number(r.billed_units),
      quotaUnits: Number(r.quota_units),
      charged: Number(r.charged),
      refused: r.refused,
    })),
    nextCursor: page.nextCursor,
  };
}
