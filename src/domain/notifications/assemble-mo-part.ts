import type { Core } from '../core.ts';
import { recordIncomingSms } from './record-incoming-sms.ts';

/** Parts of one long message arrive within seconds; a set still incomplete after an hour is dropped. */
const PART_TTL_MS = 60 * 60_000;
/** An assembled message's parts are kept this long: the same part again within it is a redelivery. */
const REDELIVERY_MS = 10 * 60_000;

export type AssembledMo = { complete: false } | { complete: true; text: string; id: number | null };

/**
 * Keeps one part of a concatenated mobile-originated SMS. When this part completes its message,
 * the whole text (parts joined in order) is recorded as one incoming SMS and the parts are marked
 * assembled in the same transaction — a crash can lose neither the parts nor the message; the recorded
 * message waits as `received` until answered. `id` is null when the whole message was already
 * recorded (its `smscId`, made from the text by `dedupeKey`, was seen). Parts of one message may
 * reach different instances at once: an advisory lock on the message's key makes exactly one of
 * them see it complete. A repeated part is kept once; a part of a message already assembled, with
 * the same text, within REDELIVERY_MS, is the SMSC redelivering it and is dropped; with another
 * text, the handset has reused the reference for a new message, which starts afresh.
 */
export async function assembleMoPart(
  core: Core,
  p: { msisdn: string; shortCode: string; ref: number; total: number; seq: number; text: string; gateway: string; dedupeKey: (whole: string) => string },
): Promise<AssembledMo> {
  const now = core.clock.now();
  return core.db.tx(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sms-mo-part:' || $1 || ':' || $2 || ':' || $3::text))`, [p.msisdn, p.shortCode, p.ref]);
    await tx.query(`DELETE FROM sms_mo_part WHERE msisdn = $1 AND received_at < $2`, [p.msisdn, new Date(now.getTime() - PART_TTL_MS)]);
    const key = [p.msisdn, p.shortCode, p.ref, p.total];
    const done = await tx.query<{ seq: number; text: string; assembled_at: Date }>(
      `SELECT seq, text, assembled_at FROM sms_mo_part WHERE msisdn = $1 AND short_code = $2 AND ref = $3 AND total = $4 AND assembled_at IS NOT NULL`,
      key,
    );
    if (done.length) {
      const same = done.find((x) => x.seq === p.seq);
      if (same && same.text === p.text && new Date(same.assembled_at).getTime() > now.getTime() - REDELIVERY_MS) return { complete: false };
      await tx.query(`DELETE FROM sms_mo_part WHERE msisdn = $1 AND short_code = $2 AND ref = $3 AND total = $4 AND assembled_at IS NOT NULL`, key);
    }
    await tx.query(
      `INSERT INTO sms_mo_part (msisdn, short_code, ref, total, seq, text, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING`,
      [...key, p.seq, p.text, now],
    );
    const parts = await tx.query<{ seq: number; text: string }>(
      `SELECT seq, text FROM sms_mo_part WHERE msisdn = $1 AND short_code = $2 AND ref = $3 AND total = $4 ORDER BY seq`,
      key,
    );
    if (parts.length < p.total) return { complete: false };
    await tx.query(`UPDATE sms_mo_part SET assembled_at = $5 WHERE msisdn = $1 AND short_code = $2 AND ref = $3 AND total = $4`, [...key, now]);
    const text = parts.map((x) => x.text).join('');
    const id = await recordIncomingSms(core, { msisdn: p.msisdn, to: p.shortCode, text, smscId: p.dedupeKey(text), gateway: p.gateway }, tx);
    return { complete: true, text, id };
  });
}
