import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { IDEA_STATUSES, readIdea, type Idea, type IdeaStatus } from './idea-view.ts';
import { requireStaff } from './staff.ts';

/** Staff move an idea along: planned, done or declined (or back to new). */
export async function setIdeaStatus(core: Core, ctx: Ctx, input: { id: string; status: IdeaStatus }): Promise<Idea> {
  return runUseCase(core, ctx, 'idea.set_status', async (tx) => {
    requireStaff(ctx);
    if (!IDEA_STATUSES.includes(input.status)) throw new DomainError('VALIDATION', { field: 'status' });
    const idea = await readIdea(tx, null, input.id, true);
    if (idea.status !== input.status) {
      await tx.query('UPDATE idea SET status = $2, updated_at = $3 WHERE id = $1', [idea.id, input.status, core.clock.now()]);
      await recordAudit(tx, core, ctx, { action: 'idea.set_status', details: { ideaId: idea.id, from: idea.status, to: input.status } });
    }
    return readIdea(tx, null, idea.id);
  });
}
