import { recordAudit } from '../audit/record-audit.ts';
import { applyBalanceRules } from '../billing/balance-rules.ts';
import type { Core } from '../core.ts';
import { postEntry } from '../ledger/post-entry.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { lockAccount } from '../subscribers/access.ts';

/**
 * Returns money of a succeeded payment to the card (operator staff or API only). The refund is
 * booked first (the account gives the money back in one transaction, once per key), then the
 * provider is asked; if it refuses, a reversal entry puts the money back and the refusal is
 * reported. The provider is never called inside a transaction.
 */
export async function refundPayment(core: Core, ctx: Ctx, input: { paymentId: string; amount: number; reason: string }) {
  if (ctx.actor.kind !== 'staff' && ctx.actor.kind !== 'operator_api') throw new DomainError('FORBIDDEN');
  if (!ctx.idempotencyKey) throw new DomainError('VALIDATION', { field: 'Idempotency-Key' });
  if (!/^[0-9a-f-]{36}$/.test(input.paymentId)) throw new DomainError('PAYMENT_NOT_FOUND');
  const key = ctx.idempotencyKey;
  // Set only when this call booked the refund; a repeat of the key gets the stored answer and
  // must not ask the provider again.
  let bookedNow = false;
  const booked = await runUseCase(core, ctx, 'payment.refund', async (tx, subject) => {
    const found = (await tx.query<{ account_id: number }>('SELECT account_id FROM payment WHERE id = $1', [input.paymentId]))[0];
    if (!found) throw new DomainError('PAYMENT_NOT_FOUND');
    // A refund takes money back: a contract's number's pool is locked first, as for any paid action.
    await lockAccount(tx, found.account_id);
    const p = (await tx.query<{ id: string; account_id: number; subscriber_id: number; amount: number; refunded: number; status: string; provider_ref: string }>(
      'SELECT id, account_id, subscriber_id, amount, refunded, status, provider_ref FROM payment WHERE id = $1 FOR UPDATE',
      [input.paymentId],
    ))[0];
    if (!p) throw new DomainError('PAYMENT_NOT_FOUND');
    subject.subscriberId = p.subscriber_id;
    return idempotent(tx, ctx, `account:${p.account_id}`, 'payment.refund', input, async () => {
      if (p.status !== 'succeeded') throw new DomainError('CONFLICT', { reason: 'payment not succeeded' });
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0 || p.refunded + input.amount > p.amount) {
        throw new DomainError('AMOUNT_NOT_ALLOWED', { min: 1, max: p.amount - p.refunded });
      }
      const now = core.clock.now();
      const entry = await postEntry(tx, { accountId: p.account_id, subscriberId: p.subscriber_id, amount: -input.amount, kind: 'refund', category: 'payment', idempotencyKey: `refund:${p.id}:${key}`, reference: p.id, description: input.reason.slice(0, 300), at: now });
      // A key whose earlier refund the provider refused stays spent: ask again with a new key.
      if (!entry.booked) throw new DomainError('IDEMPOTENCY_KEY_REUSED', { key });
      await tx.query('UPDATE payment SET refunded = refunded + $2, updated_at = $3 WHERE id = $1', [p.id, input.amount, now]);
      await applyBalanceRules(tx, core, ctx, [p.account_id]);
      await recordAudit(tx, core, ctx, { action: 'payment.refund', subscriberId: p.subscriber_id, details: { paymentId: p.id, amount: input.amount, reason: input.reason.slice(0, 300) } });
      bookedNow = true;
      return { paymentId: p.id, refunded: p.refunded + input.amount, providerRef: p.provider_ref, accountId: p.account_id, subscriberId: p.subscriber_id };
    });
  });
  if (bookedNow) {
    const res = await core.payments.refund({ providerRef: booked.providerRef, amount: input.amount });
    if (!res.ok) {
      await core.db.tx(async (tx) => {
        await lockAccount(tx, booked.accountId);
        const reversal = await postEntry(tx, { accountId: booked.accountId, subscriberId: booked.subscriberId, amount: input.amount, kind: 'refund', category: 'payment', idempotencyKey: `refund-reversal:${booked.paymentId}:${key}`, reference: booked.paymentId, description: `refund refused by provider: ${res.reason ?? ''}`.slice(0, 300), at: core.clock.now() });
        if (reversal.booked) await tx.query('UPDATE payment SET refunded = refunded - $2 WHERE id = $1', [booked.paymentId, input.amount]);
        // The key's stored answer must not claim a refund that did not happen.
        await tx.query('DELETE FROM idempotency_record WHERE scope = $1 AND key = $2', [`account:${booked.accountId}`, key]);
      });
      throw new DomainError('PAYMENT_FAILED', { reason: res.reason ?? 'refund refused' });
    }
  }
  return { paymentId: booked.paymentId, refunded: booked.refunded };
}
