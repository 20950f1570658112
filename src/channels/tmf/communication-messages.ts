import type { Core } from '../../domain/core.ts';
import { OPERATOR_MESSAGE } from '../../domain/notifications/operator-message.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { capLimit, requireOperator, withinCap } from '../../domain/shared/operator-access.ts';

/** One receiver's outbox row of a TMF681 message. */
export interface ReceiverRecord {
  id: number;
  msisdn: string;
  sender: string;
  text: string;
  status: string;
  state: 'initial' | 'inProgress' | 'completed' | 'cancelled' | 'failed';
  attempts: number;
  createdAt: Date;
  meta: {
    extra?: Record<string, unknown>;
    group?: number;
    sendAt?: string;
    claimedAt?: string;
    cancelledAt?: string;
    error?: string;
    receipt?: { stat?: string; at?: string };
  };
}

/**
 * An SMS the operator's systems sent through TMF681, as the outbox keeps it: the first receiver's
 * row (whose id is the message's) with every receiver's row. Only those: login codes and the
 * platform's own notices never show here. `state` is the message's: initial or inProgress while
 * any receiver's is, else completed when all are, cancelled when all are, otherwise failed.
 */
export interface CommunicationRecord extends ReceiverRecord {
  receivers: ReceiverRecord[];
}

export function messageState(states: ReceiverRecord['state'][]): ReceiverRecord['state'] {
  for (const s of ['initial', 'inProgress'] as const) if (states.includes(s)) return s;
  if (states.every((s) => s === 'completed')) return 'completed';
  if (states.every((s) => s === 'cancelled')) return 'cancelled';
  return 'failed';
}

/**
 * The TMF681 state of an outbox status: waiting → initial, with the gateway (sending, sent and not
 * yet reported delivered) → inProgress, delivered → completed, undelivered or failed → failed.
 */
export const STATE_SQL = `CASE m.status WHEN 'queued' THEN 'initial' WHEN 'sending' THEN 'inProgress' WHEN 'sent' THEN 'inProgress'
  WHEN 'delivered' THEN 'completed' WHEN 'cancelled' THEN 'cancelled' ELSE 'failed' END`;

export const COLUMNS = `m.id, m.msisdn, m.short_code AS sender, m.text, m.status, ${STATE_SQL} AS state, m.attempts, m.created_at AS "createdAt", m.meta`;

/** The message an outbox row belongs to: its group, or itself (a row from before groups). */
const GROUP_SQL = `COALESCE((m.meta->>'group')::bigint, m.id)`;

export async function listCommunications(core: Core, ctx: Ctx, input: { msisdn?: string; id?: string }): Promise<CommunicationRecord[]> {
  requireOperator(ctx);
  const msisdn = input.msisdn === undefined ? null : normalizeMsisdn(input.msisdn);
  if (input.msisdn !== undefined && !msisdn) return [];
  const id = input.id === undefined ? null : /^\d{1,15}$/.test(input.id) ? Number(input.id) : false;
  if (id === false) return [];
  const rows = await core.db.query<ReceiverRecord & { group: number }>(
    `SELECT ${COLUMNS}, ${GROUP_SQL} AS "group" FROM sms_message m
      WHERE m.direction = 'mt' AND m.meta->>'kind' = $1 AND ${GROUP_SQL} IN (
        SELECT DISTINCT ${GROUP_SQL} FROM sms_message m
         WHERE m.direction = 'mt' AND m.meta->>'kind' = $1 AND ($2::text IS NULL OR m.msisdn = $2) AND ($3::bigint IS NULL OR ${GROUP_SQL} = $3)
         ORDER BY 1 DESC LIMIT ${capLimit()})
      ORDER BY "group" DESC, m.id`,
    [OPERATOR_MESSAGE, msisdn, id],
  );
  const messages: CommunicationRecord[] = [];
  for (const { group, ...r } of rows) {
    const last = messages.at(-1);
    if (last && last.id === Number(group)) last.receivers.push(r);
    else messages.push({ ...r, id: Number(group), receivers: [r] });
  }
  for (const m of messages) m.state = messageState(m.receivers.map((r) => r.state));
  return withinCap(messages);
}

/**
 * Messages whose TMF681 state moved since it was last told (meta.tmfState; a new message starts as
 * initial, which its create event told): marked told in the same transaction that claims them, so
 * two instances never tell one change twice. Returns them with the state before.
 */
export async function claimStateChanges(core: Core, limit = 100): Promise<(ReceiverRecord & { before: string; group: number })[]> {
  return core.db.tx((tx) =>
    tx.query<ReceiverRecord & { before: string; group: number }>(
      `WITH moved AS (
         SELECT m.id, m.created_at, COALESCE(m.meta->>'tmfState', 'initial') AS before, ${STATE_SQL} AS state FROM sms_message m
          WHERE m.direction = 'mt' AND m.meta->>'kind' = $1 AND ${STATE_SQL} <> COALESCE(m.meta->>'tmfState', 'initial')
          ORDER BY m.id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE sms_message m SET meta = m.meta || jsonb_build_object('tmfState', moved.state)
         FROM moved WHERE m.id = moved.id AND m.created_at = moved.created_at -- each in its own month's partition
       RETURNING ${COLUMNS}, moved.before, ${GROUP_SQL} AS "group"`,
      [OPERATOR_MESSAGE, limit],
    ),
  );
}
