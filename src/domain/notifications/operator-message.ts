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

/**
 * Sends an SMS from the operator to one of its subscribers through the SMS outbox (the transport
 * configured: log, SMPP or Kannel), now or at `sendAt`. Only operator integrations and staff may;
 * the number must be a subscriber's. `extra` is kept with the message (what the caller said of it).
 * Idempotent by the request's key; audited (`sms.operator_send`).
 */
export async function sendOperatorMessage(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; text: string; sender?: string | undefined; sendAt?: Date | null; extra?: Record<string, unknown> },
): Promise<{ id: number }> {
  requireOperator(ctx);
  const msisdn = normalizeMsisdn(input.msisdn);
  if (!msisdn) throw new DomainError('VALIDATION', { field: 'receiver', message: 'an MSISDN' });
  const text = input.text.trim();
  if (text.length === 0 || text.length > MAX_OPERATOR_MESSAGE) throw new DomainError('VALIDATION', { field: 'content', message: `1 to ${MAX_OPERATOR_MESSAGE} characters` });
  const sender = input.sender ?? NOTICE_SENDER;
  if (!SENDER.test(sender)) throw new DomainError('VALIDATION', { field: 'sender', message: 'a name of at most 11 Latin letters and digits, or a short code' });
  return runUseCase(core, ctx, 'sms.operator_send', async (tx, subject) => {
    const sub = await findSubscriberByMsisdn(tx, msisdn);
    if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND');
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const request = { msisdn, text, sender, sendAt: input.sendAt?.toISOString() ?? null };
    return idempotent(tx, ctx, 'sms.operator_send', 'sms.operator_send', request, async () => {
      const now = core.clock.now();
      const id = await enqueueSms(tx, { msisdn, text, sender, kind: OPERATOR_MESSAGE, at: now });
      await tx.query(`UPDATE sms_message SET next_attempt_at = $2, meta = meta || $3 WHERE id = $1`, [
        id,
        input.sendAt && input.sendAt > now ? input.sendAt : null,
        JSON.stringify({ extra: input.extra ?? {}, ...(input.sendAt ? { sendAt: input.sendAt.toISOString() } : {}) }),
      ]);
      await recordAudit(tx, core, ctx, { action: 'sms.operator_send', subscriberId: sub.id, customerId: sub.customerId, details: { smsId: id, length: text.length } });
      return { id };
    });
  });
}

/** Cancels an operator's message still waiting in the outbox; one already handed to the gateway cannot be. */
export async function cancelOperatorMessage(core: Core, ctx: Ctx, input: { id: number }): Promise<void> {
  requireOperator(ctx);
  await runUseCase(core, ctx, 'sms.operator_cancel', async (tx, subject) => {
    const rows = await tx.query<{ status: string; msisdn: string }>(
      `SELECT status, msisdn FROM sms_message WHERE id = $1 AND direction = 'mt' AND meta->>'kind' = $2 FOR UPDATE`,
      [input.id, OPERATOR_MESSAGE],
    );
    const m = rows[0];
    if (!m) throw new DomainError('NOT_FOUND', { id: input.id });
    if (m.status !== 'queued') throw new DomainError('CONFLICT', { id: input.id, reason: 'already handed to the SMS gateway' });
    const sub = await findSubscriberByMsisdn(tx, m.msisdn);
    if (sub) {
      subject.subscriberId = sub.id;
      subject.customerId = sub.customerId;
    }
    await tx.query(`UPDATE sms_message SET status = 'cancelled', meta = meta || $2 WHERE id = $1`, [input.id, JSON.stringify({ cancelledAt: core.clock.now().toISOString() })]);
    await recordAudit(tx, core, ctx, { action: 'sms.operator_cancel', ...(sub ? { subscriberId: sub.id, customerId: sub.customerId } : {}), details: { smsId: input.id } });
  });
}
