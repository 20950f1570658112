import { runRecurringFees, type FeeRunStats } from '../domain/billing/run-recurring-fees.ts';
import type { Core } from '../domain/core.ts';
import { systemCtx } from '../domain/shared/context.ts';
import { withLease } from './lease.ts';

/**
 * The scheduled fee run, under the `fees` lease. A run whose lease is lost (its lock connection
 * ended) stops at its next batch, which rolls back: another run may hold the lease by then.
 */
export async function feeRunJob(core: Core, opts: { now?: Date; batchSize?: number; onBatch?: (s: FeeRunStats) => void } = {}): Promise<FeeRunStats | null> {
  return withLease(core, 'fees', (lease) =>
    runRecurringFees(core, systemCtx('fee-run'), {
      now: opts.now ?? core.clock.now(),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      onBatch: (s) => {
        if (!lease.isHeld()) throw new Error('the fee lease was lost; stopping this run');
        opts.onBatch?.(s);
      },
    }),
  );
}
