import type { Queryable } from '../../store/db.ts';
import type { Lang } from '../shared/context.ts';
import type { OtherCharge } from './ledger-charges.ts';

export type UsageKind = 'voice' | 'sms' | 'mms' | 'data';
export type UsageZone = 'home' | 'intercity' | 'roaming';
export const USAGE_KINDS: readonly UsageKind[] = ['voice', 'sms', 'mms', 'data'];

/** One rated usage record as a detail report shows it. */
export interface DetailRecord {
  startedAt: Date;
  kind: UsageKind;
  zone: UsageZone;
  counterpart: string | null;
  durationSeconds: number | null;
  bytes: number | null;
  /** Seconds, messages or bytes after rounding. */
  billedUnits: number;
  /** Of those, covered by the allowance. */
  quotaUnits: number;
  /** Kopecks. */
  charged: number;
}

/** What both renderers (CSV and PDF) are given: the same records, so the two files agree. */
export interface DetailReport {
  msisdn: string;
  language: Lang;
  timeZone: string;
  from: string;
  to: string;
  generatedAt: Date;
  records: DetailRecord[];
  /** Fees, packages, content and one-off charges of the period, from the ledger. */
  charges: OtherCharge[];
  /** Kopecks charged in the period as the ledger (and so the balance) counts them: records and charges. */
  totalCharged: number;
}

/** How much of its service a record is: call seconds, messages, or bytes of traffic. */
export function recordAmount(r: Pick<DetailRecord, 'kind' | 'durationSeconds' | 'bytes' | 'billedUnits'>): number {
  if (r.kind === 'voice') return r.durationSeconds ?? 0;
  if (r.kind === 'data') return r.bytes ?? 0;
  return r.billedUnits;
}

export interface KindTotals {
  count: number;
  /** Sum of `recordAmount`: seconds, messages or bytes. */
  amount: number;
  quotaUnits: number;
  charged: number;
}

export interface DetailTotals {
  byKind: Record<UsageKind, KindTotals>;
  count: number;
  charged: number;
}

/** The subscriber's usage records in [start, end), oldest first. */
export async function loadDetailRecords(
  q: Queryable,
  p: { accountId: number; subscriberId: number; start: Date; end: Date },
): Promise<DetailRecord[]> {
  return q.query<DetailRecord>(
    `SELECT started_at AS "startedAt", kind, zone, counterpart, duration_seconds AS "durationSeconds", bytes,
            billed_units AS "billedUnits", quota_units AS "quotaUnits", charged
       FROM usage_record
      WHERE account_id = $1 AND subscriber_id = $2 AND started_at >= $3 AND started_at < $4
      ORDER BY started_at, id`,
    [p.accountId, p.subscriberId, p.start, p.end],
  );
}

export function detailTotals(records: readonly DetailRecord[]): DetailTotals {
  const zero = (): KindTotals => ({ count: 0, amount: 0, quotaUnits: 0, charged: 0 });
  const byKind: Record<UsageKind, KindTotals> = { voice: zero(), sms: zero(), mms: zero(), data: zero() };
  let charged = 0;
  for (const r of records) {
    const t = byKind[r.kind];
    t.count += 1;
    t.amount += recordAmount(r);
    t.quotaUnits += r.quotaUnits;
    t.charged += r.charged;
    charged += r.charged;
  }
  return { byKind, count: records.length, charged };
}
