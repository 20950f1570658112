import { DomainError } from '../shared/errors.ts';

export interface AccountFunds {
  balance: number;
  creditLimit: number;
}

/** What may still be spent: the balance plus the trust credit limit. */
export function available(a: AccountFunds): number {
  return a.balance + a.creditLimit;
}

/** Refuses a charge that would take the account below its credit limit. */
export function requireFunds(a: AccountFunds, charge: number): void {
  if (charge > 0 && available(a) < charge) {
    throw new DomainError('INSUFFICIENT_FUNDS', { required: charge, available: available(a) });
  }
}
