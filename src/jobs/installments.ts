import type { Core } from '../domain/core.ts';
import { collectPlan, REMINDER_BEFORE_MS } from '../domain/installments/collect-plan.ts';

export interface InstallmentsRun {
  plans: number;
  paid: number;
  payments: number;
  overduePlans: number;
  reminders: number;
  overdueNotices: number;
}

/**
 * The installment job: every plan with a payment due (or one due within the reminder window) is
 * collected in a transaction of its own account. Running it twice, or on two instances at once,
 * takes each payment and sends each notice exactly once.
 */
export async function runInstallments(core: Core, opts: { now: Date }): Promise<InstallmentsRun> {
  const { now } = opts;
  const run: InstallmentsRun = { plans: 0, paid: 0, payments: 0, overduePlans: 0, reminders: 0, overdueNotices: 0 };
  const plans = await core.db.query<{ account_id: number; plan_id: number }>(
    `SELECT DISTINCT account_id, plan_id FROM installment_payment
      WHERE paid_at IS NULL AND (due_at <= $1 OR (reminded_at IS NULL AND due_at <= $2))
      ORDER BY account_id, plan_id`,
    [now, new Date(now.getTime() + REMINDER_BEFORE_MS)],
  );
  for (const p of plans) {
    try {
      const o = await collectPlan(core, { accountId: p.account_id, planId: p.plan_id, now });
      run.plans += 1;
      run.paid += o.paid;
      run.payments += o.paidSeqs.length;
      if (o.overdue > 0) run.overduePlans += 1;
      run.reminders += o.reminders;
      run.overdueNotices += o.overdueNotices;
    } catch (err) {
      // One plan's failure must not stop the others; the next run tries it again.
      core.log.error({ err, job: 'installments', accountId: p.account_id, planId: p.plan_id }, 'installment collection failed');
    }
  }
  if (run.payments || run.reminders || run.overdueNotices) core.log.info({ job: 'installments', ...run }, 'installments collected');
  return run;
}
