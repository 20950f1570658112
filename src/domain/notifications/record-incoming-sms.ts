import type { Core } from '../core.ts';
import type { Queryable } from '../../store/db.ts';
import { tokenUpsertSql } from '../auth/rate-limit.ts';
import type { Lang } from '../shared/context.ts';
import { claimLeftBehind, smsClaimant } from './sms-claimant.ts';

export interface IncomingSms {
  msisdn: string;
  to: string;
  text: string;
  smscId: string | null;
  gateway: string;
}

/**
 * The statement part that records an incoming message once: its key (short code, number, the SMSC's
 * message id) is taken in sms_mo_key first, and the message is recorded only when the key was
 * free — a repeat, in any month, records nothing (migration 054). A concurrent repeat waits on the
 * key and records nothing. A message without the SMSC's id is always recorded. Parameters: $1
 * number, $2 short code, $3 text, $4 time, $5 SMSC id; `meta` is the meta's SQL.
 */
const recordOnce = (meta: string) => `mo_key AS (
       INSERT INTO sms_mo_key (short_code, msisdn, smsc_id, created_at)
       SELECT $2::text, $1::text, $5::text, $4::timestamptz WHERE $5::text IS NOT NULL
       ON CONFLICT DO NOTHING RETURNING 1),
     mo AS (
       INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, smsc_id, meta)
       SELECT 'mo', $1::text, $2::text, $3::text, 'received', $4::timestamptz, $5::text, ${meta}
        WHERE $5::text IS NULL OR EXISTS (SELECT 1 FROM mo_key)
       RETURNING id)`;

/**
 * Keeps a mobile-originated SMS as it arrived, in status `received` until it has been answered
 * (`handled`). The SMSC's message id makes a repeat count once: returns the new row's id, or null
 * when this message was already recorded. Takes the caller's transaction when given one.
 */
export async function recordIncomingSms(core: Core, m: IncomingSms, q: Queryable = core.db): Promise<number | null> {
  const rows = await q.query<{ id: number }>(
    `WITH ${recordOnce('$6::jsonb')} SELECT id FROM mo`,
    [m.msisdn, m.to, m.text, core.clock.now(), m.smscId, JSON.stringify({ gateway: m.gateway })],
  );
  return rows[0]?.id ?? null;
}

/** What `recordIncomingSmsForReply` did: the message's row, the reply token it took, its sender. */
export interface IncomingRecorded {
  /** The new row's id; null when this message was already recorded (then nothing else was done). */
  id: number | null;
  /** The reply token's row (see `tokenRefusal`), when a key was given and the message is new. */
  token: { count: number; window_start: Date | string } | null;
  /** The subscriber with the sender's number, when there is one. */
  subscriber: { id: number; language: Lang } | null;
}

/**
 * `recordIncomingSms` for a message that is to be answered, with what the answer needs first in
 * the same statement: one token of the sender's reply limit (`tokenKey`, taken only when the
 * message is new) and the subscriber with that number. One statement instead of three on the
 * busiest path of 8111 (on PGlite statements run one at a time; each costs).
 */
export async function recordIncomingSmsForReply(
  core: Core,
  m: IncomingSms,
  token: { key: string; windowSeconds: number } | null,
): Promise<IncomingRecorded> {
  const now = core.clock.now();
  const rows = await core.db.prepare<{ id: number; count: number | null; window_start: Date | string | null; subscriber_id: number | null; language: Lang | null }>(
    'sms_mo_record_for_reply',
    `WITH ${recordOnce('jsonb_build_object(\'gateway\', $6::text)')},
     tok AS (${tokenUpsertSql({ key: '$7', now: '$4', windowStart: '$8' }, 'mo WHERE $7 IS NOT NULL')})
     SELECT mo.id, tok.count, tok.window_start, s.id AS subscriber_id, s.language
       FROM mo LEFT JOIN tok ON true LEFT JOIN subscriber s ON s.msisdn = $1`,
    ['text', 'text', 'text', 'timestamptz', 'text', 'text', 'text', 'timestamptz'],
  )([m.msisdn, m.to, m.text, now, m.smscId, m.gateway, token?.key ?? null, new Date(now.getTime() - (token?.windowSeconds ?? 0) * 1000)]);
  const r = rows[0];
  if (!r) return { id: null, token: null, subscriber: null };
  return {
    id: Number(r.id),
    token: r.count === null || r.window_start === null ? null : { count: Number(r.count), window_start: r.window_start },
    subscriber: r.subscriber_id === null ? null : { id: Number(r.subscriber_id), language: r.language ?? 'ru' },
  };
}

/** Marks a mobile-originated SMS answered (or deliberately left unanswered), in the caller's transaction. */
export async function markIncomingHandled(q: Queryable, id: number, outcome: string): Promise<void> {
  await q.query(`UPDATE sms_message SET status = 'handled', meta = meta || jsonb_build_object('outcome', $2::text) WHERE id = $1 AND direction = 'mo'`, [id, outcome]);
}

/** How many times a message left unanswered is taken up again before it is given up as failed. */
export const MO_MAX_ATTEMPTS = 3;

/**
 * Claims mobile-originated messages recorded but never answered — the instance that took them
 * died, or their command failed — once they are older than `olderThanMs`. Each claim counts an
 * attempt; a message past MO_MAX_ATTEMPTS is marked `failed` instead. A claim whose instance died
 * too is released: at once when that instance's lock is gone (see sms-claimant.ts), else after five
 * minutes `recovering`. SKIP LOCKED keeps instances apart.
 */
export async function claimUnhandledIncoming(
  core: Core,
  opts: { olderThanMs: number; limit: number },
): Promise<{ id: number; msisdn: string; shortCode: string; text: string; gateway: string }[]> {
  const now = core.clock.now();
  const me = await smsClaimant(core.db);
  await core.db.query(
    `UPDATE sms_message SET status = 'received'
      WHERE direction = 'mo' AND status = 'recovering' AND ((meta->>'claimedAt')::timestamptz < $1 OR ${claimLeftBehind(core.db, '$2::text')})`,
    [new Date(now.getTime() - 5 * 60_000), me],
  );
  return core.db.tx(async (tx) => {
    const cut = new Date(now.getTime() - opts.olderThanMs);
    await tx.query(
      `UPDATE sms_message SET status = 'failed', meta = meta || '{"outcome":"gave_up"}'
        WHERE direction = 'mo' AND status = 'received' AND created_at < $1 AND attempts >= $2`,
      [cut, MO_MAX_ATTEMPTS],
    );
    const rows = await tx.query<{ id: number; msisdn: string; short_code: string; text: string; gateway: string | null }>(
      `UPDATE sms_message SET status = 'recovering', attempts = attempts + 1, meta = meta || jsonb_build_object('claimedAt', $3::timestamptz, 'claimedBy', $4::text)
        WHERE id IN (SELECT id FROM sms_message
                      WHERE direction = 'mo' AND status = 'received' AND created_at < $1
                      ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING id, msisdn, short_code, text, meta->>'gateway' AS gateway`,
      [cut, opts.limit, now, me],
    );
    return rows.sort((a, b) => a.id - b.id).map((r) => ({ id: r.id, msisdn: r.msisdn, shortCode: r.short_code, text: r.text, gateway: r.gateway ?? 'unknown' }));
  });
}
