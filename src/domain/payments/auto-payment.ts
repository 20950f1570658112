import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { systemCtx } from '../shared/context.ts';
import { DomainError, isDomainError } from '../shared/errors.ts';
import { billingDayIn, localDayOfMonth } from '../shared/local-time.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { MAX_TOP_UP, MIN_TOP_UP, payWithSavedCard } from './top-up.ts';

export interface AutoPaymentSettings {
  mode: 'threshold' | 'monthly';
  amount: number;
  threshold?: number | null;
  dayOfMonth?: number | null;
  cardId: number;
  dailyLimit?: number;
  monthlyLimit?: number;
}

const columns = `enabled, mode, threshold, amount, day_of_month AS "dayOfMonth", card_id AS "cardId", daily_limit AS "dailyLimit",
  monthly_limit AS "monthlyLimit", next_run_at AS "nextRunAt"`;

interface AutoPaymentRow {
  enabled: boolean;
  mode: 'threshold' | 'monthly';
  threshold: number | null;
  amount: number;
  dayOfMonth: number | null;
  cardId: number;
  dailyLimit: number;
  monthlyLimit: number;
  nextRunAt: Date | null;
}

/** What auto-payment is set to (null when it never was; `enabled` false once switched off) and its last 20 attempts. */
export async function getAutoPayment(core: Core, ctx: Ctx, input: { msisdn: string }) {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const rows = await core.db.query<AutoPaymentRow>(`SELECT ${columns} FROM auto_payment WHERE account_id = $1 AND subscriber_id = $2`, [sub.accountId, sub.id]);
  const attempts = await core.db.query<{ at: Date; trigger: string; amount: number; outcome: string; detail: string | null }>(
    'SELECT at, trigger, amount, outcome, detail FROM auto_payment_attempt WHERE account_id = $1 AND subscriber_id = $2 ORDER BY id DESC LIMIT 20',
    [sub.accountId, sub.id],
  );
  const s = rows[0];
  return {
    settings: s ? { ...s, nextRunAt: s.nextRunAt?.toISOString() ?? null } : null,
    attempts: attempts.map((a) => ({ ...a, at: a.at.toISOString() })),
  };
}

/** The answer to switching auto-payment on: when a monthly one runs next, and the ceilings in force. */
export interface AutoPaymentOn {
  enabled: true;
  nextRunAt: string | null;
  dailyLimit: number;
  monthlyLimit: number;
}

/**
 * Auto-payment: top up from a saved card when the balance falls below a threshold, or monthly on
 * a day; with daily and monthly ceilings so a fault never drains a card.
 */
export function setAutoPayment(core: Core, ctx: Ctx, input: { msisdn: string; settings: AutoPaymentSettings }): Promise<AutoPaymentOn>;
/** Settings null: switch auto-payment off. */
export function setAutoPayment(core: Core, ctx: Ctx, input: { msisdn: string; settings: null }): Promise<{ enabled: false }>;
export async function setAutoPayment(core: Core, ctx: Ctx, input: { msisdn: string; settings: AutoPaymentSettings | null }): Promise<AutoPaymentOn | { enabled: false }> {
  return runUseCase<AutoPaymentOn | { enabled: false }>(core, ctx, 'autopay.set', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const now = core.clock.now();
    const s = input.settings;
    if (!s) {
      await tx.query('UPDATE auto_payment SET enabled = false, updated_at = $3 WHERE account_id = $1 AND subscriber_id = $2', [sub.accountId, sub.id, now]);
      await recordAudit(tx, core, ctx, { action: 'autopay.off', subscriberId: sub.id, customerId: sub.customerId });
      return { enabled: false };
    }
    if (!Number.isSafeInteger(s.amount) || s.amount < MIN_TOP_UP || s.amount > MAX_TOP_UP) throw new DomainError('AMOUNT_NOT_ALLOWED', { min: MIN_TOP_UP, max: MAX_TOP_UP });
    if (s.mode === 'threshold' && !(Number.isSafeInteger(s.threshold) && s.threshold! >= 0 && s.threshold! <= 1_000_000)) throw new DomainError('VALIDATION', { field: 'threshold' });
    if (s.mode === 'monthly' && !(Number.isInteger(s.dayOfMonth) && s.dayOfMonth! >= 1 && s.dayOfMonth! <= 31)) throw new DomainError('VALIDATION', { field: 'dayOfMonth' });
    const card = await tx.query('SELECT 1 FROM saved_card WHERE account_id = $1 AND subscriber_id = $2 AND id = $3 AND removed_at IS NULL', [sub.accountId, sub.id, s.cardId]);
    if (!card.length) throw new DomainError('CARD_NOT_FOUND');
    const dailyLimit = s.dailyLimit ?? s.amount * 3;
    const monthlyLimit = s.monthlyLimit ?? s.amount * 10;
    let nextRunAt: Date | null = null;
    if (s.mode === 'monthly') {
      const thisMonth = billingDayIn(now, sub.timeZone, s.dayOfMonth!, 0);
      nextRunAt = thisMonth.getTime() > now.getTime() ? thisMonth : billingDayIn(now, sub.timeZone, s.dayOfMonth!, 1);
    }
    await tx.query(
      `INSERT INTO auto_payment (account_id, subscriber_id, enabled, mode, threshold, amount, day_of_month, card_id, daily_limit, monthly_limit, next_run_at, updated_at)
       VALUES ($1, $2, true, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (account_id, subscriber_id) DO UPDATE SET enabled = true, mode = EXCLUDED.mode, threshold = EXCLUDED.threshold, amount = EXCLUDED.amount,
         day_of_month = EXCLUDED.day_of_month, card_id = EXCLUDED.card_id, daily_limit = EXCLUDED.daily_limit, monthly_limit = EXCLUDED.monthly_limit,
         next_run_at = EXCLUDED.next_run_at, updated_at = EXCLUDED.updated_at`,
      [sub.accountId, sub.id, s.mode, s.mode === 'threshold' ? s.threshold : null, s.amount, s.mode === 'monthly' ? s.dayOfMonth : null, s.cardId, dailyLimit, monthlyLimit, nextRunAt, now],
    );
    await recordAudit(tx, core, ctx, { action: 'autopay.set', subscriberId: sub.id, customerId: sub.customerId, details: { mode: s.mode, amount: s.amount } });
    return { enabled: true, nextRunAt: nextRunAt?.toISOString() ?? null, dailyLimit, monthlyLimit };
  });
}

