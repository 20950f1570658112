import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { ensureTermsPublished, readCurrentTerms } from './current-terms.ts';

/**
 * The subscriber accepts the version in force, recorded with the time and the channel. Only the
 * current version can be accepted (CONFLICT otherwise: the page shown was out of date). Accepting
 * again changes nothing.
 */
export async function acceptTerms(core: Core, ctx: Ctx, input: { version: string }): Promise<void> {
  await ensureTermsPublished(core);
  await runUseCase(core, ctx, 'terms.accept', async (tx, subject) => {
    if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
    if (ctx.actor.kind !== 'subscriber') throw new DomainError('FORBIDDEN');
    const subscriberId = ctx.actor.subscriberId;
    subject.subscriberId = subscriberId;
    const current = await readCurrentTerms(tx, core.clock.now());
    if (!current || current.version !== input.version) {
      throw new DomainError('CONFLICT', { reason: 'terms_version_not_current', version: input.version, currentVersion: current?.version ?? '' });
    }
    const inserted = await tx.query(
      `INSERT INTO terms_acceptance (subscriber_id, version, accepted_at, channel) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subscriber_id, version) DO NOTHING RETURNING version`,
      [subscriberId, current.version, core.clock.now(), ctx.channel],
    );
    if (inserted.length > 0) {
      await recordAudit(tx, core, ctx, { action: 'terms.accept', subscriberId, details: { version: current.version } });
    }
  });
}
