import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';

const columns = `id, amount, status, purpose, refunded, failure_reason AS "failureReason", confirmation_url AS "confirmationUrl", channel, created_at AS "createdAt", updated_at AS "updatedAt"`;

interface PaymentView {
  id: string;
  amount: number;
  status: string;
  purpose: string;
  refunded: number;
  failureReason: string | null;
  confirmationUrl: string | null;
  channel: string;
  createdAt: Date;
  updatedAt: Date;
}

export async function listPayments(core: Core, ctx: Ctx, input: { msisdn: string; limit?: number }) {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const rows = await core.db.query<PaymentView>(`SELECT ${columns} FROM payment WHERE account_id = $1 AND subscriber_id = $2 ORDER BY created_at DESC LIMIT $3`, [
    sub.accountId,
    sub.id,
    Math.min(input.limit ?? 50, 200),
  ]);
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() }));
}

/** One payment, for the page the payer returns to (it may still be pending). */
export async function getPayment(core: Core, ctx: Ctx, input: { msisdn: string; paymentId: string }) {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  if (!/^[0-9a-f-]{36}$/.test(input.paymentId)) throw new DomainError('PAYMENT_NOT_FOUND');
  const rows = await core.db.query<PaymentView>(`SELECT ${columns} FROM payment WHERE account_id = $1 AND subscriber_id = $2 AND id = $3`, [sub.accountId, sub.id, input.paymentId]);
  const p = rows[0];
  if (!p) throw new DomainError('PAYMENT_NOT_FOUND');
  return { ...p, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() };
}

export async function listCards(core: Core, ctx: Ctx, input: { msisdn: string }) {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  return core.db.query<{ id: number; last4: string; brand: string; expiry: string }>(
    'SELECT id, last4, brand, expiry FROM saved_card WHERE account_id = $1 AND subscriber_id = $2 AND removed_at IS NULL ORDER BY id',
    [sub.accountId, sub.id],
  );
}

export async function removeCard(core: Core, ctx: Ctx, input: { msisdn: string; cardId: number }) {
  return runUseCase(core, ctx, 'card.remove', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const now = core.clock.now();
    const rows = await tx.query('UPDATE saved_card SET removed_at = $4 WHERE account_id = $1 AND subscriber_id = $2 AND id = $3 AND removed_at IS NULL RETURNING id', [sub.accountId, sub.id, input.cardId, now]);
    if (!rows[0]) throw new DomainError('CARD_NOT_FOUND');
    // Auto-payment from a removed card stops with it.
    await tx.query('UPDATE auto_payment SET enabled = false, updated_at = $3 WHERE account_id = $1 AND card_id = $2', [sub.accountId, input.cardId, now]);
    await recordAudit(tx, core, ctx, { action: 'card.remove', subscriberId: sub.id, customerId: sub.customerId, details: { cardId: input.cardId } });
    return { removed: true };
  });
}