interface Due {
  account_id: number;
  subscriber_id: number;
  msisdn: string;
  mode: 'threshold' | 'monthly';
  amount: number;
  card_id: number;
  daily_limit: number;
  monthly_limit: number;
  day_of_month: number | null;
  time_zone: string;
  spent_day: number;
  spent_month: number;
  recent: number;
}

/**
 * Runs due auto-payments: thresholds crossed and monthly dates reached. Each attempt is recorded
 * with its outcome; a threshold top-up is not retried within an hour of the last attempt.
 */
export async function runAutoPayments(core: Core, opts: { now: Date }): Promise<{ attempted: number; succeeded: number }> {
  const now = opts.now;
  const DAY = 86_400_000;
  const due = await core.db.query<Due>(
    `SELECT ap.account_id, ap.subscriber_id, s.msisdn, ap.mode, ap.amount, ap.card_id, ap.daily_limit, ap.monthly_limit, ap.day_of_month, r.time_zone,
            COALESCE((SELECT SUM(amount) FROM auto_payment_attempt t WHERE t.account_id = ap.account_id AND t.outcome = 'succeeded' AND t.at > $2), 0)::bigint AS spent_day,
            COALESCE((SELECT SUM(amount) FROM auto_payment_attempt t WHERE t.account_id = ap.account_id AND t.outcome = 'succeeded' AND t.at > $3), 0)::bigint AS spent_month,
            (SELECT count(*) FROM auto_payment_attempt t WHERE t.account_id = ap.account_id AND t.at > $4)::int AS recent
       FROM auto_payment ap JOIN account a ON a.id = ap.account_id JOIN subscriber s ON s.id = ap.subscriber_id JOIN region r ON r.code = s.region_code
      WHERE ap.enabled AND ((ap.mode = 'threshold' AND a.balance < ap.threshold) OR (ap.mode = 'monthly' AND ap.next_run_at <= $1))`,
    [now, new Date(now.getTime() - DAY), new Date(now.getTime() - 30 * DAY), new Date(now.getTime() - 3_600_000)],
  );
  let attempted = 0;
  let succeeded = 0;
  for (const d of due) {
    if (d.mode === 'threshold' && d.recent > 0) continue;
    const trigger = d.mode === 'threshold' ? 'threshold' : 'monthly';
    let outcome = 'succeeded';
    let detail: string | null = null;
    let paymentId: string | null = null;
    if (d.spent_day + d.amount > d.daily_limit || d.spent_month + d.amount > d.monthly_limit) {
      outcome = 'limit_reached';
    } else {
      try {
        const ctx = { ...systemCtx('auto-payment'), idempotencyKey: `autopay:${d.subscriber_id}:${trigger}:${now.toISOString()}` };
        paymentId = (await payWithSavedCard(core, ctx, { msisdn: d.msisdn, amount: d.amount, cardId: d.card_id, purpose: 'autopay' })).paymentId;
      } catch (e) {
        if (!isDomainError(e)) throw e;
        outcome = 'failed';
        detail = e.code === 'PAYMENT_FAILED' ? String(e.params.reason) : e.code;
        paymentId = typeof e.params.paymentId === 'string' ? e.params.paymentId : null;
      }
    }
    attempted++;
    if (outcome === 'succeeded') succeeded++;
    await core.db.query(
      'INSERT INTO auto_payment_attempt (account_id, subscriber_id, at, trigger, amount, outcome, payment_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [d.account_id, d.subscriber_id, now, trigger, d.amount, outcome, paymentId, detail],
    );
    if (d.mode === 'monthly') {
      const anchor = d.day_of_month ?? localDayOfMonth(now, d.time_zone);
      await core.db.query('UPDATE auto_payment SET next_run_at = $3 WHERE account_id = $1 AND subscriber_id = $2', [d.account_id, d.subscriber_id, billingDayIn(now, d.time_zone, anchor, 1)]);
    }
  }
  return { attempted, succeeded };
}
