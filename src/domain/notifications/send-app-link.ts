import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { enqueueSms } from './enqueue-sms.ts';

/** Texts the subscriber a link to the self-service app, in their language ("*111*1#"). */
export async function sendAppLink(core: Core, ctx: Ctx, input: { msisdn: string; url: string }): Promise<{ msisdn: string; smsId: number }> {
  return runUseCase(core, ctx, 'app_link.send', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'read' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const text = sub.language === 'en' ? `Your account and app: ${input.url}` : `Личный кабинет и приложение: ${input.url}`;
    const smsId = await enqueueSms(tx, { msisdn: sub.msisdn, text, kind: 'app_link', at: core.clock.now() });
    await recordAudit(tx, core, ctx, { action: 'app_link.send', subscriberId: sub.id, customerId: sub.customerId, details: { smsId } });
    return { msisdn: sub.msisdn, smsId };
  });
}
