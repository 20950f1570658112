import { DomainError } from '../shared/errors.ts';

/**
 * The store's refusal of a balance beyond ±MAX_BALANCE_KOPECKS (the account_balance_bounded
 * constraint, checked by the ledger trigger) as the domain's own refusal, or null for any other error.
 */
export function balanceBoundRefusal(e: unknown): DomainError | null {
  const err = e as { code?: string; constraint?: string } | null;
  if (err?.code === '23514' && err.constraint === 'account_balance_bounded') return new DomainError('BALANCE_LIMIT_EXCEEDED');
  return null;
}
