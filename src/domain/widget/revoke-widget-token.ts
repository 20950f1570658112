import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';

/**
 * Revokes a widget token: from then on its card says it is switched off. Revoking one already
 * revoked changes nothing; another number's token is not found.
 */
export async function revokeWidgetToken(core: Core, ctx: Ctx, input: { msisdn: string; id: string }): Promise<void> {
  await runUseCase(core, ctx, 'widget.token_revoke', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const id = /^[1-9][0-9]{0,15}$/.test(input.id) ? Number(input.id) : null;
    const rows =
      id === null
        ? []
        : await tx.query<{ id: number; revoked_at: Date | null }>('SELECT id, revoked_at FROM widget_token WHERE id = $1 AND subscriber_id = $2 FOR UPDATE', [id, sub.id]);
    const row = rows[0];
    if (!row) throw new DomainError('NOT_FOUND', { resource: 'widget_token', id: input.id });
    if (row.revoked_at) return;
    await tx.query('UPDATE widget_token SET revoked_at = $2 WHERE id = $1', [row.id, core.clock.now()]);
    await recordAudit(tx, core, ctx, { action: 'widget.token_revoke', subscriberId: sub.id, customerId: sub.customerId, details: { tokenId: row.id } });
  });
}
