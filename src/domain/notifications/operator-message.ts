import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { findSubscriberByMsisdn } from '../subscribers/access.ts';
import { enqueueSms, NOTICE_SENDER } from './enqueue-sms.ts';

/** The outbox kind of a message an operator's system sent to a subscriber (TMF681). */
export const OPERATOR_MESSAGE = 'operator_message';

/** What a sender may be: an alphanumeric name (at most 11 characters, as GSM allows) or a short code. */
const SENDER = /^(?:[A-Za-z0-9][A-Za-z0-9 .-]{0,10}|\d{3,15})$/;
export const MAX_OPERATOR_MESSAGE = 1000;
/** Receivers of one message: each gets its own outbox row. */
export const MAX_RECEIVERS = 100;

/**
 * Sends an SMS from the operator to one or more of its subscribers through the SMS outbox (the
 * transport configured: log, SMPP or Kannel), now or at `sendAt`: one outbox row per receiver,
 * all in one transaction, each row naming the message (`meta.group`, the first row's id, which is
 * the message's id). Every receiver must be a subscriber's number, or nothing is sent
 * (SUBSCRIBER_NOT_FOUND naming the number). Only operator integrations and staff may; `extra` is
 * kept with the message. Idempotent by the request's key (a retry makes no row again for any
 * receiver); audited once per receiver (`sms.operator_send`).
 */
export async function sendOperatorMessage(
  core: Core,
  ctx: Ctx,
  input: { msisdns: string[]; text: string; sender?: string | undefined; sendAt?: Date | null; extra?: Record<string, unknown> },
): Promise<{ id: number }> {
  requireOperator(ctx);
  const msisdns: string[] = [];
  for (const [i, given] of input.msisdns.entries()) {
    const msisdn = normalizeMsisdn(given);
    if (!msisdn) throw new DomainError('VALIDATION', { field: `receiver[${i}]`, message: 'an MSISDN' });
    if (msisdns.includes(msisdn)) throw new DomainError('VALIDATION', { field: `receiver[${i}]`, message: `${msisdn} is named twice` });
    msisdns.push(msisdn);
  }
  if (msisdns.length === 0 || msisdns.length > MAX_RECEIVERS) throw new DomainError('VALIDATION', { field: 'receiver', message: `1 to ${MAX_RECEIVERS} subscribers` });
  const text = input.text.trim();
  if (text.length === 0 || text.length > MAX_OPERATOR_MESSAGE) throw new DomainError('VALIDATION', { field: 'content', message: `1 to ${MAX_OPERATOR_MESSAGE} characters` });
  const sender = input.sender ?? NOTICE_SENDER;
  if (!SENDER.test(sender)) throw new DomainError('VALIDATION', { field: 'sender', message: 'a name of at most 11 Latin letters and digits, or a short code' });
  return runUseCase(core, ctx, 'sms.operator_send', async (tx, subject) => {
    const subs: { msisdn: string; sub: NonNullable<Awaited<ReturnType<typeof findSubscriberByMsisdn>>> }[] = [];
    for (const msisdn of msisdns) {
      const sub = await findSubscriberByMsisdn(tx, msisdn);
      if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn });
      subs.push({ msisdn, sub });
    }
    subject.subscriberId = subs[0]!.sub.id;
    subject.customerId = subs[0]!.sub.customerId;
    // One receiver's request reads as it always has, so its idempotency keys stay the same.
    const request = { ...(msisdns.length === 1 ? { msisdn: msisdns[0] } : { msisdns }), text, sender, sendAt: input.sendAt?.toISOString() ?? null };
    return idempotent(tx, ctx, 'sms.operator_send', 'sms.operator_send', request, async () => {
      const now = core.clock.now();
      let group: number | undefined;
      for (const { msisdn, sub } of subs) {
        const id = await enqueueSms(tx, { msisdn, text, sender, kind: OPERATOR_MESSAGE, at: now });
        group ??= id;
        await tx.query(`UPDATE sms_message SET next_attempt_at = $2, meta = meta || $3 WHERE id = $1`, [
          id,
          input.sendAt && input.sendAt > now ? input.sendAt : null,
          JSON.stringify({ extra: input.extra ?? {}, group, ...(input.sendAt ? { sendAt: input.sendAt.toISOString() } : {}) }),
        ]);
        await recordAudit(tx, core, ctx, { action: 'sms.operator_send', subscriberId: sub.id, customerId: sub.customerId, details: { smsId: id, message: group, length: text.length } });
      }
      return { id: group! };
    });
  });
}

/**
 * Cancels what of an operator's message still waits in the outbox (every receiver's row not yet
 * handed to the gateway); a message all of whose rows went to the gateway cannot be.
 */
export async function cancelOperatorMessage(core: Core, ctx: Ctx, input: { id: number }): Promise<void> {
  requireOperator(ctx);
  await runUseCase(core, ctx, 'sms.operator_cancel', async (tx, subject) => {
    const rows = await tx.query<{ id: number; status: string; msisdn: string }>(
      `SELECT id, status, msisdn FROM sms_message WHERE COALESCE((meta->>'group')::bigint, id) = $1 AND direction = 'mt' AND meta->>'kind' = $2 ORDER BY id FOR UPDATE`,
      [input.id, OPERATOR_MESSAGE],
    );
    if (!rows.length) throw new DomainError('NOT_FOUND', { id: input.id });
    const waiting = rows.filter((r) => r.status === 'queued');
    if (!waiting.length) throw new DomainError('CONFLICT', { id: input.id, reason: 'already handed to the SMS gateway' });
    const at = JSON.stringify({ cancelledAt: core.clock.now().toISOString() });
    for (const m of waiting) {
      const sub = await findSubscriberByMsisdn(tx, m.msisdn);
      if (sub && subject.subscriberId === undefined) {
        subject.subscriberId = sub.id;
        subject.customerId = sub.customerId;
      }
      await tx.query(`UPDATE sms_message SET status = 'cancelled', meta = meta || $2 WHERE id = $1`, [m.id, at]);
      await recordAudit(tx, core, ctx, { action: 'sms.operator_cancel', ...(sub ? { subscriberId: sub.id, customerId: sub.customerId } : {}), details: { smsId: Number(m.id), message: input.id } });
    }
  });
}
