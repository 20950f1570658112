import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import type { Ctx } from '../shared/context.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
import { DomainError } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';

const NO_UUID = '00000000-0000-0000-0000-000000000000';

const columns = `id, amount, status, purpose, refunded, failure_reason AS "failureReason", confirmation_url AS "confirmationUrl", channel, created_at AS "createdAt", updated_at AS "updatedAt"`;

interface PaymentView {
  id: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  purpose: 'topup' | 'autopay' | 'installment';
  refunded: number;
  failureReason: string | null;
  confirmationUrl: string | null;
  channel: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The number's payments, newest first, a page at a time: pass the `nextCursor` of a page as
 * `cursor` for the next, older one (keyset on creation time and id; see shared/cursor.ts).
 */
export async function listPayments(core: Core, ctx: Ctx, input: { msisdn: string; limit?: number; cursor?: string }) {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const after = decodeCursor('payments', input.cursor);
  const limit = pageLimit(input.limit);
  const rows = await core.db.query<PaymentView & { keyAt: string }>(
    `SELECT ${columns}, ${keysetAt('created_at')} AS "keyAt" FROM payment
      WHERE account_id = $1 AND subscriber_id = $2
        AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $5`,
    [sub.accountId, sub.id, after?.at ?? null, after?.id ?? NO_UUID, limit + 1],
  );
  const page = keysetPage('payments', rows, limit, (r) => ({ at: r.keyAt, id: r.id }));
  return { items: page.rows.map(({ keyAt: _k, ...r }) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() })), nextCursor: page.nextCursor };
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
