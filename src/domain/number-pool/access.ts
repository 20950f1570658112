import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * The number pool is the operator's: its staff (web staff area) and the operator's own command line
 * (a system actor). Subscribers, business admins and API keys are refused.
 */
export function requirePoolOperator(ctx: Ctx): void {
  const a = ctx.actor;
  if (a.kind === 'staff' || a.kind === 'system') return;
  if (a.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  throw new DomainError('FORBIDDEN');
}

/** The most numbers one range may add. */
export const POOL_RANGE_MAX = 10_000;

export type PoolStatus = 'free' | 'reserved' | 'quarantined';
