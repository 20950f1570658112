import { DomainError } from './errors.ts';

/**
 * Normalises a phone number typed in any common Russian form to E.164 digits without '+':
 * "+7 900 123-45-67", "8 (900) 123 45 67", "89001234567", "9001234567" → "79001234567".
 * International numbers written with '+' or '00' keep their country code.
 */
export function normalizeMsisdn(input: string): string | null {
  if (typeof input !== 'string' || input.length > 32) return null;
  const trimmed = input.trim();
  if (!/^[+\d\s().\-\u00a0]+$/.test(trimmed)) return null;
  const plus = trimmed.startsWith('+');
  let digits = trimmed.replace(/\D/g, '');
  if (!plus && digits.startsWith('00')) digits = digits.slice(2);
  else if (!plus && digits.length === 11 && digits.startsWith('8')) digits = '7' + digits.slice(1);
  else if (!plus && digits.length === 10 && digits.startsWith('9')) digits = '7' + digits;
  else if (!plus && (digits.length < 11 || digits.startsWith('8'))) return null; // not a national form nor E.164
  if (digits.startsWith('7') && digits.length !== 11) return null;
  if (!/^[1-9]\d{7,14}$/.test(digits)) return null;
  return digits;
}

export function requireMsisdn(input: string): string {
  const m = normalizeMsisdn(input);
  if (!m) throw new DomainError('VALIDATION', { field: 'msisdn' }, 'not a phone number');
  return m;
}

/**
 * A phone number as people read it, one way in every channel, report and export:
 * "79001234567" → "+7 900 123-45-67"; any other number of 11–15 digits as "+" and the digits;
 * anything else (a short code such as 8111, a name) as it is. The web app's `phoneNumber`
 * (`web/src/format.ts`) is the same function, which `test/unit/msisdn.test.ts` holds it to.
 */
export function formatMsisdn(msisdn: string): string {
  const m = /^7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(msisdn);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : /^\d{11,15}$/.test(msisdn) ? `+${msisdn}` : msisdn;
}
