import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { readIdea, requireSubscriber, type Idea } from './idea-view.ts';

/** Takes the subscriber's vote back; without a vote there is nothing to do and the idea is returned as it is. */
export async function unvoteIdea(core: Core, ctx: Ctx, input: { id: string }): Promise<Idea> {
  return runUseCase(core, ctx, 'idea.unvote', async (tx, subject) => {
    const subscriberId = requireSubscriber(ctx);
    subject.subscriberId = subscriberId;
    const idea = await readIdea(tx, subscriberId, input.id, true);
    if (!idea.votedByMe) return idea;
    const removed = await tx.query('DELETE FROM idea_vote WHERE idea_id = $1 AND subscriber_id = $2 RETURNING idea_id', [idea.id, subscriberId]);
    if (removed.length === 0) return readIdea(tx, subscriberId, idea.id);
    await tx.query('UPDATE idea SET votes = votes - 1 WHERE id = $1', [idea.id]);
    await recordAudit(tx, core, ctx, { action: 'idea.unvote', subscriberId, details: { ideaId: idea.id } });
    return readIdea(tx, subscriberId, idea.id);
  });
}
