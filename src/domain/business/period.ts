import { DateTime } from 'luxon';
import { DomainError } from '../shared/errors.ts';

/**
 * A business customer's numbers live in many regions, so the portal counts months in one zone:
 * Moscow time, the zone contracts and invoices use.
 */
export const BUSINESS_ZONE = 'Europe/Moscow';

export interface Month {
  /** `YYYY-MM` */
  month: string;
  start: Date;
  end: Date;
}

export function monthOf(now: Date): Month {
  const m = DateTime.fromJSDate(now, { zone: BUSINESS_ZONE }).startOf('month');
  return { month: m.toFormat('yyyy-MM'), start: m.toJSDate(), end: m.plus({ months: 1 }).toJSDate() };
}

export function parseMonth(value: string, field = 'month'): Month {
  const m = /^\d{4}-(0[1-9]|1[0-2])$/.test(value) ? DateTime.fromFormat(value, 'yyyy-MM', { zone: BUSINESS_ZONE }) : null;
  if (!m || !m.isValid) throw new DomainError('VALIDATION', { field });
  return { month: value, start: m.toJSDate(), end: m.plus({ months: 1 }).toJSDate() };
}

export function previousMonth(m: Month): Month {
  const d = DateTime.fromJSDate(m.start, { zone: BUSINESS_ZONE }).minus({ months: 1 });
  return { month: d.toFormat('yyyy-MM'), start: d.toJSDate(), end: m.start };
}

/** Ledger categories that are not spending: money in and bonus moves. */
export const NOT_SPENDING = ['payment', 'promised', 'bonus'];

/** The SQL condition (on ledger alias `l`) for charges that count as spending. */
export const SPENDING_ENTRY = `l.amount < 0 AND (l.category IS NULL OR l.category <> ALL('{payment,promised,bonus}'::text[]))`;

/** The calendar month containing `now` in the given time zone (a number's region). */
export function localMonthOf(now: Date, tz: string): Month {
  const m = DateTime.fromJSDate(now, { zone: tz }).startOf('month');
  return { month: m.toFormat('yyyy-MM'), start: m.toJSDate(), end: m.plus({ months: 1 }).toJSDate() };
}

/**
 * SQL for a number's own months: `tz` is an SQL expression naming its region's time zone (e.g.
 * `r.time_zone`), `at` one giving a timestamptz. Each number's months begin at its local midnight
 * on the 1st, so a charge at 23:30 Moscow time on the 31st is the next month in Vladivostok.
 */
export const localSql = {
  /** `YYYY-MM` of the local month holding `at`. */
  month: (at: string, tz: string) => `to_char((${at})::timestamptz AT TIME ZONE ${tz}, 'YYYY-MM')`,
  /** `YYYY-MM-DD` of the local day holding `at`. */
  day: (at: string, tz: string) => `to_char((${at})::timestamptz AT TIME ZONE ${tz}, 'YYYY-MM-DD')`,
  /** The instant the local month holding `at` starts, moved by `months`. */
  monthStart: (at: string, tz: string, months = 0) => `((date_trunc('month', (${at})::timestamptz AT TIME ZONE ${tz}) + interval '${months} month') AT TIME ZONE ${tz})`,
  /** The instant the local month named `month` (`YYYY-MM` text) starts, moved by `months`. */
  namedStart: (month: string, tz: string, months = 0) => `((to_date(${month}, 'YYYY-MM')::timestamp + interval '${months} month') AT TIME ZONE ${tz})`,
};
