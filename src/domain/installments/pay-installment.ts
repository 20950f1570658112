import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { requireFunds } from '../ledger/funds.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { findPlan, paymentsOf, payRows, settleStatus, type PlanStatus } from './schedule.ts';

export interface PayInstallmentResult {
  planId: number;
  paid: number;
  seqs: number[];
  status: PlanStatus;
  left: number;
  balance: number;
}

/**
 * Pays the plan's next payment now, ahead of its date, or with `early` everything still owed,
 * from the balance. Booked through charge() as a one-off fee, one ledger entry per schedule row.
 */
export async function payInstallment(core: Core, ctx: Ctx, input: { msisdn: string; planId: number; early?: boolean }): Promise<PayInstallmentResult> {
  return runUseCase(core, ctx, 'installment.pay', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const early = input.early ?? false;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'installment.pay', { sub: sub.id, plan: input.planId, early }, async () => {
      const plan = Number.isSafeInteger(input.planId) ? await findPlan(tx, sub.accountId, input.planId, { lock: true }) : undefined;
      if (!plan || plan.subscriberId !== sub.id) throw new DomainError('INSTALLMENT_NOT_FOUND', { plan: String(input.planId) });
      const unpaid = await paymentsOf(tx, sub.accountId, plan.id, { unpaidOnly: true, lock: true });
      if (unpaid.length === 0) throw new DomainError('CONFLICT', { reason: 'installment_paid', plan: plan.id });
      const rows = early ? unpaid : unpaid.slice(0, 1);
      const amount = rows.reduce((s, r) => s + r.amount, 0);
      requireFunds(sub, amount);
      const now = core.clock.now();
      const paid = await payRows(tx, plan, rows, now);
      const status = await settleStatus(tx, plan, now);
      const left = unpaid.reduce((s, r) => s + r.amount, 0) - amount;
      await recordAudit(tx, core, ctx, {
        action: 'installment.pay',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { plan: plan.id, paid, seqs: rows.map((r) => r.seq), early, left },
      });
      return { planId: plan.id, paid, seqs: rows.map((r) => r.seq), status, left, balance: sub.balance - paid };
    });
  });
}
