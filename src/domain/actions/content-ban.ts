import { z } from 'zod';
import { setContentBan } from '../services/set-content-ban.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action } from './types.ts';

const input = z.object({ enabled: z.boolean() });

/** Switch the "no paid content" guard on or off. Free, always offered; `details.enabled` is its state now. */
export const contentBanAction: Action<{ enabled?: boolean }, z.infer<typeof input>, Awaited<ReturnType<typeof setContentBan>>, { enabled: boolean }> = {
  id: 'content.ban',
  summary: 'Set the paid content ban',
  input,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    return { action: 'content.ban', refusal: null, shown: true, facts: null, details: { enabled: sub.contentBan } };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => setContentBan(core, ctx, { msisdn: i.msisdn, enabled: i.enabled }),
};
