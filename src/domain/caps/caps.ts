import type { Queryable } from '../../store/db.ts';
import type { Rated, UsageEvent } from '../billing/rate-usage.ts';

/**
 * Why rating refused a record, for the network side: `SPENDING_CAP` (the number's monthly cap would
 * be passed), `ROAMING_CAP` (its roaming cap would be), `DATA_CAP` (data beyond the packages with
 * the data hard cap on), `FAMILY_LIMIT` (a family member's monthly limit, set by the head, would be
 * passed). The switch should stop the service the record was for.
 */
export type CapRefusal = 'SPENDING_CAP' | 'ROAMING_CAP' | 'DATA_CAP' | 'FAMILY_LIMIT';

/** The roaming cap of a number that never set one: 5,000 ₽ a month. */
export const DEFAULT_ROAMING_CAP = 500_000;
export const MAX_CAP = 100_000_000;

export interface CapSettings {
  /** Kopecks a calendar month, or null. */
  monthly: number | null;
  /** Kopecks of roaming a calendar month. */
  roaming: number;
  dataHard: boolean;
}

/** One number's caps and what it has spent this calendar month (its region's), kept up to date as a batch is rated. */
export interface CapState extends CapSettings {
  spent: number;
  roamingSpent: number;
}

export async function readCapSettings(q: Queryable, subscriberId: number): Promise<CapSettings> {
  const rows = await q.query<{ monthly: number | null; roaming: number; data_hard: boolean }>('SELECT monthly, roaming, data_hard FROM spending_cap WHERE subscriber_id = $1', [subscriberId]);
  const r = rows[0];
  return r ? { monthly: r.monthly === null ? null : Number(r.monthly), roaming: Number(r.roaming), dataHard: r.data_hard } : { monthly: null, roaming: DEFAULT_ROAMING_CAP, dataHard: false };
}

/**
 * The caps of the numbers of a batch that have any (a row of their own, or roaming records under the
 * default roaming cap), with the month's spending so far: the month's row of account_month_spend,
 * which the ledger's balance trigger keeps with every charge (migration 055; the month's row is
 * the one within 14 hours of the month's start in the number's region, whatever zone the number
 * was in when charged). Read after the batch has locked the accounts, so batches over one account
 * see each other's charges: a cap holds whatever the order of concurrent batches. While a lift of the data hard cap runs ("continue for N ₽"),
 * `dataHard` is read as off.
 */
export async function loadCapStates(q: Queryable, at: Date, subscriberIds: number[], roamingSubscriberIds: number[]): Promise<Map<number, CapState>> {
  const rows = await q.query<{ id: number; monthly: number | null; roaming: number; data_hard: boolean; spent: number; roaming_spent: number }>(
    `SELECT n.id, c.monthly, coalesce(c.roaming, ${DEFAULT_ROAMING_CAP}) AS roaming,
            coalesce(c.data_hard AND NOT coalesce(c.data_lifted_until > $1, false), false) AS data_hard, sp.spent, sp.roaming_spent
       FROM subscriber n JOIN region r ON r.code = n.region_code
       LEFT JOIN spending_cap c ON c.subscriber_id = n.id
      CROSS JOIN LATERAL (SELECT date_trunc('month', $1::timestamptz AT TIME ZONE r.time_zone) AT TIME ZONE r.time_zone AS m) l
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(s.spent), 0)::bigint AS spent, coalesce(sum(s.roaming_spent), 0)::bigint AS roaming_spent
          FROM account_month_spend s
         WHERE s.account_id = n.account_id AND s.month_start BETWEEN l.m - interval '14 hours' AND l.m + interval '14 hours') sp
      WHERE n.id = ANY($2::bigint[]) AND (c.subscriber_id IS NOT NULL OR n.id = ANY($3::bigint[]))`,
    [at, subscriberIds, roamingSubscriberIds],
  );
  return new Map(
    rows.map((r) => [
      Number(r.id),
      { monthly: r.monthly === null ? null : Number(r.monthly), roaming: Number(r.roaming), dataHard: r.data_hard, spent: Number(r.spent), roamingSpent: Number(r.roaming_spent) },
    ]),
  );
}

/** Until when the number's data hard cap is lifted ("continue for N ₽"), or null when it is not now. */
export async function dataLiftedUntil(q: Queryable, subscriberId: number, now: Date): Promise<Date | null> {
  const rows = await q.query<{ until: Date | null }>('SELECT data_lifted_until AS until FROM spending_cap WHERE subscriber_id = $1 AND data_lifted_until > $2', [subscriberId, now]);
  return rows[0]?.until ?? null;
}

/** Whether a rated record passes the number's caps; when it does, its charge is counted. */
export function judgeCaps(cap: CapState, e: Pick<UsageEvent, 'kind' | 'zone'>, rated: Pick<Rated, 'charged'>): CapRefusal | null {
  if (rated.charged <= 0) return null;
  if (e.kind === 'data' && cap.dataHard && e.zone !== 'roaming') return 'DATA_CAP';
  if (e.zone === 'roaming' && cap.roamingSpent + rated.charged > cap.roaming) return 'ROAMING_CAP';
  if (cap.monthly !== null && cap.spent + rated.charged > cap.monthly) return 'SPENDING_CAP';
  cap.spent += rated.charged;
  if (e.zone === 'roaming') cap.roamingSpent += rated.charged;
  return null;
}
