import type { Queryable } from '../../store/db.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';

export type IdeaStatus = 'new' | 'planned' | 'done' | 'declined';
export const IDEA_STATUSES: readonly IdeaStatus[] = ['new', 'planned', 'done', 'declined'];
export const IDEA_TITLE_MAX = 200;
export const IDEA_TEXT_MAX = 4000;

export interface Idea {
  id: string;
  title: string;
  text: string;
  votes: number;
  votedByMe: boolean;
  createdAt: string;
  status: IdeaStatus;
}

interface IdeaRow {
  id: number;
  title: string;
  text: string;
  votes: number;
  voted: boolean;
  created_at: Date;
  status: IdeaStatus;
}

/** The subscriber voting or proposing: ideas come from subscribers only. */
export function requireSubscriber(ctx: Ctx): number {
  if (ctx.actor.kind === 'subscriber') return ctx.actor.subscriberId;
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  throw new DomainError('FORBIDDEN');
}

/** The subscriber reading, if a subscriber reads; staff see the board without votes of their own. */
export function viewerOf(ctx: Ctx): number | null {
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  return ctx.actor.kind === 'subscriber' ? ctx.actor.subscriberId : null;
}

export function ideaSelect(where: string, order = ''): string {
  return `SELECT i.id, i.title, i.text, i.votes, i.created_at, i.status,
                 EXISTS (SELECT 1 FROM idea_vote v WHERE v.idea_id = i.id AND v.subscriber_id = $1) AS voted
            FROM idea i ${where} ${order}`;
}

export function toIdea(r: IdeaRow): Idea {
  return {
    id: String(r.id),
    title: r.title,
    text: r.text,
    votes: Number(r.votes),
    votedByMe: r.voted,
    createdAt: r.created_at.toISOString(),
    status: r.status,
  };
}

export function parseIdeaId(id: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : null;
}

/**
 * One idea as `viewer` sees it (votedByMe), or NOT_FOUND. With `lock` the idea row is locked by a
 * statement of its own first: under READ COMMITTED the read after it then sees the votes of
 * whoever held the lock before (one statement would check them against its older snapshot).
 */
export async function readIdea(q: Queryable, viewer: number | null, id: string, lock = false): Promise<Idea> {
  const n = parseIdeaId(id);
  if (n !== null && lock) await q.query('SELECT id FROM idea WHERE id = $1 FOR UPDATE', [n]);
  const rows = n === null ? [] : await q.query<IdeaRow>(ideaSelect('WHERE i.id = $2'), [viewer, n]);
  if (!rows[0]) throw new DomainError('NOT_FOUND', { resource: 'idea', id });
  return toIdea(rows[0]);
}

export async function listIdeaRows(q: Queryable, viewer: number | null, sort: 'top' | 'new', limit: number): Promise<Idea[]> {
  const order = sort === 'top' ? 'ORDER BY i.votes DESC, i.created_at DESC, i.id DESC' : 'ORDER BY i.created_at DESC, i.id DESC';
  const rows = await q.query<IdeaRow>(ideaSelect('', `${order} LIMIT $2`), [viewer, limit]);
  return rows.map(toIdea);
}
