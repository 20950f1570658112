import { z } from 'zod';
import { stopPaidContent } from '../services/stop-paid-content.ts';
import { liveInstances } from '../services/instances.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action } from './types.ts';

const input = z.object({ ban: z.boolean().default(false) });

export interface StopContentDetails {
  /** The content products that would stop. */
  content: string[];
  contentBan: boolean;
}

/**
 * Stop every paid content subscription at once (and, with `ban`, forbid new ones). Free. Always
 * offered (with nothing to stop it only sets the ban); `shown` only when some content is on.
 */
export const stopPaidContentAction: Action<{ ban?: boolean }, z.infer<typeof input>, Awaited<ReturnType<typeof stopPaidContent>>, StopContentDetails> = {
  id: 'content.stop_all',
  summary: 'Stop all paid content',
  input,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const content = (await liveInstances(core.db, sub.accountId, sub.id)).filter((i) => i.spec.content).map((i) => i.productCode);
    return { action: 'content.stop_all', refusal: null, shown: content.length > 0, facts: null, details: { content, contentBan: sub.contentBan } };
  },
  confirmation: (_offer, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => stopPaidContent(core, ctx, { msisdn: i.msisdn, ban: i.ban }),
};
