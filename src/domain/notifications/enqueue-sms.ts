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
  // One statement on both stores (migration 052): on a server the function takes the number's lock
  // first, so two replies to one number committed at once never both claim theirs.
  const rows = await core.db.prepare<{ id: number; status: string }>(
    'sms_reply_claim',
    'SELECT reply_id AS id, reply_status AS status FROM sms_reply_claim($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
    ['bigint', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'text', 'text', 'text'],
  )([r.moId, r.outcome, r.msisdn, r.sender, r.text, r.at, mode, r.kind, typeof r.mode === 'string' ? null : r.mode.sentVia, claimant]);
  return { id: Number(rows[0]!.id), claimed: rows[0]!.status === 'sending' };
}

/**
 * The reply recorded for an incoming message, found by the gateway's message id: what to answer
 * when the gateway asks again with the same id (Kannel's get-url retried after an answer was lost).
 * Null when the message got no reply or is still being answered.
 */
export async function recordedReply(q: Queryable, mo: { shortCode: string; msisdn: string; smscId: string }): Promise<{ id: number; text: string } | null> {
  const [row] = await q.query<{ id: number; text: string }>(
    // The message's key names its instant, so only its month is read; the reply follows it.
    `SELECT r.id, r.text FROM sms_mo_key k
       JOIN sms_message m ON m.direction = 'mo' AND m.short_code = k.short_code AND m.msisdn = k.msisdn AND m.smsc_id = k.smsc_id AND m.created_at = k.created_at
       JOIN sms_message r ON r.id = (m.meta->>'reply')::bigint AND r.direction = 'mt'
      WHERE k.short_code = $1 AND k.msisdn = $2 AND k.smsc_id = $3`,
    [mo.shortCode, mo.msisdn, mo.smscId],
  );
  return row ? { id: Number(row.id), text: row.text } : null;
}
