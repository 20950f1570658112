import { recordAudit } from '../audit/record-audit.ts';
import { takeToken } from '../auth/rate-limit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { IDEA_TEXT_MAX, IDEA_TITLE_MAX, readIdea, requireSubscriber, type Idea } from './idea-view.ts';
import { cleanText } from './text.ts';

/** Ideas one subscriber may put on the board a day. */
export const IDEAS_PER_DAY = 10;

/** A subscriber puts an idea on the board (status `new`, no votes yet). */
export async function submitIdea(core: Core, ctx: Ctx, input: { title: string; text: string }): Promise<Idea> {
  return runUseCase(core, ctx, 'idea.submit', async (tx, subject) => {
    const subscriberId = requireSubscriber(ctx);
    subject.subscriberId = subscriberId;
    const title = cleanText(input.title, 'title', { max: IDEA_TITLE_MAX });
    const text = cleanText(input.text, 'text', { max: IDEA_TEXT_MAX, multiline: true });
    return idempotent(tx, ctx, `subscriber:${subscriberId}`, 'idea.submit', { title, text }, async () => {
      const now = core.clock.now();
      await takeToken(tx, `support:idea:${subscriberId}`, now, { limit: IDEAS_PER_DAY, windowSeconds: 86_400 });
      const id = (
        await tx.query<{ id: number }>(
          "INSERT INTO idea (subscriber_id, title, text, status, created_at, updated_at) VALUES ($1, $2, $3, 'new', $4, $4) RETURNING id",
          [subscriberId, title, text, now],
        )
      )[0]!.id;
      await recordAudit(tx, core, ctx, { action: 'idea.submit', subscriberId, details: { ideaId: id } });
      return readIdea(tx, subscriberId, String(id));
    });
  });
}
