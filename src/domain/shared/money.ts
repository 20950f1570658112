import { formatMoney as formatMoneyByLocale } from '../../text/format.ts';

/** Money is integer minor units (kopecks) in one currency; never a float. */
export interface Money {
  amount: number;
  currency: 'RUB';
}

export function assertMinor(amount: number): number {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`money must be an integer of minor units, got ${amount}`);
  return amount;
}

/** 12345 → "123,45 ₽" (ru) or "RUB 123.45" (en): the locale formatter of src/text, kopecks always shown. */
export function formatMoney(minor: number, lang: 'ru' | 'en'): string {
  assertMinor(minor);
  return formatMoneyByLocale(minor, lang);
}

/**
 * Rounds a fractional amount of minor units once, when it is booked: half away from zero,
 * so 0.5 kopeck becomes 1 and a charge is never silently dropped.
 */
export function roundMinor(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}
