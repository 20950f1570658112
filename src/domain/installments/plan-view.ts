import { DateTime } from 'luxon';
import type { PaymentRow, PlanRow, PlanStatus } from './schedule.ts';

export interface ScheduleView {
  seq: number;
  dueAt: string;
  /** The day it is due, `YYYY-MM-DD` in the number's region: the schedule's own day, whatever the reader's clock. */
  dueDate: string;
  amount: number;
  /** `due`: its date has come and it is not paid yet. */
  status: 'paid' | 'due' | 'upcoming';
  paidAt: string | null;
}

export interface PlanView {
  id: number;
  deviceName: string;
  total: number;
  months: number;
  monthlyAmount: number;
  dayOfMonth: number;
  status: PlanStatus;
  paid: number;
  left: number;
  nextPayment: { seq: number; dueAt: string; amount: number } | null;
  createdAt: string;
  closedAt: string | null;
  schedule: ScheduleView[];
}

export function toPlanView(plan: PlanRow, rows: PaymentRow[], now: Date, timeZone: string): PlanView {
  const schedule = rows.map((r) => ({
    seq: r.seq,
    dueAt: r.dueAt.toISOString(),
    dueDate: DateTime.fromJSDate(r.dueAt, { zone: timeZone }).toISODate()!,
    amount: r.amount,
    status: r.paidAt ? ('paid' as const) : r.dueAt.getTime() <= now.getTime() ? ('due' as const) : ('upcoming' as const),
    paidAt: r.paidAt?.toISOString() ?? null,
  }));
  const paid = rows.filter((r) => r.paidAt).reduce((s, r) => s + r.amount, 0);
  const next = schedule.find((r) => r.status !== 'paid');
  return {
    id: plan.id,
    deviceName: plan.deviceName,
    total: plan.total,
    months: plan.months,
    monthlyAmount: plan.monthlyAmount,
    dayOfMonth: plan.dayOfMonth,
    status: plan.status,
    paid,
    left: plan.total - paid,
    nextPayment: next ? { seq: next.seq, dueAt: next.dueAt, amount: next.amount } : null,
    createdAt: plan.createdAt.toISOString(),
    closedAt: plan.closedAt?.toISOString() ?? null,
    schedule,
  };
}
