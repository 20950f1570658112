import { randomUUID } from 'node:crypto';
import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import { settlePayment } from './settle-payment.ts';

export const MIN_TOP_UP = 1000; // 10 ₽
export const MAX_TOP_UP = 1_500_000; // 15 000 ₽

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < MIN_TOP_UP || amount > MAX_TOP_UP) throw new DomainError('AMOUNT_NOT_ALLOWED', { min: MIN_TOP_UP, max: MAX_TOP_UP });
}

async function insertPayment(tx: Tx, core: Core, ctx: Ctx, sub: SubscriberRow, p: { amount: number; purpose: string; saveCard: boolean; cardId?: number | null }): Promise<string | null> {
  const id = randomUUID();
  const now = core.clock.now();
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO payment (id, account_id, subscriber_id, provider, purpose, amount, status, save_card, card_id, channel, idempotency_key, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11, $11)
     ON CONFLICT (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
    [id, sub.accountId, sub.id, core.payments.name, p.purpose, p.amount, p.saveCard, p.cardId ?? null, ctx.channel, ctx.idempotencyKey ?? null, now],
  );
  return rows[0]?.id ?? null;
}

async function existingByKey(tx: Tx, accountId: number, key: string | undefined) {
  if (!key) return undefined;
  const rows = await tx.query<{ id: string; status: string; confirmation_url: string | null; amount: number }>(
    'SELECT id, status, confirmation_url, amount FROM payment WHERE account_id = $1 AND idempotency_key = $2',
    [accountId, key],
  );
  return rows[0];
}

/**
 * Starts a top-up through the provider's page. The account is credited when the provider's signed
 * webhook says so (settlePayment), not when the payer comes back: the two may arrive in any order.
 */
export async function startTopUp(core: Core, ctx: Ctx, input: { msisdn: string; amount: number; saveCard?: boolean; returnUrl?: string | null }) {
  checkAmount(input.amount);
  const created = await runUseCase(core, ctx, 'payment.start', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const prior = await existingByKey(tx, sub.accountId, ctx.idempotencyKey);
    if (prior) return { paymentId: prior.id, existing: prior };
    const id = await insertPayment(tx, core, ctx, sub, { amount: input.amount, purpose: 'topup', saveCard: input.saveCard ?? false });
    await recordAudit(tx, core, ctx, { action: 'payment.start', subscriberId: sub.id, customerId: sub.customerId, details: { paymentId: id, amount: input.amount } });
    return { paymentId: id!, existing: undefined };
  });
  if (created.existing) return { paymentId: created.paymentId, status: created.existing.status, confirmationUrl: created.existing.confirmation_url, amount: created.existing.amount };
  const started = await core.payments.createPayment({
    paymentId: created.paymentId,
    amount: input.amount,
    description: `Top-up ${input.msisdn}`,
    returnUrl: input.returnUrl ?? null,
    saveCard: input.saveCard ?? false,
  });
  await core.db.query('UPDATE payment SET provider_ref = $2, confirmation_url = $3 WHERE id = $1', [created.paymentId, started.providerRef, started.confirmationUrl]);
  return { paymentId: created.paymentId, status: 'pending', confirmationUrl: started.confirmationUrl, amount: input.amount };
}

/** Pays from a saved card with no page to confirm (the app's one-tap top-up, the voice menu, auto-payment). */
export async function payWithSavedCard(core: Core, ctx: Ctx, input: { msisdn: string; amount: number; cardId: number; purpose?: 'topup' | 'autopay' }) {
  checkAmount(input.amount);
  const created = await runUseCase(core, ctx, 'payment.card', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const prior = await existingByKey(tx, sub.accountId, ctx.idempotencyKey);
    if (prior) return { paymentId: prior.id, token: null, prior };
    const cards = await tx.query<{ token: string }>('SELECT token FROM saved_card WHERE account_id = $1 AND subscriber_id = $2 AND id = $3 AND removed_at IS NULL', [
      sub.accountId,
      sub.id,
      input.cardId,
    ]);
    if (!cards[0]) throw new DomainError('CARD_NOT_FOUND');
    const id = await insertPayment(tx, core, ctx, sub, { amount: input.amount, purpose: input.purpose ?? 'topup', saveCard: false, cardId: input.cardId });
    return { paymentId: id!, token: cards[0].token, prior: undefined };
  });
  if (created.prior) return { paymentId: created.paymentId, status: created.prior.status };
  const res = await core.payments.chargeToken({ paymentId: created.paymentId, amount: input.amount, token: created.token!, description: `Top-up ${input.msisdn}` });
  await core.db.query('UPDATE payment SET provider_ref = $2 WHERE id = $1', [created.paymentId, res.providerRef]);
  const settled = await settlePayment(core, res.event);
  if (settled.status !== 'succeeded') {
    throw new DomainError('PAYMENT_FAILED', { reason: res.event.type === 'payment.failed' ? res.event.reason : 'cancelled', paymentId: created.paymentId });
  }
  return { paymentId: created.paymentId, status: settled.status };
}
