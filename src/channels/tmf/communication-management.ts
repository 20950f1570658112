import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../domain/core.ts';
import { notifyListeners } from '../../domain/events/hub.ts';
import { cancelOperatorMessage, MAX_OPERATOR_MESSAGE, MAX_RECEIVERS, sendOperatorMessage } from '../../domain/notifications/operator-message.ts';
import { DomainError, mustExist } from '../../domain/shared/errors.ts';
import { parseInstant } from '../../domain/shared/strict-input.ts';
import { systemCtx } from '../../domain/shared/context.ts';
import { claimStateChanges, GROUP_SQL, listCommunications, OPERATOR_ROWS, STATE_SQL, type CommunicationRecord } from './communication-messages.ts';
import { acceptedFilters, apiBase, compact, fieldsQuery, idParams, iso, listQuery, selectFields, sendList, storePage, tmfCtx } from './conventions.ts';
import { filterNames, NO_MATCH, sqlFilter, wholeId, type FilterColumns } from './filter-sql.ts';
import { hubRoutes, publish } from './hub.ts';

export const COMMUNICATION_BASE = '/tmf-api/communicationManagement/v4';
const API = 'communicationManagement';
const tag = 'TMF681 Communication';

type Body = Record<string, unknown>;

/** Attributes the message itself states: never taken from what the caller kept with it. */
const OWNED = new Set(['id', 'href', 'content', 'messageType', 'state', 'receiver', 'sender', 'sendTime', 'sendTimeComplete', 'scheduledSendTime', 'tryTimes', '@type']);

export function renderCommunication(m: CommunicationRecord, base: string): Body {
  const extra = Object.fromEntries(Object.entries(m.meta.extra ?? {}).filter(([k]) => !OWNED.has(k)));
  const given = Array.isArray(extra.characteristic) ? (extra.characteristic as Body[]) : [];
  return compact({
    ...extra,
    id: String(m.id),
    href: `${base}/communicationMessage/${m.id}`,
    messageType: 'SMS',
    content: m.text,
    state: m.state,
    scheduledSendTime: m.meta.sendAt,
    sendTime: m.meta.claimedAt ? iso(m.meta.claimedAt) : undefined,
    sendTimeComplete: m.state === 'completed' || m.state === 'failed' ? iso(m.meta.receipt?.at ?? m.meta.claimedAt) : undefined,
    tryTimes: m.attempts,
    // Each receiver's own state beside the message's (TMF681 has no word for it: abonent-prefixed).
    receiver: m.receivers.map((r) => ({
      id: r.msisdn,
      phoneNumber: r.msisdn,
      party: { id: r.msisdn, role: 'subscriber', '@referredType': 'Individual' },
      abonentState: r.state,
      abonentDeliveryStatus: r.status,
      ...(r.meta.receipt?.stat ? { abonentDeliveryReport: r.meta.receipt.stat } : {}),
    })),
    sender: { id: m.sender, name: m.sender },
    characteristic: [
      ...given.filter((c) => c.name !== 'deliveryStatus' && c.name !== 'deliveryReport'),
      { name: 'deliveryStatus', valueType: 'string', value: m.status },
      ...(m.meta.receipt?.stat ? [{ name: 'deliveryReport', valueType: 'string', value: m.meta.receipt.stat }] : []),
    ],
    '@type': 'CommunicationMessage',
  });
}

/** The rows of the message whose first row is x (alias m). */
const OF_MESSAGE = `FROM sms_message m WHERE ${OPERATOR_ROWS} AND ${GROUP_SQL} = x.id`;
/** The messages with a receiver of the number $v: found by the number first (an array, so the messages are then read by id). */
const TO_NUMBER = `x.id = ANY (ARRAY(SELECT ${GROUP_SQL} FROM sms_message m WHERE m.msisdn = $v AND ${OPERATOR_ROWS}))`;

/** The filters TMF681 communicationMessage takes, each applied by the store to what the message shows. */
const MESSAGE_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'bigint', value: wholeId },
  // messageState in SQL: waiting or with the gateway while any receiver is, else all delivered, all cancelled, or failed.
  state: {
    sql: `(SELECT CASE WHEN bool_or(st = 'initial') THEN 'initial' WHEN bool_or(st = 'inProgress') THEN 'inProgress' WHEN bool_and(st = 'completed') THEN 'completed'
            WHEN bool_and(st = 'cancelled') THEN 'cancelled' ELSE 'failed' END FROM (SELECT ${STATE_SQL} AS st ${OF_MESSAGE}) r)`,
    cast: 'text',
  },
  content: { sql: 'x.text', cast: 'text' },
  messageType: { sql: `'SMS'`, cast: 'text' },
  'receiver.id': { sql: TO_NUMBER, cast: 'text' },
  'receiver.phoneNumber': { sql: TO_NUMBER, cast: 'text' },
  'receiver.party.id': { sql: TO_NUMBER, cast: 'text' },
  'sender.id': { sql: 'x.sender', cast: 'text' },
  'sender.name': { sql: 'x.sender', cast: 'text' },
  scheduledSendTime: { sql: `(x.meta->>'sendAt')::timestamptz`, cast: 'timestamptz', date: true },
  sendTime: { sql: `(x.meta->>'claimedAt')::timestamptz`, cast: 'timestamptz', date: true },
  tryTimes: { sql: 'x.attempts', cast: 'bigint', value: (v) => (/^\d{1,9}$/.test(v) ? Number(v) : NO_MATCH) },
  '@type': { sql: `'CommunicationMessage'`, cast: 'text' },
};

