import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from './context.ts';
import { isDomainError } from './errors.ts';
import { balanceBoundRefusal } from '../ledger/balance-bound.ts';

export interface Subject {
  subscriberId?: number | null;
  customerId?: number | null;
}

/**
 * Runs a state-changing use case in one transaction. A refusal rolls the work back and is then
 * audited on its own, so the log shows what was attempted as well as what was done.
 */
export async function runUseCase<T>(
  core: Core,
  ctx: Ctx,
  action: string,
  fn: (tx: Tx, subject: Subject) => Promise<T>,
): Promise<T> {
  const subject: Subject = {};
  try {
    return await core.db.tx((tx) => fn(tx, subject));
  } catch (thrown) {
    // A batch that would push a balance past the store's bound is a refusal, not a crash.
    const e = balanceBoundRefusal(thrown) ?? thrown;
    if (isDomainError(e)) {
      await recordAudit(core.db, core, ctx, {
        action,
        subscriberId: subject.subscriberId ?? null,
        customerId: subject.customerId ?? null,
        outcome: 'refused',
        details: { code: e.code, ...e.params },
      }).catch((err: unknown) => core.log.error({ err, requestId: ctx.requestId }, 'audit of a refusal failed'));
    }
    throw e;
  }
}
