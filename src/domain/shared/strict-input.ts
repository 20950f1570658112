import { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * What every channel accepts as a number, an amount or a date: one definition, so no channel is
 * looser than another. Numbers are JSON numbers or plain decimal strings (never "0x10", "1e3"
 * or " 5 ", which JavaScript's Number() would take), amounts are bounded, dates exist.
 */

/** The largest amount one request may move: 10^12 kopecks (10 billion roubles). */
export const MAX_AMOUNT_KOPECKS = 1_000_000_000_000;

/** The largest balance an account may reach either way, far inside exact JS integers (2^53). */
export const MAX_BALANCE_KOPECKS = 1_000_000_000_000_000;

/** An amount of kopecks as a JSON integer, within ±MAX_AMOUNT_KOPECKS. */
export const kopecks = z.number().int().min(-MAX_AMOUNT_KOPECKS).max(MAX_AMOUNT_KOPECKS).describe('kopecks');

/** A plain decimal: digits, an optional sign and an optional fraction — nothing else. */
export const DECIMAL = /^-?\d{1,16}(\.\d{1,16})?$/;

/** An integer in a query string or path: digits only (a JSON number too, for bodies). */
export function wholeNumber(opts: { min?: number; max?: number } = {}) {
  return z
    .union([z.number(), z.string().regex(/^\d{1,16}$/, 'digits only').transform(Number)])
    .pipe(z.number().int().min(opts.min ?? 0).max(opts.max ?? Number.MAX_SAFE_INTEGER));
}

/**
 * Roubles (a JSON number or a plain decimal string) as kopecks, or null when not such a number,
 * not a whole number of kopecks, or beyond MAX_AMOUNT_KOPECKS.
 */
export function rublesToKopecks(value: unknown): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && DECIMAL.test(value)) n = Number(value);
  else return null;
  if (!Number.isFinite(n)) return null;
  const k = Math.round(n * 100);
  if (Math.abs(k - n * 100) > 1e-6 || !Number.isSafeInteger(k) || Math.abs(k) > MAX_AMOUNT_KOPECKS) return null;
  return k === 0 ? 0 : k;
}

/**
 * An ISO 8601 date-time that exists in the calendar (2026-02-30 does not), as an instant; a time
 * without an offset is UTC. Null for anything else — JavaScript's Date would roll 30 February over
 * to 2 March and take free text.
 */
export function parseInstant(value: unknown): Date | null {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value : null;
  if (typeof value !== 'string' || value.length > 40) return null;
  const dt = DateTime.fromISO(value, { zone: 'utc' });
  return dt.isValid ? dt.toJSDate() : null;
}

/** A calendar date `YYYY-MM-DD` that exists. */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine((s) => DateTime.fromISO(s, { zone: 'utc' }).isValid, 'no such date');

/** An ISO 8601 date-time that exists in the calendar. */
export const isoInstant = z
  .string()
  .min(1)
  .max(40)
  .refine((s) => parseInstant(s) !== null, 'an ISO 8601 date-time that exists')
  .describe('ISO 8601');
