import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { requestFingerprint } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import { settlePayment } from './settle-payment.ts';

export const MIN_TOP_UP = 1000; // 10 ₽
export const MAX_TOP_UP = 1_500_000; // 15 000 ₽

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < MIN_TOP_UP || amount > MAX_TOP_UP) throw new DomainError('AMOUNT_NOT_ALLOWED', { min: MIN_TOP_UP, max: MAX_TOP_UP });
}

/** How long a repeat of a key waits for the first request to get its answer from the provider. */
const WAIT_FOR_FIRST_MS = 5000;
const POLL_MS = 25;

interface PaymentState {
  id: string;
  status: string;
  amount: number;
  confirmation_url: string | null;
  provider_ref: string | null;
  card_id: number | null;
  request_hash: string | null;
}

const stateColumns = 'id, status, amount, confirmation_url, provider_ref, card_id, request_hash';

async function paymentByKey(tx: Tx, accountId: number, key: string): Promise<PaymentState | undefined> {
  const rows = await tx.query<PaymentState>(`SELECT ${stateColumns} FROM payment WHERE account_id = $1 AND idempotency_key = $2`, [accountId, key]);
  return rows[0];
}

/** The payment a key made before, when the request is the same; the key with another request is refused. */
function sameRequest(prior: PaymentState, hash: string, amount: number, key: string): PaymentState {
  // Rows from before request hashes were kept are compared by amount, all they can tell.
  const same = prior.request_hash === null ? prior.amount === amount : prior.request_hash === hash;
  if (!same) throw new DomainError('IDEMPOTENCY_KEY_REUSED', { key });
  return prior;
}

/**
 * Writes the payment row (committed by the caller's transaction before the provider hears of it),
 * or finds the one its idempotency key already made. On PostgreSQL the INSERT of a key that a
 * request still in its transaction has inserted waits until that request commits, then finds its
 * row; on PGlite transactions run one at a time. Either way a key has one row, and one answer.
 */
async function claimPayment(
  tx: Tx,
  core: Core,
  ctx: Ctx,
  sub: SubscriberRow,
  p: { amount: number; purpose: string; saveCard: boolean; cardId?: number | null; hash: string },
  beforeInsert: () => Promise<void> = async () => undefined,
): Promise<{ id: string; prior: PaymentState | null }> {
  const key = ctx.idempotencyKey;
  if (key) {
    const prior = await paymentByKey(tx, sub.accountId, key);
    if (prior) return { id: prior.id, prior: sameRequest(prior, p.hash, p.amount, key) };
  }
  await beforeInsert();
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO payment (id, account_id, subscriber_id, provider, purpose, amount, status, save_card, card_id, channel, idempotency_key, request_hash, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11, $12, $12)
     ON CONFLICT (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
    [randomUUID(), sub.accountId, sub.id, core.payments.name, p.purpose, p.amount, p.saveCard, p.cardId ?? null, ctx.channel, key ?? null, p.hash, core.clock.now()],
  );
  const inserted = rows[0];
  if (inserted) return { id: inserted.id, prior: null };
  // The key was taken by a request that committed while this INSERT waited: its row is visible now.
  const prior = key ? await paymentByKey(tx, sub.accountId, key) : undefined;
  if (!key || !prior) throw new DomainError('CONFLICT', { reason: 'payment key taken but its payment not found' });
  return { id: prior.id, prior: sameRequest(prior, p.hash, p.amount, key) };
}

/**
 * A repeat waits (a bounded poll of the row) until the first request has what the answer needs:
 * the provider's link, or the saved-card charge's outcome. Returns the row as it is at the end.
 */
async function waitForFirst(core: Core, id: string, ready: (p: PaymentState) => boolean): Promise<PaymentState> {
  const until = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const rows = await core.db.query<PaymentState>(`SELECT ${stateColumns} FROM payment WHERE id = $1`, [id]);
    const row = rows[0];
    if (!row) throw new DomainError('PAYMENT_NOT_FOUND');
    if (ready(row) || Date.now() >= until) return row;
    await delay(POLL_MS);
  }
}

/** Stores what the provider answered for the payment; a different payment for the same row is refused. */
async function recordProviderPayment(core: Core, id: string, providerRef: string, confirmationUrl: string | null): Promise<void> {
  const updated = await core.db.query(
    `UPDATE payment SET provider_ref = $2, confirmation_url = COALESCE($3, confirmation_url)
      WHERE id = $1 AND (provider_ref IS NULL OR provider_ref = $2) RETURNING id`,
    [id, providerRef, confirmationUrl],
  );
  if (updated.length !== 1) throw new DomainError('CONFLICT', { reason: 'the provider answered with another payment', paymentId: id });
}

