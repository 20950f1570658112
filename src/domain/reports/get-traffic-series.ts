import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { chargedByLocalDay } from './ledger-charges.ts';
import { localDays, recentPeriod, type RecentPeriodInput } from './period.ts';

export interface TrafficDay {
  /** Local date `YYYY-MM-DD`. */
  date: string;
  voiceSeconds: number;
  sms: number;
  mms: number;
  bytes: number;
  /** Kopecks charged that day as the ledger (and so the balance) counts them: usage, fees, packages, content, one-off charges. */
  charged: number;
}

export interface TrafficSeries {
  msisdn: string;
  from: string;
  to: string;
  timeZone: string;
  days: TrafficDay[];
  totals: Omit<TrafficDay, 'date'>;
}

/**
 * Usage per local day of the subscriber's region for a chart: call seconds, messages and bytes
 * from the usage records, and the money charged from the ledger, the same entries Home's spending
 * and the balance count (so a day of fees shows its fees, not 0 ₽); every day of the period
 * present (a day without usage or charges is all zeros). The period follows the detail report's rules.
 */
export async function getTrafficSeries(core: Core, ctx: Ctx, input: { msisdn: string } & RecentPeriodInput): Promise<TrafficSeries> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const tz = sub.timeZone;
  const now = core.clock.now();
  const period = recentPeriod(input, now, tz);
  const rows = await core.db.query<Omit<TrafficDay, 'charged'>>(
    `SELECT to_char(started_at AT TIME ZONE $3, 'YYYY-MM-DD') AS date,
            COALESCE(SUM(duration_seconds) FILTER (WHERE kind = 'voice'), 0)::bigint AS "voiceSeconds",
            COALESCE(SUM(billed_units) FILTER (WHERE kind = 'sms'), 0)::bigint AS sms,
            COALESCE(SUM(billed_units) FILTER (WHERE kind = 'mms'), 0)::bigint AS mms,
            COALESCE(SUM(bytes) FILTER (WHERE kind = 'data'), 0)::bigint AS bytes
       FROM usage_record
      WHERE account_id = $1 AND subscriber_id = $2 AND started_at >= $4 AND started_at < $5
      GROUP BY 1`,
    [sub.accountId, sub.id, tz, period.start, period.end],
  );
  const byDate = new Map(rows.map((r) => [r.date, r]));
  const charged = await chargedByLocalDay(core.db, { accountId: sub.accountId, subscriberId: sub.id, start: period.start, end: period.end, timeZone: tz });
  const totals = { voiceSeconds: 0, sms: 0, mms: 0, bytes: 0, charged: 0 };
  const days = localDays(period).map((date) => {
    const r = byDate.get(date);
    const day: TrafficDay = { date, voiceSeconds: r?.voiceSeconds ?? 0, sms: r?.sms ?? 0, mms: r?.mms ?? 0, bytes: r?.bytes ?? 0, charged: charged.get(date) ?? 0 };
    for (const k of ['voiceSeconds', 'sms', 'mms', 'bytes', 'charged'] as const) totals[k] += day[k];
    return day;
  });
  return { msisdn: sub.msisdn, from: period.from, to: period.to, timeZone: tz, days, totals };
}
