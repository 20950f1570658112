import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { queueRingbackPush } from './settings.ts';

/** One rule, a melody from the library (its fees stop, its rules go), or every rule ("stop"). */
export type RemoveToneInput = { msisdn: string } & ({ rule: number } | { melody: string } | { all: true });

export interface RemoveToneResult {
  msisdn: string;
  /** Rules removed. */
  rules: number;
  /** The melody taken out of the library, if one was. */
  melody: string | null;
  changed: boolean;
}

/**
 * Removes a rule, a melody (no more fees; fees paid are not refunded) or every rule, so callers
 * hear ordinary ringing. Removing nothing that is there changes nothing and pushes nothing.
 */
export async function removeTone(core: Core, ctx: Ctx, input: RemoveToneInput): Promise<RemoveToneResult> {
  return runUseCase(core, ctx, 'ringback.remove', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const { msisdn: _m, ...request } = input;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'ringback.remove', { sub: sub.id, ...request }, async () => {
      const now = core.clock.now();
      let rules = 0;
      let melody: string | null = null;
      if ('rule' in input) {
        const gone = await tx.query('DELETE FROM ringback_rule WHERE account_id = $1 AND subscriber_id = $2 AND id = $3 RETURNING id', [sub.accountId, sub.id, input.rule]);
        if (gone.length === 0) throw new DomainError('NOT_FOUND', {});
        rules = 1;
      } else if ('melody' in input) {
        const gone = await tx.query(
          `UPDATE ringback_tone SET status = 'removed', removed_at = $4
            WHERE account_id = $1 AND subscriber_id = $2 AND melody_code = $3 AND status <> 'removed' RETURNING id`,
          [sub.accountId, sub.id, input.melody, now],
        );
        if (gone.length === 0) throw new DomainError('MELODY_NOT_BOUGHT', { melody: input.melody });
        melody = input.melody;
        rules = (await tx.query('DELETE FROM ringback_rule WHERE account_id = $1 AND subscriber_id = $2 AND melody_code = $3 RETURNING id', [sub.accountId, sub.id, input.melody])).length;
      } else {
        rules = (await tx.query('DELETE FROM ringback_rule WHERE account_id = $1 AND subscriber_id = $2 RETURNING id', [sub.accountId, sub.id])).length;
      }
      const changed = rules > 0 || melody !== null;
      if (changed) {
        await recordAudit(tx, core, ctx, { action: 'ringback.remove', subscriberId: sub.id, customerId: sub.customerId, details: { rules, melody: melody ?? '' } });
        await queueRingbackPush(tx, sub, now);
      }
      return { msisdn: sub.msisdn, rules, melody, changed };
    });
  });
}
