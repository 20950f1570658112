import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { findSubscriberByMsisdn } from '../subscribers/access.ts';

/** Something that reads as a card number (13 to 19 digits, spaces or dashes between): never taken. */
export function looksLikeCardNumber(v: string): boolean {
  const digits = v.replace(/[\s-]/g, '');
  return /^\d{13,19}$/.test(digits);
}

/**
 * Saves a card for a number from a token the payment provider issued (TMF670 POST paymentMethod):
 * the provider confirms the token and says its last four digits, brand and expiry, which are all
 * Abonent keeps. A card number is refused outright, and so is a token the provider does not know.
 * A token already saved on this account answers that card again; one saved on another account is
 * a conflict (a token belongs to one payer). `accountId`, when the caller names one, must be the
 * number's. Operator integrations and staff only; audited
 * (`card.save`).
 */
export async function saveCardByToken(core: Core, ctx: Ctx, input: { msisdn: string; token: string; accountId?: string }): Promise<{ cardId: number; created: boolean }> {
  requireOperator(ctx);
  if (looksLikeCardNumber(input.token)) throw new DomainError('VALIDATION', { field: 'token', message: 'a card number is never taken: send the token the payment provider issued for the card' });
  if (!core.payments.available) throw new DomainError('PAYMENTS_UNAVAILABLE');
  if (!core.payments.verifyToken) throw new DomainError('VALIDATION', { field: 'token', message: "this payment provider saves cards only through its payment page (a top-up with saveCard)" });
  const card = input.token.length <= 200 ? await core.payments.verifyToken(input.token) : null;
  if (!card) throw new DomainError('VALIDATION', { field: 'token', message: 'a token the payment provider issued' });
  return runUseCase(core, ctx, 'card.save', async (tx, subject) => {
    const msisdn = normalizeMsisdn(input.msisdn);
    const sub = msisdn ? await findSubscriberByMsisdn(tx, msisdn) : undefined;
    if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND');
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    if (input.accountId !== undefined && input.accountId !== String(sub.accountId)) throw new DomainError('VALIDATION', { field: 'account.id', message: "the number's own account" });
    const [existing] = await tx.query<{ id: number; account_id: number; subscriber_id: number; removed_at: Date | null }>(
      'SELECT id, account_id, subscriber_id, removed_at FROM saved_card WHERE provider = $1 AND token = $2 FOR UPDATE',
      [core.payments.name, card.token],
    );
    if (existing && (Number(existing.account_id) !== sub.accountId || Number(existing.subscriber_id) !== sub.id)) throw new DomainError('CONFLICT', { reason: 'the card is saved for another number' });
    if (existing && existing.removed_at === null) return { cardId: Number(existing.id), created: false };
    const now = core.clock.now();
    const cardId = existing
      ? Number((await tx.query<{ id: number }>('UPDATE saved_card SET removed_at = NULL, created_at = $2 WHERE account_id = $3 AND id = $1 RETURNING id', [existing.id, now, sub.accountId]))[0]!.id)
      : Number(
          (
            await tx.query<{ id: number }>(
              'INSERT INTO saved_card (account_id, subscriber_id, provider, token, last4, brand, expiry, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
              [sub.accountId, sub.id, core.payments.name, card.token, card.last4, card.brand, card.expiry, now],
            )
          )[0]!.id,
        );
    await recordAudit(tx, core, ctx, { action: 'card.save', subscriberId: sub.id, customerId: sub.customerId, details: { cardId, brand: card.brand, last4: card.last4 } });
    return { cardId, created: true };
  });
}
