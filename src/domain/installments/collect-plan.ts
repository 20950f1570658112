import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { available } from '../ledger/funds.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import { systemCtx } from '../shared/context.ts';
import { loadSubscriberById } from '../subscribers/access.ts';
import { overdueText, reminderText } from './notices.ts';
import { findPlan, localDate, paymentsOf, payRows, settleStatus, type PlanStatus } from './schedule.ts';

/** A reminder goes out this long before a due date. */
export const REMINDER_BEFORE_MS = 3 * 86_400_000;

export interface CollectOutcome {
  paid: number;
  paidSeqs: number[];
  overdue: number;
  reminders: number;
  overdueNotices: number;
  status: PlanStatus | null;
}

/**
 * One step of the installment job for one plan, in one transaction on its account: takes every
 * payment whose date has come while the balance covers it (oldest first), marks the plan overdue
 * and tells the subscriber once per payment when it does not, and sends the reminder due three
 * days before a payment, once per payment. Safe to run any number of times.
 */
export async function collectPlan(core: Core, p: { accountId: number; planId: number; now: Date }): Promise<CollectOutcome> {
  const { now } = p;
  return core.db.tx(async (tx) => {
    const outcome: CollectOutcome = { paid: 0, paidSeqs: [], overdue: 0, reminders: 0, overdueNotices: 0, status: null };
    const head = await findPlan(tx, p.accountId, p.planId);
    if (!head || head.status === 'paid') return outcome;
    // The account first, as every money action locks it, then the plan and its rows.
    const sub = await loadSubscriberById(tx, head.subscriberId, true);
    const plan = await findPlan(tx, p.accountId, p.planId, { lock: true });
    if (!sub || !plan || plan.status === 'paid') return outcome;
    const unpaid = await paymentsOf(tx, plan.accountId, plan.id, { unpaidOnly: true, lock: true });
    const due = unpaid.filter((r) => r.dueAt.getTime() <= now.getTime());
    let funds = available(sub);
    const collect = [];
    for (const row of due) {
      if (row.amount > funds) break;
      collect.push(row);
      funds -= row.amount;
    }
    const ctx = systemCtx('installments');
    if (collect.length) {
      outcome.paid = await payRows(tx, plan, collect, now);
      outcome.paidSeqs = collect.map((r) => r.seq);
      await recordAudit(tx, core, ctx, {
        action: 'installment.collect',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { plan: plan.id, paid: outcome.paid, seqs: outcome.paidSeqs },
      });
    }
    const missed = due.slice(collect.length);
    if (missed.length) {
      outcome.overdue = missed.reduce((s, r) => s + r.amount, 0);
      if (plan.status !== 'overdue') {
        await tx.query("UPDATE installment_plan SET status = 'overdue' WHERE account_id = $1 AND id = $2", [plan.accountId, plan.id]);
        plan.status = 'overdue';
        await recordAudit(tx, core, ctx, {
          action: 'installment.overdue',
          subscriberId: sub.id,
          customerId: sub.customerId,
          details: { plan: plan.id, owed: outcome.overdue, seqs: missed.map((r) => r.seq) },
        });
      }
      const fresh = await tx.query<{ seq: number }>(
        `UPDATE installment_payment SET overdue_notified_at = $3
          WHERE account_id = $1 AND plan_id = $2 AND seq = ANY($4::smallint[]) AND overdue_notified_at IS NULL RETURNING seq`,
        [plan.accountId, plan.id, now, missed.map((r) => r.seq)],
      );
      if (fresh.length) {
        await enqueueSms(tx, { msisdn: sub.msisdn, text: overdueText(sub.language, { device: plan.deviceName, amount: outcome.overdue }), kind: 'installment.overdue', at: now });
        outcome.overdueNotices = 1;
      }
    }
    const upcoming = unpaid.filter((r) => r.dueAt.getTime() > now.getTime() && r.dueAt.getTime() - REMINDER_BEFORE_MS <= now.getTime() && !r.remindedAt);
    for (const row of upcoming) {
      const marked = await tx.query(
        `UPDATE installment_payment SET reminded_at = $4 WHERE account_id = $1 AND plan_id = $2 AND seq = $3 AND reminded_at IS NULL RETURNING seq`,
        [plan.accountId, plan.id, row.seq, now],
      );
      if (!marked.length) continue;
      const text = reminderText(sub.language, { device: plan.deviceName, amount: row.amount, date: localDate(row.dueAt, sub.timeZone) });
      await enqueueSms(tx, { msisdn: sub.msisdn, text, kind: 'installment.reminder', at: now });
      outcome.reminders += 1;
    }
    outcome.status = await settleStatus(tx, plan, now);
    return outcome;
  });
}
