import type { Ctx } from './context.ts';
import { DomainError } from './errors.ts';

/** Reads across every subscriber (inventory, buckets, usage) are for operator integrations and staff. */
export function requireOperator(ctx: Ctx): void {
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  if (!['operator_api', 'staff', 'system'].includes(ctx.actor.kind)) throw new DomainError('FORBIDDEN');
}

/** Lists read at most this many rows; narrow them with a number filter beyond that. */
export const LIST_CAP = 10_000;
