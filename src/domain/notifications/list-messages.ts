import type { Core } from '../core.ts';
import { requireMsisdn } from '../shared/msisdn.ts';

/**
 * SMS exchanged with one number, newest first: what the demo phone simulator shows as the
 * handset's inbox. The HTTP channel exposes it only in demo mode or to staff.
 */
export async function listMessages(core: Core, input: { msisdn: string; afterId?: number; limit?: number }) {
  const msisdn = requireMsisdn(input.msisdn);
  const rows = await core.db.query<{ id: number; direction: 'mo' | 'mt'; short_code: string; text: string; status: string; created_at: Date }>(
    `SELECT id, direction, short_code, text, status, created_at FROM sms_message
      WHERE msisdn = $1 AND id > $2 ORDER BY id DESC LIMIT $3`,
    [msisdn, input.afterId ?? 0, Math.min(input.limit ?? 50, 200)],
  );
  return rows.map((r) => ({ id: r.id, direction: r.direction, peer: r.short_code, text: r.text, status: r.status, at: r.created_at.toISOString() }));
}
