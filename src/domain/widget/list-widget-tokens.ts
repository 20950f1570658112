import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { toInfo, type WidgetTokenInfo, type WidgetTokenRow } from './token.ts';

/** The number's widget tokens, newest first, revoked ones included; never the secret. */
export async function listWidgetTokens(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ items: WidgetTokenInfo[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const rows = await core.db.query<WidgetTokenRow>(
    'SELECT id, label, created_at, last_used_at, revoked_at FROM widget_token WHERE subscriber_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100',
    [sub.id],
  );
  return { items: rows.map(toInfo) };
}
