import type { Queryable, Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { CatalogSettings } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import { postEntry } from '../ledger/post-entry.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { formatMoney } from '../shared/money.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import { averageMonthlySpend } from './average-spend.ts';
import { applyBalanceRules } from './balance-rules.ts';
import { charge } from './charge.ts';

type Settings = CatalogSettings['promisedPayment'];

/** The smallest promised payment, and the step of amounts: whole roubles. */
export const PROMISED_MIN_AMOUNT = 100;

export interface PromisedOffer {
  available: boolean;
  reason: 'active' | 'trust_limit' | null;
  maxAmount: number;
  /** Suggested amounts (kopecks) with their fees; any whole ruble amount up to maxAmount is allowed. */
  options: { amount: number; fee: number }[];
  termDays: number;
  active: { amount: number; fee: number; repaid: number; dueAt: string } | null;
}

/** The fee of the first tier the amount fits in ("free up to 30 ₽, then fixed fees"). */
export function promisedFee(s: Settings, amount: number): number {
  const tier = s.fees.find((f) => amount <= f.upTo) ?? s.fees[s.fees.length - 1]!;
  return tier.fee;
}

export function promisedMax(s: Settings, avgMonthlySpend: number): number {
  let max = 0;
  for (const t of s.tiers) if (avgMonthlySpend >= t.minMonthlySpend) max = Math.max(max, t.maxAmount);
  return max;
}

async function activePromised(q: Queryable, accountId: number) {
  const rows = await q.query<{ id: number; amount: number; fee: number; repaid: number; due_at: Date }>(
    "SELECT id, amount, fee, repaid, due_at FROM promised_payment WHERE account_id = $1 AND status = 'active'",
    [accountId],
  );
  return rows[0];
}

async function offerFor(q: Queryable, sub: SubscriberRow, now: Date): Promise<PromisedOffer> {
  const s = (await getSettings(q)).promisedPayment;
  const active = await activePromised(q, sub.accountId);
  const max = promisedMax(s, await averageMonthlySpend(q, sub.accountId, now));
  const steps = [3000, 5000, 10_000, 20_000, 30_000, 50_000, 100_000, 150_000, 300_000, 500_000].filter((a) => a <= max);
  // A contract's number has credit while its company's pool has a limit, used up or not.
  const hasCredit =
    sub.poolContractId !== null
      ? Number((await q.query<{ credit_limit: number }>('SELECT credit_limit FROM contract WHERE id = $1', [sub.poolContractId]))[0]?.credit_limit ?? 0) > 0
      : sub.creditLimit > 0;
  const reason = active ? 'active' : hasCredit ? 'trust_limit' : null;
  return {
    available: reason === null && max > 0,
    reason,
    maxAmount: max,
    options: steps.map((amount) => ({ amount, fee: promisedFee(s, amount) })),
    termDays: s.termDays,
    active: active ? { amount: active.amount, fee: active.fee, repaid: active.repaid, dueAt: active.due_at.toISOString() } : null,
  };
}

/** What the subscriber may take now: amounts by average monthly spend, fee by amount, term. */
export async function getPromisedPaymentOffer(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<PromisedOffer> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  return offerFor(core.db, sub, core.clock.now());
}

/**
 * Takes a promised payment: the amount is credited now, the fee charged, and it is due in the
 * catalog's term. One at a time, and not while a trust limit is on. Blocked numbers come back and
 * suspended services resume, as after any top-up.
 */
export async function takePromisedPayment(core: Core, ctx: Ctx, input: { msisdn: string; amount: number }) {
  return runUseCase(core, ctx, 'promised.take', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'promised.take', { sub: sub.id, amount: input.amount }, async () => {
      const now = core.clock.now();
      const offer = await offerFor(tx, sub, now);
      if (offer.reason === 'active') throw new DomainError('PROMISED_PAYMENT_ACTIVE');
      if (offer.reason === 'trust_limit') throw new DomainError('PROMISED_PAYMENT_UNAVAILABLE', { reason: 'trust_limit' });
      if (!Number.isSafeInteger(input.amount) || input.amount < PROMISED_MIN_AMOUNT || input.amount % PROMISED_MIN_AMOUNT !== 0 || input.amount > offer.maxAmount) {
        throw new DomainError('AMOUNT_NOT_ALLOWED', { min: PROMISED_MIN_AMOUNT, max: offer.maxAmount });
      }
      const settings = (await getSettings(tx)).promisedPayment;
      const fee = promisedFee(settings, input.amount);
      const dueAt = new Date(now.getTime() + settings.termDays * 86_400_000);
      const [row] = await tx.query<{ id: number }>(
        `INSERT INTO promised_payment (account_id, subscriber_id, amount, fee, taken_at, due_at, status) VALUES ($1, $2, $3, $4, $5, $6, 'active') RETURNING id`,
        [sub.accountId, sub.id, input.amount, fee, now, dueAt],
      );
      const { id } = mustExist(row, 'promised payment');
      await postEntry(tx, { accountId: sub.accountId, subscriberId: sub.id, amount: input.amount, kind: 'promised', category: 'promised', idempotencyKey: `promised:${id}`, description: 'promised payment', at: now });
      if (fee > 0) {
        await charge(tx, { accountId: sub.accountId, subscriberId: sub.id, amount: fee, kind: 'fee', category: 'one_off', idempotencyKey: `promised-fee:${id}`, description: 'promised payment fee', at: now });
      }
      await applyBalanceRules(tx, core, ctx, [sub.accountId]);
      await recordAudit(tx, core, ctx, { action: 'promised.take', subscriberId: sub.id, customerId: sub.customerId, details: { amount: input.amount, fee, dueAt: dueAt.toISOString() } });
      const text =
        sub.language === 'en'
          ? `Promised payment of ${formatMoney(input.amount, 'en')} credited, fee ${formatMoney(fee, 'en')}. Top up by ${dueAt.toISOString().slice(0, 10)}.`
          : `Обещанный платёж ${formatMoney(input.amount, 'ru')} зачислен, комиссия ${formatMoney(fee, 'ru')}. Пополните счёт до ${dueAt.toISOString().slice(0, 10)}.`;
      await enqueueSms(tx, { msisdn: sub.msisdn, text, kind: 'promised', at: now });
      return { id, amount: input.amount, fee, dueAt: dueAt.toISOString() };
    });
  });
}

