import { refusalWords } from '../actions/refusal-words.ts';
import { listProducts, listTariffs } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import { ERROR_CODES, type ErrorCode } from '../shared/errors.ts';
import type { Ctx } from '../shared/context.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
import { loadSubscriber } from './access.ts';

export interface HistoryItem {
  id: number;
  at: string;
  action: string;
  channel: string;
  actorKind: string;
  outcome: string;
  details: Record<string, unknown>;
  /** What it was about, by name in the caller's language: the service or the plan (the new one on a change). */
  subject: string | null;
  /** Why it was refused or failed, in the caller's language. */
  reason: string | null;
}

/**
 * The subscriber's own audit trail: what was done on the number, when, from which channel; newest
 * first, a page at a time (pass `nextCursor` as `cursor`; keyset on time and id, shared/cursor.ts).
 */
export async function getActionHistory(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; limit?: number; cursor?: string },
): Promise<{ msisdn: string; items: HistoryItem[]; nextCursor: string | null }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const limit = pageLimit(input.limit);
  const after = decodeCursor('history', input.cursor);
  const rows = await core.db.query<{ id: number; at: Date; key_at: string; action: string; channel: string; actor_kind: string; outcome: string; details: Record<string, unknown> }>(
    `SELECT id, at, ${keysetAt('at')} AS key_at, action, channel, actor_kind, outcome, details FROM audit_event
      WHERE subscriber_id = $1 AND ($2::timestamptz IS NULL OR (at, id) < ($2::timestamptz, $3::bigint))
      ORDER BY at DESC, id DESC LIMIT $4`,
    [sub.id, after?.at ?? null, after?.id ?? '0', limit + 1],
  );
  const page = keysetPage('history', rows, limit, (r) => ({ at: r.key_at, id: String(r.id) }));
  // Catalog codes are for the audit; people read names.
  const names = new Map<string, string>();
  for (const p of await listProducts(core.db, { includeRetired: true })) names.set(`p:${p.code}`, p.name[ctx.lang]);
  for (const t of await listTariffs(core.db, { includeRetired: true })) names.set(`t:${t.code}`, t.name[ctx.lang]);
  const subjectOf = (d: Record<string, unknown>): string | null => {
    if (typeof d.product === 'string') return names.get(`p:${d.product}`) ?? null;
    const tariff = typeof d.to === 'string' ? d.to : typeof d.tariff === 'string' ? d.tariff : null;
    return tariff ? (names.get(`t:${tariff}`) ?? null) : null;
  };
  const items: HistoryItem[] = [];
  for (const r of page.rows) {
    const { code, ...params } = r.details;
    const reason = r.outcome === 'ok' ? null : typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) ? await refusalWords(core.db, { code: code as ErrorCode, params: params as Record<string, string | number> }, ctx.lang) : null;
    items.push({ id: Number(r.id), at: r.at.toISOString(), action: r.action, channel: r.channel, actorKind: r.actor_kind, outcome: r.outcome, details: r.details, subject: subjectOf(r.details), reason });
  }
  return { msisdn: sub.msisdn, items, nextCursor: page.nextCursor };
}
