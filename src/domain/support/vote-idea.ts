import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { readIdea, requireSubscriber, type Idea } from './idea-view.ts';

/**
 * One vote per subscriber and idea. Voting again changes nothing and answers the same, so a
 * double click or a retried request never counts twice. Finished or declined ideas take no votes.
 */
export async function voteIdea(core: Core, ctx: Ctx, input: { id: string }): Promise<Idea> {
  return runUseCase(core, ctx, 'idea.vote', async (tx, subject) => {
    const subscriberId = requireSubscriber(ctx);
    subject.subscriberId = subscriberId;
    const idea = await readIdea(tx, subscriberId, input.id, true);
    if (idea.votedByMe) return idea;
    if (idea.status === 'done' || idea.status === 'declined') throw new DomainError('CONFLICT', { reason: 'idea_closed', ideaStatus: idea.status });
    const added = await tx.query(
      'INSERT INTO idea_vote (idea_id, subscriber_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING idea_id',
      [idea.id, subscriberId, core.clock.now()],
    );
    if (added.length === 0) return readIdea(tx, subscriberId, idea.id);
    await tx.query('UPDATE idea SET votes = votes + 1 WHERE id = $1', [idea.id]);
    await recordAudit(tx, core, ctx, { action: 'idea.vote', subscriberId, details: { ideaId: idea.id } });
    return readIdea(tx, subscriberId, idea.id);
  });
}
