import type { Channel } from '../shared/context.ts';
import type { Confirmation } from './types.ts';

/** How long an SMS offer of a paid action waits for the subscriber's reply. */
export const SMS_REPLY_WINDOW_MS = 10 * 60_000;

/** The replies that confirm an SMS offer, in either language. */
export const SMS_REPLY_WORDS = ['ДА', 'YES'] as const;

/** Channels where the subscriber sees or hears the offer and answers it in the same session. */
const INTERACTIVE: readonly Channel[] = ['web', 'app', 'ussd', 'voice'];

const NONE: Confirmation = { kind: 'none' };
const EXPLICIT: Confirmation = { kind: 'explicit' };
const REPLY: Confirmation = { kind: 'reply', words: SMS_REPLY_WORDS, windowMs: SMS_REPLY_WINDOW_MS };

/**
 * The registry's confirmation rules, one table:
 * - `paid` (something is charged now): an explicit confirm on interactive channels, a reply
 *   within SMS_REPLY_WINDOW_MS on SMS;
 * - `change` (free, but stops or changes something): an explicit confirm on interactive channels,
 *   none on SMS (the keyword is the request);
 * - `read` (nothing changes or it is harmless): none anywhere.
 * Channels acting for a system or an operator (tmf, business, staff, cli, system) place orders
 * that were confirmed where they were made: none.
 */
export function confirmationFor(kind: 'paid' | 'change' | 'read', channel: Channel): Confirmation {
  if (kind === 'read' || !INTERACTIVE.includes(channel) && channel !== 'sms') return NONE;
  if (channel === 'sms') return kind === 'paid' ? REPLY : NONE;
  return EXPLICIT;
}
