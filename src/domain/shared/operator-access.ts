import { formatNumber, plural } from '../../text/format.ts';
import type { Ctx } from './context.ts';
import { DomainError } from './errors.ts';

/** Reads across every subscriber (inventory, buckets, usage) are for operator integrations and staff. */
export function requireOperator(ctx: Ctx): void {
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  if (!['operator_api', 'staff', 'system'].includes(ctx.actor.kind)) throw new DomainError('FORBIDDEN');
}

let cap = 10_000;

/** A list read whole (not paged by the store) reads at most this many rows. */
export function listCap(): number {
  return cap;
}

/** Sets the bound listCap names: tests lower it to reach it with a few rows. */
export function setListCap(n: number): void {
  cap = n;
}

/** The SQL LIMIT of a list read whole: one row past the bound, so that reaching it is seen. */
export function capLimit(): number {
  return cap + 1;
}

/**
 * The rows of a list read whole with LIMIT capLimit(): more than the bound is a refusal (400)
 * asking for a narrower filter, never a list silently cut short.
 */
export function withinCap<T>(rows: T[], n = rows.length): T[] {
  if (n > cap) {
    const ru = `больше ${formatNumber(cap, 'ru')} ${plural(cap, 'ru', { one: 'записи', other: 'записей' })} подходит под запрос: сузьте его фильтром`;
    const en = `more than ${formatNumber(cap, 'en')} ${plural(cap, 'en', { one: 'item', other: 'items' })} match: narrow the request with a filter`;
    throw new DomainError('VALIDATION', { field: 'filter', message: `${ru} / ${en}` });
  }
  return rows;
}
