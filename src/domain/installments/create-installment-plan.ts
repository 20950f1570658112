import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { assertMinor } from '../shared/money.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { planSchedule } from './schedule.ts';
import { toPlanView, type PlanView } from './plan-view.ts';

export const MAX_INSTALLMENT_MONTHS = 36;
/** 1 000 000 ₽: the most a single device plan may be for. */
export const MAX_INSTALLMENT_TOTAL = 100_000_000;

export interface CreatePlanInput {
  msisdn: string;
  deviceName: string;
  /** Kopecks owed for the device. */
  total: number;
  months: number;
}

/**
 * Opens a device installment plan with its whole schedule. Operator staff, operator systems and
 * the demo shop (the subscriber buying a device for their own number) may open one; a business
 * admin may not. Nothing is charged now: the job takes each payment on its due date.
 */
export async function createInstallmentPlan(core: Core, ctx: Ctx, input: CreatePlanInput): Promise<PlanView> {
  return runUseCase(core, ctx, 'installment.create', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    if (ctx.actor.kind === 'business_admin') throw new DomainError('FORBIDDEN', { reason: 'installments_by_operator_or_subscriber' });
    const deviceName = input.deviceName.trim();
    if (deviceName.length < 1 || deviceName.length > 200) throw new DomainError('VALIDATION', { field: 'deviceName' });
    if (!Number.isInteger(input.months) || input.months < 1 || input.months > MAX_INSTALLMENT_MONTHS) throw new DomainError('VALIDATION', { field: 'months' });
    if (!Number.isSafeInteger(input.total) || input.total < input.months || input.total > MAX_INSTALLMENT_TOTAL) throw new DomainError('VALIDATION', { field: 'total' });
    assertMinor(input.total);
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'installment.create', { sub: sub.id, d: deviceName, t: input.total, m: input.months }, async () => {
      if (sub.status !== 'active') throw new DomainError('SUBSCRIBER_BLOCKED', { status: sub.status });
      const now = core.clock.now();
      const { monthlyAmount, dayOfMonth, lines } = planSchedule(input.total, input.months, now, sub.timeZone);
      const [plan] = await tx.query<{ id: number }>(
        `INSERT INTO installment_plan (account_id, subscriber_id, device_name, total, months, monthly_amount, day_of_month, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8) RETURNING id`,
        [sub.accountId, sub.id, deviceName, input.total, input.months, monthlyAmount, dayOfMonth, now],
      );
      const planId = mustExist(plan, 'installment plan').id;
      for (const l of lines) {
        await tx.query('INSERT INTO installment_payment (account_id, plan_id, seq, due_at, amount) VALUES ($1, $2, $3, $4, $5)', [
          sub.accountId,
          planId,
          l.seq,
          l.dueAt,
          l.amount,
        ]);
      }
      await recordAudit(tx, core, ctx, {
        action: 'installment.create',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { plan: planId, device: deviceName, total: input.total, months: input.months },
      });
      return toPlanView(
        { id: planId, accountId: sub.accountId, subscriberId: sub.id, deviceName, total: input.total, months: input.months, monthlyAmount, dayOfMonth, status: 'active', createdAt: now, closedAt: null },
        lines.map((l) => ({ ...l, paidAt: null, remindedAt: null, overdueNotifiedAt: null })),
        now,
        sub.timeZone,
      );
    });
  });
}
