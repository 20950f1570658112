import { DateTime } from 'luxon';
import { DomainError } from '../shared/errors.ts';

/** How far back details are kept and how long one report (or traffic series) may be. */
export const REPORT_MAX_MONTHS = 6;

/** A period of whole local days, both ends included, and the instants it covers: [start, end). */
export interface LocalPeriod {
  from: string;
  to: string;
  start: Date;
  end: Date;
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` read as a local day in `tz`; anything else is bad input. */
export function localDate(value: string, tz: string, field: string): DateTime {
  const d = isoDate.test(value) ? DateTime.fromISO(value, { zone: tz }) : null;
  if (!d || !d.isValid) throw new DomainError('VALIDATION', { field });
  return d.startOf('day');
}

export function todayIn(now: Date, tz: string): DateTime {
  return DateTime.fromJSDate(now, { zone: tz }).startOf('day');
}

/**
 * Checks a requested period in the subscriber's local days: it starts no earlier than six months
 * before today, ends no later than today, does not end before it starts and spans at most six
 * months. The refusal says which rule failed so each channel can say it in its own words.
 */
export function checkPeriod(input: { from: string; to: string }, now: Date, tz: string): LocalPeriod {
  const from = localDate(input.from, tz, 'from');
  const to = localDate(input.to, tz, 'to');
  const today = todayIn(now, tz);
  const base = { from: input.from, to: input.to, months: REPORT_MAX_MONTHS };
  if (to < from) throw new DomainError('REPORT_PERIOD_INVALID', { ...base, reason: 'order' });
  if (to > today) throw new DomainError('REPORT_PERIOD_INVALID', { ...base, reason: 'future' });
  const earliest = today.minus({ months: REPORT_MAX_MONTHS });
  if (from < earliest) throw new DomainError('REPORT_PERIOD_INVALID', { ...base, reason: 'too_old', earliest: earliest.toISODate()! });
  if (to > from.plus({ months: REPORT_MAX_MONTHS })) throw new DomainError('REPORT_PERIOD_INVALID', { ...base, reason: 'too_long' });
  return { from: from.toISODate()!, to: to.toISODate()!, start: from.toJSDate(), end: to.plus({ days: 1 }).toJSDate() };
}

/** The local calendar month `YYYY-MM` in `tz`, or the month of `now` when none is given. */
export function localMonth(month: string | undefined, now: Date, tz: string): DateTime {
  if (month === undefined) return DateTime.fromJSDate(now, { zone: tz }).startOf('month');
  const d = /^\d{4}-(0[1-9]|1[0-2])$/.test(month) ? DateTime.fromISO(`${month}-01`, { zone: tz }) : null;
  if (!d || !d.isValid) throw new DomainError('VALIDATION', { field: 'month' });
  return d.startOf('month');
}

/** Every local date from `from` to `to`, both included. */
export function localDays(period: Pick<LocalPeriod, 'from' | 'to'>): string[] {
  const days: string[] = [];
  const last = DateTime.fromISO(period.to, { zone: 'UTC' });
  for (let d = DateTime.fromISO(period.from, { zone: 'UTC' }); d <= last; d = d.plus({ days: 1 })) days.push(d.toISODate()!);
  return days;
}

/** What a caller may say of a recent period: explicit days, or the last `days` local days up to `to` (today by default). */
export interface RecentPeriodInput {
  from?: string | undefined;
  to?: string | undefined;
  days?: number | undefined;
}

/** Days shown when the caller names no period: the last 30 local days, today included. */
export const DEFAULT_RECENT_DAYS = 30;

/**
 * A period for lists and charts, counted in the number's own local days: `to` defaults to today
 * there, `from` to `days` days back (30 unless given). A client need not know the number's time
 * zone — a phone abroad, whose own calendar is a day ahead or behind, asks for `days` and gets the
 * region's today. Then the detail report's rules (`checkPeriod`).
 */
export function recentPeriod(input: RecentPeriodInput, now: Date, tz: string): LocalPeriod {
  if (input.days !== undefined && !(Number.isInteger(input.days) && input.days >= 1 && input.days <= 31 * REPORT_MAX_MONTHS)) throw new DomainError('VALIDATION', { field: 'days' });
  const last = input.to !== undefined ? localDate(input.to, tz, 'to') : todayIn(now, tz);
  const from = input.from ?? last.minus({ days: (input.days ?? DEFAULT_RECENT_DAYS) - 1 }).toISODate()!;
  return checkPeriod({ from, to: last.toISODate()! }, now, tz);
}
