import { DomainError } from '../shared/errors.ts';

// Control characters (C0 and C1) and the bidirectional overrides that can disguise what a text
// says. Tabs and line breaks pass in multi-line texts only.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/u;
const LINE_BREAKS = /[\t\n]/u;

/**
 * Text a person typed, made fit to keep: normalised to NFC, line ends made `\n`, trimmed, and
 * refused (VALIDATION naming the field) when empty, too long, or holding control characters.
 * Lengths count characters (code points), as the store's CHECK constraints do.
 */
export function cleanText(value: string, field: string, opts: { max: number; multiline?: boolean }): string {
  const text = value.normalize('NFC').replace(/\r\n?/g, '\n').trim();
  if (text.length === 0) throw new DomainError('VALIDATION', { field, reason: 'empty' });
  if (CONTROL.test(text) || (!opts.multiline && LINE_BREAKS.test(text))) {
    throw new DomainError('VALIDATION', { field, reason: 'control_characters' });
  }
  if ([...text].length > opts.max) throw new DomainError('VALIDATION', { field, reason: 'too_long', max: opts.max });
  return text;
}
