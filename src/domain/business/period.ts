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