const party = z.looseObject({ id: z.string().max(200).optional() });
const receiver = z.looseObject({ id: z.string().max(200).optional(), phoneNumber: z.string().max(40).optional(), party: party.optional() });
const messageCreate = z.looseObject({
  content: z.string().min(1).max(MAX_OPERATOR_MESSAGE),
  messageType: z.string().max(40).describe('SMS'),
  receiver: z.array(receiver).min(1).max(MAX_RECEIVERS).describe(`1 to ${MAX_RECEIVERS} subscribers, one outbox row each: phoneNumber (or id, or party.id) is the MSISDN`),
  sender: z.looseObject({ name: z.string().max(40).optional(), phoneNumber: z.string().max(40).optional(), id: z.string().max(40).optional() }).optional(),
  scheduledSendTime: z.string().max(40).optional(),
});

/**
 * Tells hub listeners of the state changes of TMF681 messages (handed to the gateway, delivered,
 * undelivered) that the outbox and the delivery reports made. Run by the scheduler (`channelJobs`).
 */
export async function publishCommunicationStates(core: Core, publicUrl: string | undefined): Promise<number> {
  const base = (publicUrl ? publicUrl.replace(/\/$/, '') : '') + COMMUNICATION_BASE;
  const moved = await claimStateChanges(core);
  // A message with several receivers is told once for the changes claimed together.
  for (const group of new Set(moved.map((m) => Number(m.group)))) {
    const [m] = await listCommunications(core, systemCtx('tmf-communication-states'), { id: String(group) });
    if (m) await notifyListeners(core, { api: API, eventType: 'communicationMessageStateChangeEvent', resourceName: 'communicationMessage', resource: renderCommunication(m, base) });
  }
  return moved.length;
}

/** TMF681: SMS from the operator to its subscribers, through Abonent's SMS outbox and transport. */
export async function communicationManagementRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, COMMUNICATION_BASE);
  const find = async (req: FastifyRequest, id: string) => {
    const [m] = await listCommunications(core, tmfCtx(req), { id });
    if (!m) throw new DomainError('NOT_FOUND', { id });
    return m;
  };

  r.get(
    '/communicationMessage',
    {
      schema: {
        tags: [tag],
        summary: `SMS sent through this API, newest first (receiver.phoneNumber=<MSISDN> for one number), paged by the store; filters: ${filterNames(MESSAGE_FILTERS).join(', ')}`,
        querystring: listQuery,
      },
    },
    async (req, reply) => {
      const filter = sqlFilter(acceptedFilters(req.query, filterNames(MESSAGE_FILTERS)), MESSAGE_FILTERS);
      const messages = await listCommunications(core, tmfCtx(req), { filter }, storePage(req.query));
      return sendList(reply, req.query, messages.map((m) => renderCommunication(m, base(req))), messages.total);
    },
  );
  r.get('/communicationMessage/:id', { schema: { tags: [tag], summary: 'Retrieve a message', params: idParams, querystring: fieldsQuery } }, async (req) =>
    selectFields(renderCommunication(await find(req, req.params.id), base(req)), req.query.fields),
  );
  r.post(
    '/communicationMessage',
    {
      schema: {
        tags: [tag],
        summary: 'Send an SMS to one or more subscribers (one outbox row each; all must be subscribers or nothing is sent) through the SMS outbox (now, or at scheduledSendTime); its state follows the gateway and the delivery reports (send Idempotency-Key to make retries safe)',
        body: messageCreate,
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.messageType.toUpperCase() !== 'SMS') throw new DomainError('VALIDATION', { field: 'messageType', message: 'SMS' });
      const msisdns = b.receiver.map((to, i) => {
        const msisdn = to.phoneNumber ?? to.id ?? to.party?.id;
        if (!msisdn) throw new DomainError('VALIDATION', { field: `receiver[${i}].phoneNumber`, message: 'an MSISDN' });
        return msisdn;
      });
      const sendAt = b.scheduledSendTime === undefined ? null : parseInstant(b.scheduledSendTime);
      if (b.scheduledSendTime !== undefined && !sendAt) throw new DomainError('VALIDATION', { field: 'scheduledSendTime', message: 'an ISO 8601 instant' });
      const extra = Object.fromEntries(Object.entries(b).filter(([k]) => !OWNED.has(k)));
      const ctx = tmfCtx(req);
      const sent = await sendOperatorMessage(core, ctx, { msisdns, text: b.content, sender: b.sender?.name ?? b.sender?.phoneNumber, sendAt, extra });
      const out = renderCommunication(mustExist((await listCommunications(core, ctx, { id: String(sent.id) }))[0], 'message'), base(req));
      publish(core, API, 'communicationMessageCreateEvent', 'communicationMessage', out);
      return reply.status(201).send(out);
    },
  );
  r.delete('/communicationMessage/:id', { schema: { tags: [tag], summary: 'Cancel a message still waiting in the outbox (409 once it went to the gateway)', params: idParams } }, async (req, reply) => {
    const m = await find(req, req.params.id);
    await cancelOperatorMessage(core, tmfCtx(req), { id: m.id });
    publish(core, API, 'communicationMessageDeleteEvent', 'communicationMessage', renderCommunication(await find(req, req.params.id), base(req)));
    return reply.status(204).send();
  });
  hubRoutes(app, core, API, tag);
}
