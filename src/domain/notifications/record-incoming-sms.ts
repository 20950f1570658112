import type { Core } from '../core.ts';

/**
 * Keeps a mobile-originated SMS as it arrived. The SMSC's message id makes a repeat count once:
 * returns false when this message was already recorded.
 */
export async function recordIncomingSms(core: Core, m: { msisdn: string; to: string; text: string; smscId: string | null; gateway: string }): Promise<boolean> {
  const rows = await core.db.query(
    `INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, smsc_id, meta)
     VALUES ('mo', $1, $2, $3, 'received', $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
    [m.msisdn, m.to, m.text, core.clock.now(), m.smscId, JSON.stringify({ gateway: m.gateway })],
  );
  return rows.length > 0;
}
