import { issueDueBills } from '../domain/bills/issue-bills.ts';
import type { Core } from '../domain/core.ts';
import { withLease } from './lease.ts';

/** Issues the monthly bills due (each billing account's month ended in its local time), a batch per run. */
export async function billsJob(core: Core, opts: { now?: Date; limit?: number } = {}): Promise<{ issued: string[] } | null> {
  return withLease(core, 'bills', () => issueDueBills(core, opts));
}
