import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';

/** The "no paid content" guard: while on, content subscriptions cannot be connected. */
export async function setContentBan(core: Core, ctx: Ctx, input: { msisdn: string; enabled: boolean }): Promise<{ msisdn: string; contentBan: boolean }> {
  return runUseCase(core, ctx, 'content.ban', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    if (sub.contentBan !== input.enabled) {
      await tx.query('UPDATE subscriber SET content_ban = $2 WHERE id = $1', [sub.id, input.enabled]);
      await recordAudit(tx, core, ctx, {
        action: 'content.ban',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { enabled: input.enabled },
      });
    }
    return { msisdn: sub.msisdn, contentBan: input.enabled };
  });
}
