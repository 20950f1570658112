import type { Core } from '../domain/core.ts';
import { checkSpendingLimits, type LimitCheckResult } from '../domain/business/limits.ts';
import { withLease } from './lease.ts';

/** Spending limits of corporate numbers, checked under a lease; each limit acts once a month anyway. */
export async function businessLimitsJob(core: Core, opts: { now?: Date } = {}): Promise<LimitCheckResult | null> {
  return withLease(core, 'business-limits', () => checkSpendingLimits(core, { now: opts.now }));
}
