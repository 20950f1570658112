import type { Queryable } from '../../store/db.ts';
import type { Allowance, Tariff } from '../catalog/schema.ts';
import { dailyPeriod, monthlyPeriod } from '../shared/local-time.ts';

export type QuotaUnit = 'seconds' | 'sms' | 'bytes';
export const MB = 1024 * 1024;

export interface Period {
  start: Date;
  end: Date;
}

/** The tariff period containing `at`: the local day for daily plans, the billing month otherwise. */
export function tariffPeriod(tariff: Tariff, sub: { timeZone: string; billingDay: number }, at: Date): Period {
  return tariff.fee.model === 'daily' ? dailyPeriod(at, sub.timeZone) : monthlyPeriod(at, sub.timeZone, sub.billingDay);
}

function units(a: Allowance): [QuotaUnit, number][] {
  const out: [QuotaUnit, number][] = [];
  if (a.minutes) out.push(['seconds', a.minutes * 60]);
  if (a.sms) out.push(['sms', a.sms]);
  if (a.dataMb) out.push(['bytes', a.dataMb * MB]);
  return out;
}

export async function grantAllowance(
  q: Queryable,
  g: { accountId: number; subscriberId: number; source: string; allowance: Allowance; period: Period },
): Promise<void> {
  for (const [unit, included] of units(g.allowance)) {
    await q.query(
      `INSERT INTO quota (account_id, subscriber_id, unit, source, period_start, period_end, included)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [g.accountId, g.subscriberId, unit, g.source, g.period.start, g.period.end, included],
    );
  }
}

/** Closes what is left of a source's quotas at `at` (a product disabled, a tariff left). */
export async function endAllowance(q: Queryable, accountId: number, subscriberId: number, source: string, at: Date): Promise<void> {
  await q.query(
    `UPDATE quota SET period_end = GREATEST(period_start, $4)
      WHERE account_id = $1 AND subscriber_id = $2 AND source = $3 AND period_end > $4`,
    [accountId, subscriberId, source, at],
  );
}

export interface QuotaLine {
  unit: QuotaUnit;
  source: string;
  included: number;
  used: number;
  remaining: number;
  periodStart: string;
  periodEnd: string;
}

export async function currentQuotas(q: Queryable, accountId: number, subscriberId: number, at: Date): Promise<QuotaLine[]> {
  const rows = await q.query<{ unit: QuotaUnit; source: string; included: number; used: number; period_start: Date; period_end: Date }>(
    `SELECT unit, source, included, used, period_start, period_end FROM quota
      WHERE account_id = $1 AND subscriber_id = $2 AND period_start <= $3 AND period_end > $3
      ORDER BY unit, period_end, id`,
    [accountId, subscriberId, at],
  );
  return rows.map((r) => ({
    unit: r.unit,
    source: r.source,
    included: r.included,
    used: r.used,
    remaining: r.included - r.used,
    periodStart: r.period_start.toISOString(),
    periodEnd: r.period_end.toISOString(),
  }));
}
