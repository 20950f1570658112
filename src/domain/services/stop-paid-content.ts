import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { stopInstance } from './disable-product.ts';
import { liveInstances } from './instances.ts';

/**
 * Disables every content subscription in one action and, when asked, sets the content ban so no
 * new one can be connected.
 */
export async function stopPaidContent(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; ban?: boolean },
): Promise<{ msisdn: string; stopped: string[]; contentBan: boolean }> {
  return runUseCase(core, ctx, 'content.stop_all', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'content.stop_all', { sub: sub.id, ban: input.ban ?? false }, async () => {
      const content = (await liveInstances(tx, sub.accountId, sub.id)).filter((i) => i.spec.content);
      for (const inst of content) await stopInstance(tx, core, ctx, sub, inst, 'stop_all_content');
      const ban = input.ban === true || sub.contentBan;
      if (ban !== sub.contentBan) await tx.query('UPDATE subscriber SET content_ban = true WHERE id = $1', [sub.id]);
      await recordAudit(tx, core, ctx, {
        action: 'content.stop_all',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { stopped: content.map((i) => i.productCode), contentBan: ban },
      });
      return { msisdn: sub.msisdn, stopped: content.map((i) => i.productCode), contentBan: ban };
    });
  });
}