/**
 * Starts a top-up through the provider's page. The account is credited when the provider's signed
 * webhook says so (settlePayment), not when the payer comes back: the two may arrive in any order.
 *
 * The payment row is committed first, then the provider is asked under the row's id (its
 * idempotency key there), then the link is stored, and only then answered: no provider payment
 * exists without its row, and no link is given that the row does not hold. A repeat of the key
 * returns the same payment and link; if the first request has not stored its link within a few
 * seconds (it may have died after committing the row), the repeat asks the provider under the same
 * id, which returns the payment already made rather than a second one.
 */
export async function startTopUp(core: Core, ctx: Ctx, input: { msisdn: string; amount: number; saveCard?: boolean; returnUrl?: string | null }) {
  checkAmount(input.amount);
  if (!core.payments.available) throw new DomainError('PAYMENTS_UNAVAILABLE');
  const saveCard = input.saveCard ?? false;
  const returnUrl = input.returnUrl ?? null;
  const hash = requestFingerprint({ op: 'topup', amount: input.amount, saveCard, returnUrl });
  const claimed = await runUseCase(core, ctx, 'payment.start', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const c = await claimPayment(tx, core, ctx, sub, { amount: input.amount, purpose: 'topup', saveCard, hash });
    if (!c.prior) await recordAudit(tx, core, ctx, { action: 'payment.start', subscriberId: sub.id, customerId: sub.customerId, details: { paymentId: c.id, amount: input.amount } });
    return c;
  });
  const answer = (p: PaymentState) => ({ paymentId: p.id, status: p.status, confirmationUrl: p.confirmation_url, amount: p.amount });
  if (claimed.prior) {
    const now = await waitForFirst(core, claimed.id, (p) => p.confirmation_url !== null || p.status !== 'pending');
    if (now.confirmation_url !== null || now.status !== 'pending') return answer(now);
  }
  const started = await core.payments.createPayment({ paymentId: claimed.id, amount: input.amount, description: `Top-up ${input.msisdn}`, returnUrl, saveCard });
  await recordProviderPayment(core, claimed.id, started.providerRef, started.confirmationUrl);
  return { paymentId: claimed.id, status: 'pending', confirmationUrl: started.confirmationUrl, amount: input.amount };
}

/**
 * Pays from a saved card with no page to confirm (the app's one-tap top-up, the voice menu,
 * auto-payment). Keyed like startTopUp: the row first, the charge under its id, and a repeat of
 * the key waits for the first charge's outcome instead of charging again.
 */
export async function payWithSavedCard(core: Core, ctx: Ctx, input: { msisdn: string; amount: number; cardId: number; purpose?: 'topup' | 'autopay' }) {
  checkAmount(input.amount);
  if (!core.payments.available) throw new DomainError('PAYMENTS_UNAVAILABLE');
  const purpose = input.purpose ?? 'topup';
  const hash = requestFingerprint({ op: 'card', amount: input.amount, cardId: input.cardId, purpose });
  const claimed = await runUseCase(core, ctx, 'payment.card', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const cardExists = async () => {
      const cards = await tx.query('SELECT 1 FROM saved_card WHERE account_id = $1 AND subscriber_id = $2 AND id = $3 AND removed_at IS NULL', [sub.accountId, sub.id, input.cardId]);
      if (!cards[0]) throw new DomainError('CARD_NOT_FOUND');
    };
    return claimPayment(tx, core, ctx, sub, { amount: input.amount, purpose, saveCard: false, cardId: input.cardId, hash }, cardExists);
  });
  if (claimed.prior) {
    const now = await waitForFirst(core, claimed.id, (p) => p.status !== 'pending');
    if (now.status !== 'pending') return { paymentId: now.id, status: now.status };
  }
  // The token of the payment's own card, even if the card was removed since a first attempt began.
  const cards = await core.db.query<{ token: string }>('SELECT c.token FROM payment p JOIN saved_card c ON c.id = p.card_id WHERE p.id = $1', [claimed.id]);
  const card = cards[0];
  if (!card) throw new DomainError('CARD_NOT_FOUND');
  const res = await core.payments.chargeToken({ paymentId: claimed.id, amount: input.amount, token: card.token, description: `Top-up ${input.msisdn}` });
  await recordProviderPayment(core, claimed.id, res.providerRef, null);
  const settled = await settlePayment(core, res.event);
  if (settled.status !== 'succeeded') {
    throw new DomainError('PAYMENT_FAILED', { reason: res.event.type === 'payment.failed' ? res.event.reason : 'cancelled', paymentId: claimed.id });
  }
  return { paymentId: claimed.id, status: settled.status };
}
