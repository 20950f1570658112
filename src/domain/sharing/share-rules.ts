import { DateTime } from 'luxon';
import type { Queryable } from '../../store/db.ts';
import type { SharingSettings } from '../catalog/schema.ts';
import { DomainError } from '../shared/errors.ts';
import { startOfLocalDay } from '../shared/local-time.ts';
import type { SubscriberRow } from '../subscribers/access.ts';
import { MB, type QuotaUnit } from '../subscribers/quotas.ts';

/** What can be shared: whole gigabytes of data, or whole minutes. */
export type ShareKind = 'data' | 'minutes';
export const SHARE_KINDS: readonly ShareKind[] = ['data', 'minutes'];

/** The quota unit of a kind, and how many of those units one shared unit (a GB, a minute) is. */
export const SHARE_UNIT: Record<ShareKind, { unit: QuotaUnit; size: number }> = {
  data: { unit: 'bytes', size: 1024 * MB },
  minutes: { unit: 'seconds', size: 60 },
};

const DAY = 86_400_000;

/** What a number may give now, per kind, and its use of the abuse limits. */
export interface ShareState {
  /** Whole units (GB or minutes) left in the number's own packages, gifts received not counted. */
  available: Record<ShareKind, number>;
  today: number;
  thisMonth: number;
}

/** A roaming package's quotas are for roaming in its zone, never given away. */
const NOT_ROAMING = "NOT EXISTS (SELECT 1 FROM product p WHERE p.code = quota.source AND p.spec ? 'roaming')";

/**
 * The giver's own quotas that may be given: running now, of the kind's unit, not a gift received
 * (a gift is not passed on) nor a roaming package. Soonest to end first, the tariff's first (the order rating uses).
 */
export async function givableQuotas(q: Queryable, sub: Pick<SubscriberRow, 'accountId' | 'id'>, unit: QuotaUnit, now: Date, lock: boolean) {
  const rows = await q.query<{ id: number; remaining: number }>(
    `SELECT id, included - used AS remaining FROM quota
      WHERE account_id = $1 AND subscriber_id = $2 AND unit = $3 AND period_start <= $4 AND period_end > $4
        AND included > used AND source NOT LIKE 'gift:%' AND ${NOT_ROAMING}
      ORDER BY (source LIKE 'tariff:%') DESC, period_end, id${lock ? ' FOR UPDATE' : ''}`,
    [sub.accountId, sub.id, unit, now],
  );
  return rows.map((r) => ({ id: Number(r.id), remaining: Number(r.remaining) }));
}

export async function shareState(q: Queryable, sub: Pick<SubscriberRow, 'accountId' | 'id' | 'timeZone'>, now: Date): Promise<ShareState> {
  const dayStart = startOfLocalDay(now, sub.timeZone);
  const monthStart = DateTime.fromJSDate(now, { zone: sub.timeZone }).startOf('month').toJSDate();
  const [row] = await q.query<{ bytes: number; seconds: number; today: number; month: number }>(
    `SELECT
       COALESCE((SELECT SUM(included - used) FROM quota WHERE account_id = $1 AND subscriber_id = $2 AND unit = 'bytes'
                  AND period_start <= $3 AND period_end > $3 AND source NOT LIKE 'gift:%' AND ${NOT_ROAMING}), 0)::bigint AS bytes,
       COALESCE((SELECT SUM(included - used) FROM quota WHERE account_id = $1 AND subscriber_id = $2 AND unit = 'seconds'
                  AND period_start <= $3 AND period_end > $3 AND source NOT LIKE 'gift:%' AND ${NOT_ROAMING}), 0)::bigint AS seconds,
       (SELECT COUNT(*) FROM share_transfer WHERE giver_subscriber_id = $2 AND created_at >= $4)::int AS today,
       (SELECT COUNT(*) FROM share_transfer WHERE giver_subscriber_id = $2 AND created_at >= $5)::int AS month`,
    [sub.accountId, sub.id, now, dayStart, monthStart],
  );
  return {
    available: { data: Math.floor(Number(row!.bytes) / SHARE_UNIT.data.size), minutes: Math.floor(Number(row!.seconds) / SHARE_UNIT.minutes.size) },
    today: Number(row!.today),
    thisMonth: Number(row!.month),
  };
}

/**
 * Whether this number may give now (before the kind and amount are known): sharing on in the
 * catalog, the tariff allows it, tenure, not blocked, abuse limits not reached.
 */
export function giverRefusal(settings: SharingSettings | undefined, sub: Pick<SubscriberRow, 'tariffCode' | 'status' | 'activatedAt'>, state: ShareState, now: Date): DomainError | null {
  if (!settings) return new DomainError('SHARE_NOT_ALLOWED', { reason: 'off' });
  if (settings.tariffs.length > 0 && !settings.tariffs.includes(sub.tariffCode)) return new DomainError('SHARE_NOT_ALLOWED', { reason: 'tariff' });
  if (Math.floor((now.getTime() - sub.activatedAt.getTime()) / DAY) < settings.minTenureDays) return new DomainError('SHARE_NOT_ALLOWED', { reason: 'tenure', days: settings.minTenureDays });
  if (sub.status !== 'active') return new DomainError('SHARE_NOT_ALLOWED', { reason: 'blocked' });
  if (state.today >= settings.perDay) return new DomainError('SHARE_LIMIT_REACHED', { period: 'day', limit: settings.perDay });
  if (state.thisMonth >= settings.perMonth) return new DomainError('SHARE_LIMIT_REACHED', { period: 'month', limit: settings.perMonth });
  return null;
}

/** The kind and amount judged against the catalog's bounds and what is left in the package. */
export function amountRefusal(settings: SharingSettings, state: ShareState, kind: ShareKind, amount: number | undefined): DomainError | null {
  const bounds = settings[kind];
  if (!bounds) return new DomainError('SHARE_NOT_ALLOWED', { reason: 'kind' });
  if (amount === undefined) return null;
  if (!Number.isSafeInteger(amount) || amount < bounds.min || amount > bounds.max) return new DomainError('SHARE_AMOUNT_NOT_ALLOWED', { kind, min: bounds.min, max: bounds.max });
  if (state.available[kind] < amount) return new DomainError('INSUFFICIENT_ALLOWANCE', { kind, required: amount, available: state.available[kind] });
  return null;
}

export interface Recipient {
  id: number;
  accountId: number;
  customerId: number;
  msisdn: string;
  language: 'ru' | 'en';
  timeZone: string;
}

/**
 * The number a gift goes to: any number of the operator but the giver's own. Only whether it is
 * one of ours is told; nothing else of it is read back to the giver.
 */
export async function findRecipient(q: Queryable, giver: Pick<SubscriberRow, 'id'>, msisdn: string): Promise<Recipient> {
  const [r] = await q.query<Recipient>(
    `SELECT s.id, s.account_id AS "accountId", s.customer_id AS "customerId", s.msisdn, s.language, r.time_zone AS "timeZone"
       FROM subscriber s JOIN region r ON r.code = s.region_code WHERE s.msisdn = $1`,
    [msisdn],
  );
  if (!r) throw new DomainError('SHARE_NOT_ALLOWED', { reason: 'recipient' });
  if (Number(r.id) === giver.id) throw new DomainError('SHARE_NOT_ALLOWED', { reason: 'self' });
  return { ...r, id: Number(r.id), accountId: Number(r.accountId), customerId: Number(r.customerId) };
}
