import type { Core } from '../../domain/core.ts';
import { OPERATOR_MESSAGE } from '../../domain/notifications/operator-message.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { emptyPage, readPage, type Paged, type SqlFilter, type StorePage } from '../../domain/shared/list-page.ts';
import { requireOperator } from '../../domain/shared/operator-access.ts';

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
export const GROUP_SQL = `COALESCE((m.meta->>'group')::bigint, m.id)`;

/**
 * The outbox rows of TMF681 messages (alias m). The kind is written into the statement, not passed,
 * so that the partial indexes of migration 053 (over these rows only) serve it.
 */
export const OPERATOR_ROWS = `m.direction = 'mt' AND m.meta->>'kind' = '${OPERATOR_MESSAGE}'`;

/**
 * TMF681 messages, newest first: all, one (by id), or those sent to a number. The store pages the
 * messages' first rows (the message's id is its first row's); `filter` is a condition over that
 * row's columns (x.id, x.text, x.sender, x.attempts, x.meta, …; the message's other receivers
 * through GROUP_SQL); `page`: only that page, with the total. Each message then has its receivers.
 */
export async function listCommunications(core: Core, ctx: Ctx, input: { msisdn?: string; id?: string; filter?: SqlFilter }, page?: StorePage): Promise<Paged<CommunicationRecord>> {
  requireOperator(ctx);
  const msisdn = input.msisdn === undefined ? null : normalizeMsisdn(input.msisdn);
  if (input.msisdn !== undefined && !msisdn) return emptyPage(page);
  const id = input.id === undefined ? null : /^\d{1,15}$/.test(input.id) ? Number(input.id) : false;
  if (id === false) return emptyPage(page);
  const params: unknown[] = [msisdn, id];
  const where = input.filter ? input.filter(params) : 'TRUE';
  const heads = await readPage<ReceiverRecord>(
    core.db,
    `SELECT * FROM (
       SELECT ${COLUMNS} FROM sms_message m
        WHERE ${OPERATOR_ROWS} AND ${GROUP_SQL} = m.id AND ($2::bigint IS NULL OR m.id = $2)
          AND ($1::text IS NULL OR m.id = ANY (ARRAY(SELECT ${GROUP_SQL} FROM sms_message m WHERE m.msisdn = $1 AND ${OPERATOR_ROWS})))) x WHERE ${where}`,
    params,
    'id DESC',
    page,
  );
  const rows = heads.length
    ? await core.db.query<ReceiverRecord & { group: number }>(
        `SELECT ${COLUMNS}, ${GROUP_SQL} AS "group" FROM sms_message m WHERE ${OPERATOR_ROWS} AND ${GROUP_SQL} = ANY($1::bigint[]) ORDER BY m.id`,
        [heads.map((h) => Number(h.id))],
      )
    : [];
  const byGroup = new Map<number, ReceiverRecord[]>();
  for (const { group, ...r } of rows) {
    const list = byGroup.get(Number(group)) ?? [];
    if (list.length === 0) byGroup.set(Number(group), list);
    list.push(r);
  }
  const messages: CommunicationRecord[] = heads.map((h) => {
    const receivers = byGroup.get(Number(h.id)) ?? [];
    return { ...h, id: Number(h.id), receivers, state: messageState(receivers.map((r) => r.state)) };
  });
  return Object.assign(messages, heads.total === undefined ? {} : { total: heads.total });
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
