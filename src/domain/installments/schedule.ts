import { DateTime } from 'luxon';
import type { Queryable } from '../../store/db.ts';
import { charge } from '../billing/charge.ts';
import { billingDayIn, localDayOfMonth } from '../shared/local-time.ts';

export type PlanStatus = 'active' | 'overdue' | 'paid';

export interface ScheduleLine {
  seq: number;
  dueAt: Date;
  amount: number;
}

/**
 * The payments of a plan started at `start`: equal monthly amounts rounded down, the last one
 * taking the remainder so they sum exactly to the total; each due at local midnight of the plan's
 * day of month, clamped to the month's last day (a plan started on 31 January pays on 28 February).
 */
export function planSchedule(total: number, months: number, start: Date, tz: string): { monthlyAmount: number; dayOfMonth: number; lines: ScheduleLine[] } {
  const monthlyAmount = Math.floor(total / months);
  const dayOfMonth = localDayOfMonth(start, tz);
  const lines: ScheduleLine[] = [];
  for (let seq = 1; seq <= months; seq++) {
    lines.push({ seq, dueAt: billingDayIn(start, tz, dayOfMonth, seq), amount: seq === months ? total - monthlyAmount * (months - 1) : monthlyAmount });
  }
  return { monthlyAmount, dayOfMonth, lines };
}

export interface PlanRow {
  id: number;
  accountId: number;
  subscriberId: number;
  deviceName: string;
  total: number;
  months: number;
  monthlyAmount: number;
  dayOfMonth: number;
  status: PlanStatus;
  createdAt: Date;
  closedAt: Date | null;
}

export interface PaymentRow {
  seq: number;
  dueAt: Date;
  amount: number;
  paidAt: Date | null;
  remindedAt: Date | null;
  overdueNotifiedAt: Date | null;
}

const planColumns = `id, account_id AS "accountId", subscriber_id AS "subscriberId", device_name AS "deviceName", total, months,
  monthly_amount AS "monthlyAmount", day_of_month AS "dayOfMonth", status, created_at AS "createdAt", closed_at AS "closedAt"`;
const paymentColumns = `seq, due_at AS "dueAt", amount, paid_at AS "paidAt", reminded_at AS "remindedAt", overdue_notified_at AS "overdueNotifiedAt"`;

export async function findPlan(q: Queryable, accountId: number, planId: number, opts: { lock?: boolean } = {}): Promise<PlanRow | undefined> {
  const rows = await q.query<PlanRow>(`SELECT ${planColumns} FROM installment_plan WHERE account_id = $1 AND id = $2${opts.lock ? ' FOR UPDATE' : ''}`, [accountId, planId]);
  return rows[0];
}

export async function plansOf(q: Queryable, accountId: number, subscriberId: number): Promise<PlanRow[]> {
  return q.query<PlanRow>(`SELECT ${planColumns} FROM installment_plan WHERE account_id = $1 AND subscriber_id = $2 ORDER BY id`, [accountId, subscriberId]);
}

export async function paymentsOf(q: Queryable, accountId: number, planId: number, opts: { unpaidOnly?: boolean; lock?: boolean } = {}): Promise<PaymentRow[]> {
  return q.query<PaymentRow>(
    `SELECT ${paymentColumns} FROM installment_payment WHERE account_id = $1 AND plan_id = $2${opts.unpaidOnly ? ' AND paid_at IS NULL' : ''}
      ORDER BY seq${opts.lock ? ' FOR UPDATE' : ''}`,
    [accountId, planId],
  );
}

/**
 * Takes the given schedule rows from the balance through charge(), one ledger entry per row. The
 * entry's key is the row, so a row is paid once however many times it is attempted.
 */
export async function payRows(q: Queryable, plan: PlanRow, rows: PaymentRow[], at: Date): Promise<number> {
  let paid = 0;
  for (const row of rows) {
    const entry = await charge(q, {
      accountId: plan.accountId,
      subscriberId: plan.subscriberId,
      amount: row.amount,
      kind: 'fee',
      category: 'one_off',
      idempotencyKey: `installment:${plan.id}:${row.seq}`,
      reference: `installment:${plan.id}`,
      description: `installment ${row.seq}/${plan.months}: ${plan.deviceName}`,
      at,
    });
    await q.query('UPDATE installment_payment SET paid_at = $4, ledger_entry_id = $5 WHERE account_id = $1 AND plan_id = $2 AND seq = $3 AND paid_at IS NULL', [
      plan.accountId,
      plan.id,
      row.seq,
      at,
      entry.id,
    ]);
    if (entry.booked) paid += row.amount;
  }
  return paid;
}

/**
 * The plan's status after payments: paid when nothing is left; an overdue plan becomes active
 * again once nothing past its due date is unpaid. Only the collection job makes a plan overdue.
 */
export async function settleStatus(q: Queryable, plan: PlanRow, at: Date): Promise<PlanStatus> {
  const left = await paymentsOf(q, plan.accountId, plan.id, { unpaidOnly: true });
  let status: PlanStatus = plan.status;
  if (left.length === 0) status = 'paid';
  else if (plan.status === 'overdue' && !left.some((r) => r.dueAt.getTime() <= at.getTime())) status = 'active';
  if (status !== plan.status) {
    await q.query('UPDATE installment_plan SET status = $3, closed_at = $4 WHERE account_id = $1 AND id = $2', [
      plan.accountId,
      plan.id,
      status,
      status === 'paid' ? at : null,
    ]);
  }
  return status;
}

export function localDate(at: Date, tz: string): string {
  return DateTime.fromJSDate(at, { zone: tz }).toFormat('dd.MM.yyyy');
}
