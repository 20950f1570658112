import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { cleanText } from '../support/text.ts';
import { countActive, hashWidgetToken, newWidgetToken } from './token.ts';

/** How many live widget tokens one number may have. */
export const WIDGET_TOKENS_MAX = 10;
export const WIDGET_LABEL_MAX = 100;

/**
 * A read-only token for the embeddable card (balance, bonus points, tariff). Only the subscriber
 * makes one for their own number: the token is shown once, here, and kept only as a keyed hash.
 */
export async function createWidgetToken(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; label: string },
): Promise<{ id: string; label: string; token: string; createdAt: string }> {
  return runUseCase(core, ctx, 'widget.token_create', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    if (ctx.actor.kind !== 'subscriber') throw new DomainError('FORBIDDEN', { reason: 'subscriber_only' });
    const label = cleanText(input.label, 'label', { max: WIDGET_LABEL_MAX });
    if ((await countActive(tx, sub.id)) >= WIDGET_TOKENS_MAX) {
      throw new DomainError('CONFLICT', { reason: 'too_many_widget_tokens', max: WIDGET_TOKENS_MAX });
    }
    const token = newWidgetToken();
    const now = core.clock.now();
    const id = (
      await tx.query<{ id: number }>(
        'INSERT INTO widget_token (account_id, subscriber_id, label, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [sub.accountId, sub.id, label, hashWidgetToken(core.secret, token), now],
      )
    )[0]!.id;
    await recordAudit(tx, core, ctx, { action: 'widget.token_create', subscriberId: sub.id, customerId: sub.customerId, details: { tokenId: id, label } });
    return { id: String(id), label, token, createdAt: now.toISOString() };
  });
}
