import type { Core } from '../domain/core.ts';
import { runBulkOperations, type BulkRunResult } from '../domain/business/run-bulk.ts';
import { withLease } from './lease.ts';

/**
 * Bulk operations of the business portal, under a lease so one instance at a time applies them;
 * each run handles up to `maxItems` numbers and the next tick continues. A run cut short (crash,
 * restart) leaves its unfinished items pending, and the idempotency keys keep a number whose change
 * committed from being changed again.
 */
export async function businessBulkJob(core: Core, opts: { maxItems?: number } = {}): Promise<BulkRunResult | null> {
  return withLease(core, 'business-bulk', () => runBulkOperations(core, { maxItems: opts.maxItems ?? 500 }));
}
