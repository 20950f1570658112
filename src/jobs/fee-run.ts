import { hostname } from 'node:os';
import { runRecurringFees, type FeeRunStats } from '../domain/billing/run-recurring-fees.ts';
import type { Core } from '../domain/core.ts';
import { systemCtx } from '../domain/shared/context.ts';
import { withLease } from './lease.ts';

export const instanceId = `${hostname()}:${process.pid}`;

/** The scheduled fee run: under the `fees` lease, renewed after every batch. */
export async function feeRunJob(core: Core, opts: { now?: Date; holder?: string; batchSize?: number; onBatch?: (s: FeeRunStats) => void } = {}): Promise<FeeRunStats | null> {
  const holder = opts.holder ?? instanceId;
  return withLease(core, 'fees', holder, 60_000, (renew) =>
    runRecurringFees(core, systemCtx('fee-run'), {
      now: opts.now ?? core.clock.now(),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      onBatch: (s) => {
        opts.onBatch?.(s);
        void renew();
      },
    }),
  );
}
