import type { Core } from '../../domain/core.ts';
import { OPERATOR_MESSAGE } from '../../domain/notifications/operator-message.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { LIST_CAP, requireOperator } from '../../domain/shared/operator-access.ts';

/**
 * An SMS the operator's systems sent through TMF681, as the outbox keeps it. Only those: login
 * codes and the platform's own notices never show here.
 */
export interface CommunicationRecord {
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
    sendAt?: string;
    claimedAt?: string;
    cancelledAt?: string;
    error?: string;
    receipt?: { stat?: string; at?: string };
  };
}

/**
 * The TMF681 state of an outbox status: waiting → initial, with the gateway (sending, sent and not
 * yet reported delivered) → inProgress, delivered → completed, undelivered or failed → failed.
 */
export const STATE_SQL = `CASE m.status WHEN 'queued' THEN 'initial' WHEN 'sending' THEN 'inProgress' WHEN 'sent' THEN 'inProgress'
  WHEN 'delivered' THEN 'completed' WHEN 'cancelled' THEN 'cancelled' ELSE 'failed' END`;

export const COLUMNS = `m.id, m.msisdn, m.short_code AS sender, m.text, m.status, ${STATE_SQL} AS state, m.attempts, m.created_at AS "createdAt", m.meta`;

export async function listCommunications(core: Core, ctx: Ctx, input: { msisdn?: string; id?: string }): Promise<CommunicationRecord[]> {
  requireOperator(ctx);
  const msisdn = input.msisdn === undefined ? null : normalizeMsisdn(input.msisdn);
  if (input.msisdn !== undefined && !msisdn) return [];
  const id = input.id === undefined ? null : /^\d{1,15}$/.test(input.id) ? Number(input.id) : false;
  if (id === false) return [];
  return core.db.query<CommunicationRecord>(
    `SELECT ${COLUMNS} FROM sms_message m
      WHERE m.direction = 'mt' AND m.meta->>'kind' = $1 AND ($2::text IS NULL OR m.msisdn = $2) AND ($3::bigint IS NULL OR m.id = $3)
      ORDER BY m.id DESC LIMIT ${LIST_CAP}`,
    [OPERATOR_MESSAGE, msisdn, id],
  );
}

/**
 * Messages whose TMF681 state moved since it was last told (meta.tmfState; a new message starts as
 * initial, which its create event told): marked told in the same transaction that claims them, so
 * two instances never tell one change twice. Returns them with the state before.
 */
export async function claimStateChanges(core: Core, limit = 100): Promise<(CommunicationRecord & { before: string })[]> {
  return core.db.tx((tx) =>
    tx.query<CommunicationRecord & { before: string }>(
      `WITH moved AS (
         SELECT m.id, COALESCE(m.meta->>'tmfState', 'initial') AS before, ${STATE_SQL} AS state FROM sms_message m
          WHERE m.direction = 'mt' AND m.meta->>'kind' = $1 AND ${STATE_SQL} <> COALESCE(m.meta->>'tmfState', 'initial')
          ORDER BY m.id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE sms_message m SET meta = m.meta || jsonb_build_object('tmfState', moved.state)
         FROM moved WHERE m.id = moved.id
       RETURNING ${COLUMNS}, moved.before`,
      [OPERATOR_MESSAGE, limit],
    ),
  );
}
