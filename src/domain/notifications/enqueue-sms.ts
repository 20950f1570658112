import type { Core } from '../core.ts';
import type { Queryable } from '../../store/db.ts';
import { smsClaimant } from './sms-claimant.ts';

/** The sender name outbound notices carry (login codes, confirmations). */
export const NOTICE_SENDER = 'Abonent';

/**
 * Puts an outbound SMS in the store's outbox, inside the caller's transaction: it is sent exactly
 * when the action that caused it commits. A transport (log, SMPP, Kannel) delivers queued rows.
 * With `sentVia` the message leaves another way (in the answer to the gateway's own request, as
 * Kannel's get-url): it is recorded `sent` by that path, never queued, and its delivery reports
 * update it like any other.
 */
export async function enqueueSms(
  q: Queryable,
  m: { msisdn: string; text: string; sender?: string; kind: string; at: Date; sentVia?: string },
): Promise<number> {
  const rows = await q.query<{ id: number }>(
    `INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, meta)
     VALUES ('mt', $1, $2, $3, $4, $5, $6) RETURNING id`,
    [m.msisdn, m.sender ?? NOTICE_SENDER, m.text, m.sentVia ? 'sent' : 'queued', m.at, JSON.stringify({ kind: m.kind, ...(m.sentVia ? { transport: m.sentVia } : {}) })],
  );
  return rows[0]!.id;
}

/** Queues many outbound SMS with one statement, in the order given (see `enqueueSms`). */
export async function enqueueSmsBulk(q: Queryable, ms: { msisdn: string; text: string; sender?: string; kind: string; at: Date }[]): Promise<void> {
  if (ms.length === 0) return;
  await q.query(
    `INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, meta)
     SELECT 'mt', m, s, t, 'queued', a, jsonb_build_object('kind', k)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) WITH ORDINALITY AS u(m, s, t, a, k, n) ORDER BY n`,
    [ms.map((m) => m.msisdn), ms.map((m) => m.sender ?? NOTICE_SENDER), ms.map((m) => m.text), ms.map((m) => m.at.toISOString()), ms.map((m) => m.kind)],
  );
}

/** How the reply to an incoming message leaves (see `queueReply`). */
export type ReplyMode = 'queue' | 'claim' | { sentVia: string };

/**
 * The reply to an incoming SMS, put in the outbox by the statement that marks that message
 * handled (one statement: both or neither; the message's `meta.reply` names the reply's row). `queue`: for the outbox job. `claim`: inserted already
 * claimed (`sending`, one attempt, as the outbox claims) for the caller to submit at once with
 * `sendClaimed` — unless an older message to the same number is still queued or being sent, then
 * it is queued behind it (messages to one number keep their order). `sentVia`: recorded `sent`, the
 * gateway's own answer carries it (Kannel's get-url).
 */
export async function queueReply(
  core: Core,
  r: { moId: number; outcome: string; msisdn: string; text: string; sender: string; kind: string; at: Date; mode: ReplyMode },
): Promise<{ id: number; claimed: boolean }> {
  const mode = typeof r.mode === 'string' ? r.mode : 'sent';
  const claimant = mode === 'claim' ? await smsClaimant(core.db) : null;
  const params = [r.moId, r.outcome, r.msisdn, r.sender, r.text, r.at, mode, r.kind, typeof r.mode === 'string' ? null : r.mode.sentVia, claimant] as const;
  const sql = `WITH st AS (
       SELECT CASE WHEN $7::text = 'sent' THEN 'sent'
                   WHEN $7::text = 'claim' AND NOT EXISTS (SELECT 1 FROM sms_message o
                                                           WHERE o.direction = 'mt' AND o.msisdn = $3::text AND o.status IN ('queued', 'sending')) THEN 'sending'
                   ELSE 'queued' END AS status),
     ins AS (
       INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, attempts, meta)
       SELECT 'mt', $3::text, $4::text, $5::text, st.status, $6::timestamptz, CASE WHEN st.status = 'sending' THEN 1 ELSE 0 END,
              jsonb_build_object('kind', $8::text) || CASE st.status WHEN 'sent' THEN jsonb_build_object('transport', $9::text)
                                                                   WHEN 'sending' THEN jsonb_build_object('claimedAt', $6::timestamptz, 'claimedBy', $10::text)
                                                                   ELSE '{}'::jsonb END
         FROM st
       RETURNING id, status),
     handled AS (
       UPDATE sms_message SET status = 'handled', meta = meta || jsonb_build_object('outcome', $2::text, 'reply', (SELECT id FROM ins))
        WHERE id = $1::bigint AND direction = 'mo')
     SELECT id, status FROM ins`;
  const toResult = (rows: { id: number; status: string }[]) => ({ id: Number(rows[0]!.id), claimed: rows[0]!.status === 'sending' });
  if (mode === 'claim' && core.db.kind === 'postgres') {
    // On a server, two transactions replying to one number at once would each miss the other's
    // uncommitted row and both claim theirs: the number's lock, taken first, puts them in turn, and
    // the second one's statement (a new snapshot) sees the first one's reply. PGlite runs one
    // statement at a time, so there the statement alone is enough.
    return core.db.tx(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sms-mt:${r.msisdn}`]);
      return toResult(await tx.query<{ id: number; status: string }>(sql, params));
    });
  }
  return toResult(await core.db.prepare<{ id: number; status: string }>('sms_reply_queue', sql, ['bigint', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'text', 'text', 'text'])(params));
}

/**
 * The reply recorded for an incoming message, found by the gateway's message id: what to answer
 * when the gateway asks again with the same id (Kannel's get-url retried after an answer was lost).
 * Null when the message got no reply or is still being answered.
 */
export async function recordedReply(q: Queryable, mo: { shortCode: string; msisdn: string; smscId: string }): Promise<{ id: number; text: string } | null> {
  const [row] = await q.query<{ id: number; text: string }>(
    `SELECT r.id, r.text FROM sms_message m JOIN sms_message r ON r.id = (m.meta->>'reply')::bigint AND r.direction = 'mt'
      WHERE m.direction = 'mo' AND m.short_code = $1 AND m.msisdn = $2 AND m.smsc_id = $3`,
    [mo.shortCode, mo.msisdn, mo.smscId],
  );
  return row ? { id: Number(row.id), text: row.text } : null;
}
