import type { Lang } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';

/** A number's parties: the subscriber (its MSISDN is the id) and the customer who holds the contract. */
export function partiesOf(s: { msisdn: string; customerId: number; customerKind?: 'person' | 'business' }): Record<string, unknown>[] {
  return [
    { id: s.msisdn, role: 'subscriber', '@referredType': 'Individual' },
    { id: String(s.customerId), role: 'customer', '@referredType': s.customerKind === 'business' ? 'Organization' : 'Individual' },
  ];
}

/** The number a request is about: a relatedParty (or logicalResource/bucket) whose id is an MSISDN. */
export function msisdnFrom(candidates: unknown[], field: string): string {
  for (const c of candidates) {
    const v = typeof c === 'string' ? c : c && typeof c === 'object' ? ((c as Record<string, unknown>).value ?? (c as Record<string, unknown>).id) : undefined;
    const m = typeof v === 'string' ? normalizeMsisdn(v) : null;
    if (m) return m;
  }
  throw new DomainError('VALIDATION', { field, message: 'name the subscriber by MSISDN' });
}

export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

export const nameIn = (name: { ru: string; en: string }, lang: Lang): string => name[lang];
