import type { Core } from '../core.ts';

/** Parts of one long message arrive within seconds; a set still incomplete after an hour is dropped. */
const PART_TTL_MS = 60 * 60_000;

/**
 * Keeps one part of a concatenated mobile-originated SMS. When this part completes its message,
 * the parts are removed and the whole text returned (parts joined in order); until then, null.
 * Parts of one message may reach different instances at once: an advisory lock on the message's
 * key makes exactly one of them see it complete. A repeated part is kept once.
 */
export async function assembleMoPart(
  core: Core,
  p: { msisdn: string; shortCode: string; ref: number; total: number; seq: number; text: string },
): Promise<string | null> {
  const now = core.clock.now();
  return core.db.tx(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sms-mo-part:' || $1 || ':' || $2 || ':' || $3::text))`, [p.msisdn, p.shortCode, p.ref]);
    await tx.query(`DELETE FROM sms_mo_part WHERE msisdn = $1 AND received_at < $2`, [p.msisdn, new Date(now.getTime() - PART_TTL_MS)]);
    await tx.query(
      `INSERT INTO sms_mo_part (msisdn, short_code, ref, total, seq, text, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING`,
      [p.msisdn, p.shortCode, p.ref, p.total, p.seq, p.text, now],
    );
    const parts = await tx.query<{ seq: number; text: string }>(
      `SELECT seq, text FROM sms_mo_part WHERE msisdn = $1 AND short_code = $2 AND ref = $3 AND total = $4 ORDER BY seq`,
      [p.msisdn, p.shortCode, p.ref, p.total],
    );
    if (parts.length < p.total) return null;
    await tx.query(`DELETE FROM sms_mo_part WHERE msisdn = $1 AND short_code = $2 AND ref = $3 AND total = $4`, [p.msisdn, p.shortCode, p.ref, p.total]);
    return parts.map((x) => x.text).join('');
  });
}
