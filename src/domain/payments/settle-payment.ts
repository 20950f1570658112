import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { applyBalanceRules } from '../billing/balance-rules.ts';
import { repayPromisedFromTopUp } from '../billing/promised-payment.ts';
import type { Core } from '../core.ts';
import { postEntry } from '../ledger/post-entry.ts';
import { readBalances } from '../ledger/read-balance.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import { systemCtx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { formatMoney } from '../shared/money.ts';
import type { ProviderEvent } from './provider.ts';

export interface PaymentRow {
  id: string;
  account_id: number;
  subscriber_id: number;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  purpose: string;
  save_card: boolean;
  provider: string;
}

/**
 * Applies what the provider says about a payment, exactly once: a success credits the account
 * (key `payment:<id>`), repays a promised payment first, saves the card if asked and lets the
 * balance rules unblock the number; a repeated or late event for a settled payment changes nothing.
 */
export async function settlePayment(core: Core, event: ProviderEvent): Promise<{ paymentId: string; status: string; changed: boolean }> {
  return core.db.tx(async (tx) => {
    const rows = await tx.query<PaymentRow>(
      'SELECT id, account_id, subscriber_id, amount, status, purpose, save_card, provider FROM payment WHERE provider = $1 AND provider_ref = $2',
      [core.payments.name, event.providerRef],
    );
    const found = rows[0];
    if (!found) throw new DomainError('PAYMENT_NOT_FOUND');
    // Lock the account first, as every money action does, then the payment.
    await tx.query('SELECT id FROM account WHERE id = $1 FOR UPDATE', [found.account_id]);
    const p = (await tx.query<PaymentRow>('SELECT id, account_id, subscriber_id, amount, status, purpose, save_card, provider FROM payment WHERE id = $1 FOR UPDATE', [found.id]))[0];
    if (!p) throw new DomainError('PAYMENT_NOT_FOUND');
    if (p.status !== 'pending') return { paymentId: p.id, status: p.status, changed: false };
    await applyEvent(tx, core, p, event);
    return { paymentId: p.id, status: event.type === 'payment.succeeded' ? 'succeeded' : event.type === 'payment.failed' ? 'failed' : 'cancelled', changed: true };
  });
}

export async function applyEvent(tx: Tx, core: Core, p: PaymentRow, event: ProviderEvent): Promise<void> {
  const ctx = systemCtx('payment-provider');
  const now = core.clock.now();
  const sub = (await tx.query<{ msisdn: string; language: 'ru' | 'en'; customer_id: number }>('SELECT msisdn, language, customer_id FROM subscriber WHERE id = $1', [p.subscriber_id]))[0];
  if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND');
  if (event.type !== 'payment.succeeded') {
    const status = event.type === 'payment.failed' ? 'failed' : 'cancelled';
    const reason = event.type === 'payment.failed' ? event.reason : null;
    await tx.query('UPDATE payment SET status = $2, failure_reason = $3, updated_at = $4 WHERE id = $1', [p.id, status, reason, now]);
    await recordAudit(tx, core, ctx, { action: `payment.${status}`, subscriberId: p.subscriber_id, customerId: sub.customer_id, outcome: 'failed', details: { paymentId: p.id, amount: p.amount, reason } });
    return;
  }
  let cardId: number | null = null;
  if (event.card && p.save_card) {
    const c = event.card;
    const saved = await tx.query<{ id: number }>(
      `INSERT INTO saved_card (account_id, subscriber_id, provider, token, last4, brand, expiry, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (provider, token) DO NOTHING RETURNING id`,
      [p.account_id, p.subscriber_id, p.provider, c.token, c.last4, c.brand, c.expiry, now],
    );
    cardId = saved[0]?.id ?? null;
  }
  await tx.query('UPDATE payment SET status = $2, card_id = COALESCE($3, card_id), updated_at = $4 WHERE id = $1', [p.id, 'succeeded', cardId, now]);
  await postEntry(tx, { accountId: p.account_id, subscriberId: p.subscriber_id, amount: p.amount, kind: 'payment', category: 'payment', idempotencyKey: `payment:${p.id}`, reference: p.id, description: `payment (${p.provider})`, at: now });
  const repaid = await repayPromisedFromTopUp(tx, p.account_id, p.subscriber_id, p.amount, now, p.id);
  await applyBalanceRules(tx, core, ctx, [p.account_id]);
  await recordAudit(tx, core, ctx, { action: 'payment.succeeded', subscriberId: p.subscriber_id, customerId: sub.customer_id, details: { paymentId: p.id, amount: p.amount, purpose: p.purpose, promisedRepaid: repaid } });
  const { balance } = mustExist((await readBalances(tx, { accountIds: [p.account_id] }, now))[0], 'balance');
  const text =
    sub.language === 'en'
      ? `Payment of ${formatMoney(p.amount, 'en')} received. Balance ${formatMoney(balance, 'en')}.`
      : `Платёж ${formatMoney(p.amount, 'ru')} зачислен. Баланс ${formatMoney(balance, 'ru')}.`;
  await enqueueSms(tx, { msisdn: sub.msisdn, text, kind: 'payment', at: now });
}

/** A webhook as it arrived: checked by the provider's own signature rule, then settled. */
export async function receiveWebhook(core: Core, rawBody: string, headers: Record<string, string | string[] | undefined>) {
  const event = core.payments.parseWebhook(rawBody, headers);
  if (!event) throw new DomainError('FORBIDDEN', { reason: 'bad_signature' });
  return settlePayment(core, event);
}