/**
 * A top-up repays the promised payment first: the part still owed is taken back from the money
 * that arrived (never more than arrived). Called inside the transaction that books the top-up.
 */
export async function repayPromisedFromTopUp(tx: Tx, accountId: number, subscriberId: number, topUp: number, at: Date, reference: string): Promise<number> {
  const active = await activePromised(tx, accountId);
  if (!active) return 0;
  const owed = active.amount - active.repaid;
  const repay = Math.min(owed, topUp);
  if (repay <= 0) return 0;
  await postEntry(tx, { accountId, subscriberId, amount: -repay, kind: 'promised', category: 'promised', idempotencyKey: `promised-repay:${active.id}:${reference}`, description: 'promised payment repaid', at });
  await tx.query(
    `UPDATE promised_payment SET repaid = repaid + $3, status = CASE WHEN repaid + $3 >= amount THEN 'repaid' ELSE status END,
            closed_at = CASE WHEN repaid + $3 >= amount THEN $4::timestamptz ELSE closed_at END
      WHERE account_id = $1 AND id = $2`,
    [accountId, active.id, repay, at],
  );
  return repay;
}

/**
 * At the due time the part not repaid stays as debt: it is taken from the balance (which may go
 * negative) and the balance rules block the number and suspend paid services as they would.
 */
export async function expirePromisedPayments(core: Core, ctx: Ctx, opts: { now: Date }): Promise<number> {
  let expired = 0;
  for (;;) {
    const n = await core.db.tx(async (tx) => {
      const due = await tx.query<{ account_id: number; id: number; subscriber_id: number; amount: number; repaid: number }>(
        `SELECT p.account_id, p.id, p.subscriber_id, p.amount, p.repaid FROM promised_payment p
          WHERE p.status = 'active' AND p.due_at <= $1 ORDER BY p.account_id LIMIT 200 FOR UPDATE SKIP LOCKED`,
        [opts.now],
      );
      if (due.length === 0) return 0;
      await tx.query('SELECT id FROM account WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [due.map((d) => d.account_id)]);
      for (const p of due) {
        const owed = p.amount - p.repaid;
        if (owed > 0) {
          await postEntry(tx, { accountId: p.account_id, subscriberId: p.subscriber_id, amount: -owed, kind: 'promised', category: 'promised', idempotencyKey: `promised-expire:${p.id}`, description: 'promised payment not repaid: debt', at: opts.now });
        }
        await tx.query("UPDATE promised_payment SET status = 'expired', closed_at = $3 WHERE account_id = $1 AND id = $2", [p.account_id, p.id, opts.now]);
        await recordAudit(tx, core, ctx, { action: 'promised.expire', subscriberId: p.subscriber_id, details: { owed } });
      }
      await applyBalanceRules(tx, core, ctx, [...new Set(due.map((d) => d.account_id))]);
      return due.length;
    });
    if (n === 0) return expired;
    expired += n;
  }
}
