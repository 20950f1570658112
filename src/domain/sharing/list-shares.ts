import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { SHARE_UNIT, type ShareKind } from './share-rules.ts';

export interface ShareLine {
  id: number;
  direction: 'given' | 'received';
  /** The other number: whom it was given to, or who gave it. */
  counterpart: string;
  kind: ShareKind;
  amount: number;
  fee: number;
  at: string;
  validUntil: string;
  /** For a gift received: what is left of it now, in bytes or seconds (0 once it has ended). */
  remaining: number | null;
}

/** Gifts the number gave and received, newest first (the last 50). Only the number's own. */
export async function listShares(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ msisdn: string; items: ShareLine[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const now = core.clock.now();
  const rows = await core.db.query<{ id: number; direction: 'given' | 'received'; counterpart: string; unit: string; units: number; fee: number; created_at: Date; valid_until: Date; remaining: number | null }>(
    `SELECT t.id, CASE WHEN t.giver_subscriber_id = $1 THEN 'given' ELSE 'received' END AS direction,
            o.msisdn AS counterpart, t.unit, t.units, CASE WHEN t.giver_subscriber_id = $1 THEN t.fee ELSE 0 END AS fee,
            t.created_at, t.valid_until,
            CASE WHEN t.recipient_subscriber_id = $1 THEN
              (SELECT COALESCE(SUM(CASE WHEN q.period_end > $2 THEN q.included - q.used ELSE 0 END), 0) FROM quota q
                WHERE q.account_id = t.recipient_account_id AND q.subscriber_id = $1 AND q.source = 'gift:' || t.id) END AS remaining
       FROM share_transfer t
       JOIN subscriber o ON o.id = CASE WHEN t.giver_subscriber_id = $1 THEN t.recipient_subscriber_id ELSE t.giver_subscriber_id END
      WHERE t.giver_subscriber_id = $1 OR t.recipient_subscriber_id = $1
      ORDER BY t.created_at DESC, t.id DESC LIMIT 50`,
    [sub.id, now],
  );
  return {
    msisdn: sub.msisdn,
    items: rows.map((r) => {
      const kind: ShareKind = r.unit === 'bytes' ? 'data' : 'minutes';
      return {
        id: Number(r.id),
        direction: r.direction,
        counterpart: r.counterpart,
        kind,
        amount: Number(r.units) / SHARE_UNIT[kind].size,
        fee: Number(r.fee),
        at: r.created_at.toISOString(),
        validUntil: r.valid_until.toISOString(),
        remaining: r.remaining === null ? null : Number(r.remaining),
      };
    }),
  };
}
