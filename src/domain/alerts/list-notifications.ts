import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';

export interface NotificationView {
  id: number;
  kind: 'low_balance' | 'package_80' | 'package_100' | 'daily_digest';
  text: { ru: string; en: string };
  at: string;
}

/**
 * The web app's notification list: the number's alerts sent to the app, newest first. An alert
 * waiting for the morning is not in it yet.
 */
export async function listNotifications(core: Core, ctx: Ctx, input: { msisdn: string; limit?: number }): Promise<{ msisdn: string; items: NotificationView[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const rows = await core.db.query<{ id: number; kind: NotificationView['kind']; text_ru: string; text_en: string; released_at: Date }>(
    `SELECT id, kind, text_ru, text_en, released_at FROM alert
      WHERE subscriber_id = $1 AND via_app AND released_at IS NOT NULL ORDER BY id DESC LIMIT $2`,
    [sub.id, Math.min(Math.max(input.limit ?? 50, 1), 200)],
  );
  return { msisdn: sub.msisdn, items: rows.map((r) => ({ id: Number(r.id), kind: r.kind, text: { ru: r.text_ru, en: r.text_en }, at: r.released_at.toISOString() })) };
}
