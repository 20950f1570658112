import type { Core } from '../domain/core.ts';
import { generateMonthlyReports } from '../domain/business/expense-reports.ts';
import { withLease } from './lease.ts';

/** The monthly expense report of every business customer, made on the 1st for the month before. */
export async function businessMonthlyReportJob(core: Core, opts: { now?: Date } = {}): Promise<{ month: string; made: number[] } | null> {
  return withLease(core, 'business-monthly-report', () => generateMonthlyReports(core, { now: opts.now }));
}
