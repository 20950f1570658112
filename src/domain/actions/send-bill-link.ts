import { z } from 'zod';
import { sendBillLink } from '../bills/send-bill-link.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action } from './types.ts';

/**
 * The link is the channel's page for the bill (config.publicUrl), not the subscriber's choice.
 * `channel`: by SMS to the number (the default) or by e-mail to the address in the profile.
 */
const input = z.object({ billId: z.string().uuid(), url: z.string().url().max(500), channel: z.enum(['sms', 'email']).default('sms') });

/** Send the subscriber a link to one of their monthly bills, by SMS or e-mail. Free, always offered. */
export const sendBillLinkAction: Action<object, z.infer<typeof input>, Awaited<ReturnType<typeof sendBillLink>>, Record<string, never>> = {
  id: 'bill.send',
  summary: 'Send a monthly bill link by SMS or e-mail',
  input,
  async offer() {
    return { action: 'bill.send', refusal: null, shown: true, facts: null, details: {} };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => sendBillLink(core, ctx, { msisdn: i.msisdn, billId: i.billId, url: i.url, channel: i.channel }),
};
