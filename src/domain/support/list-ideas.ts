import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { listIdeaRows, viewerOf, type Idea } from './idea-view.ts';

/** The idea board: most voted first (`top`) or newest first (`new`), with the reader's own votes marked. */
export async function listIdeas(core: Core, ctx: Ctx, input: { sort?: 'top' | 'new'; limit?: number }): Promise<{ items: Idea[] }> {
  const viewer = viewerOf(ctx);
  const limit = Math.min(Math.max(input.limit ?? 100, 1), 200);
  return { items: await listIdeaRows(core.db, viewer, input.sort ?? 'top', limit) };
}
