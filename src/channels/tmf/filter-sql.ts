import { DomainError } from '../../domain/shared/errors.ts';
import type { SqlFilter } from '../../domain/shared/list-page.ts';
import { rublesToKopecks } from '../../domain/shared/strict-input.ts';
import { dateFilterNames, filterDate } from './conventions.ts';

/**
 * TMF attribute filters as SQL conditions over a list's columns, so that the store filters, pages
 * and counts (see readPage). Each list names, per filter it takes, the SQL expression the rendered
 * attribute comes from and how the filter's text becomes the column's value.
 */

/** A filter value no row can have (a status the list never shows, a malformed id). */
export const NO_MATCH = Symbol('no match');

export interface FilterColumn {
  /**
   * SQL over the list's own columns (`x."accountId"`, `x.msisdn`), compared with the value; or a
   * whole condition naming the value as `$v` (`$v IN (x.msisdn, x."customerId"::text)`).
   */
  sql: string;
  cast: 'text' | 'bigint' | 'timestamptz' | 'boolean';
  /** The filter's text as the column's value; NO_MATCH when nothing can match; throws VALIDATION when malformed. */
  value?: (v: string, field: string) => unknown;
  /** A date: also takes `.gt`, `.gte`, `.lt`, `.lte` (TMF630), compared to the millisecond the list shows. */
  date?: boolean;
}

export type FilterColumns = Record<string, FilterColumn>;

/** Every filter name a list takes. */
export function filterNames(columns: FilterColumns): string[] {
  return Object.entries(columns).flatMap(([name, c]) => (c.date ? dateFilterNames(name) : [name]));
}


const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * The filters (acceptedFilters' answer, names from filterNames) as one SQL condition; `FALSE`
 * when a value can match no row.
 */
export function sqlFilter(filters: Record<string, string> | undefined, columns: FilterColumns): SqlFilter {
  if (!filters) return () => 'FALSE';
  const terms: { sql: string; cast: string; op: string; value: unknown }[] = [];
  for (const [key, text] of Object.entries(filters)) {
    const [name, op] = columns[key] ? [key, undefined] : [key.slice(0, key.lastIndexOf('.')), key.slice(key.lastIndexOf('.') + 1) as keyof typeof OPS];
    const c = columns[name];
    if (!c || (op && !c.date)) throw new DomainError('VALIDATION', { field: key, message: `this list cannot be filtered by ${key}; it can by ${filterNames(columns).join(', ')}` });
    if (c.date) {
      terms.push({ sql: `date_trunc('milliseconds', ${c.sql})`, cast: 'timestamptz', op: op ? OPS[op] : '=', value: filterDate(text, key).toISOString() });
      continue;
    }
    const value = c.value ? c.value(text, key) : text;
    if (value === NO_MATCH) return () => 'FALSE';
    terms.push({ sql: c.sql, cast: c.cast, op: '=', value });
  }
  return (params) =>
    terms.length
      ? terms
          .map((t) => {
            params.push(t.value);
            const v = `$${params.length}::${t.cast}`;
            return t.sql.includes('$v') ? `(${t.sql.replaceAll('$v', () => v)})` : `${t.sql} ${t.op} ${v}`;
          })
          .join(' AND ')
      : 'TRUE';
}

/** Values for common columns. */
export const wholeId = (v: string): unknown => (/^[1-9]\d{0,14}$/.test(v) ? Number(v) : NO_MATCH);
export const bool = (v: string, field: string): boolean => {
  if (v !== 'true' && v !== 'false') throw new DomainError('VALIDATION', { field, message: 'true or false' });
  return v === 'true';
};
/**
 * A TMF666 billing account's id as one number: an account's id, or minus a contract's (`C<id>`);
 * compared as `(x.account = $v) OR (x.contract = -$v)`, each through its own key.
 */
export const billingAccountKey = (v: string): unknown => {
  const m = /^(C?)([1-9]\d{0,14})$/.exec(v);
  return m ? (m[1] ? -Number(m[2]) : Number(m[2])) : NO_MATCH;
};
/** Money's `value` in roubles as kopecks. */
export const kopecks = (v: string, field: string): number => {
  const k = rublesToKopecks(v);
  if (k === null) throw new DomainError('VALIDATION', { field, message: 'a decimal number of roubles, such as 120.50' });
  return k;
};

export type { SqlFilter };
