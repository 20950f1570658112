import { z } from 'zod';
import { sendAppLink } from '../notifications/send-app-link.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action } from './types.ts';

/** The link is the channel's configuration (config.publicUrl), not the subscriber's choice. */
const input = z.object({ url: z.string().url().max(500) });

/** Text the subscriber a link to the app. Free, always offered. */
export const sendAppLinkAction: Action<object, z.infer<typeof input>, Awaited<ReturnType<typeof sendAppLink>>, Record<string, never>> = {
  id: 'app_link.send',
  summary: 'Send the app link by SMS',
  input,
  async offer() {
    return { action: 'app_link.send', refusal: null, shown: true, facts: null, details: {} };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => sendAppLink(core, ctx, { msisdn: i.msisdn, url: i.url }),
};
