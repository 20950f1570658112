import { DateTime } from 'luxon';

/**
 * Calendar arithmetic in a region's own time zone. Day boundaries and billing days follow the
 * subscriber's local time, not the server's.
 */
export function startOfLocalDay(at: Date, tz: string): Date {
  return DateTime.fromJSDate(at, { zone: tz }).startOf('day').toJSDate();
}

export function startOfNextLocalDay(at: Date, tz: string): Date {
  return DateTime.fromJSDate(at, { zone: tz }).startOf('day').plus({ days: 1 }).toJSDate();
}

export function localDayOfMonth(at: Date, tz: string): number {
  return DateTime.fromJSDate(at, { zone: tz }).day;
}

/**
 * The local midnight starting the given billing day in the month `monthsFromNow` after the month
 * of `at`. A billing day past the month's end (31 in February, 30 in February, 31 in April) falls on
 * the month's last day; the next month returns to the anchor day.
 */
export function billingDayIn(at: Date, tz: string, billingDay: number, monthsFromNow: number): Date {
  const month = DateTime.fromJSDate(at, { zone: tz }).startOf('month').plus({ months: monthsFromNow });
  const day = Math.min(billingDay, month.daysInMonth ?? 28);
  return month.set({ day }).startOf('day').toJSDate();
}

/** The monthly period [start, end) that contains `at`, anchored on `billingDay` in local time. */
export function monthlyPeriod(at: Date, tz: string, billingDay: number): { start: Date; end: Date } {
  const thisMonth = billingDayIn(at, tz, billingDay, 0);
  if (at.getTime() >= thisMonth.getTime()) {
    return { start: thisMonth, end: billingDayIn(at, tz, billingDay, 1) };
  }
  return { start: billingDayIn(at, tz, billingDay, -1), end: thisMonth };
}

export function dailyPeriod(at: Date, tz: string): { start: Date; end: Date } {
  return { start: startOfLocalDay(at, tz), end: startOfNextLocalDay(at, tz) };
}
