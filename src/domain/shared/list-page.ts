import type { Queryable } from '../../store/db.ts';
import { capLimit, withinCap } from './operator-access.ts';

/** A page of a list cut by the store: `limit` rows from `offset`, in the list's order. */
export interface StorePage {
  offset: number;
  limit: number;
}

/** A condition over a list's columns (alias x): adds its values to `params`, returns the SQL (see channels/tmf/filter-sql.ts). */
export type SqlFilter = (params: unknown[]) => string;

/** Rows of a list; `total` (all rows that match) when the store cut the page. */
export type Paged<T> = T[] & { total?: number };

/** A list with nothing in it (an id or number that cannot match), with its total when a page was asked for. */
export function emptyPage(page?: StorePage): Paged<never> {
  return Object.assign([], page ? { total: 0 } : {});
}

/**
 * Reads a list in `order` (which must name a unique key last, so pages neither repeat nor skip a
 * row): with `page`, only that page and a `count(*)` of all that match; without, every row (more
 * than listCap is a refusal asking for a narrower filter, see withinCap). `sql` is the list's
 * query without ORDER BY or LIMIT; its parameters are `params`.
 */
export async function readPage<T>(q: Queryable, sql: string, params: unknown[], order: string, page?: StorePage): Promise<Paged<T>> {
  if (!page) return withinCap(await q.query<T>(`SELECT * FROM (${sql}) x ORDER BY ${order} LIMIT ${capLimit()}`, params));
  const n = params.length;
  const rows = await q.query<T>(`SELECT * FROM (${sql}) x ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, page.limit, page.offset]);
  // A page past the end, or a short one, tells the total without counting.
  const total =
    rows.length > 0 && rows.length < page.limit
      ? page.offset + rows.length
      : Number((await q.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM (${sql}) x`, params))[0]?.n ?? 0);
  return Object.assign(rows, { total });
}

/** One part of a list read in parts (see readParts): its query, parameters and order. */
export interface ListPart {
  sql: string;
  params: unknown[];
  order: string;
}

/**
 * Reads a list made of parts one after the other (a billing account's accounts, then its
 * contracts), each part in its own order, so that each page is read through the part's own index
 * rather than by sorting their union: with `page`, only the rows of that page, part by part, and
 * the total (each part counted); without, every row (within listCap, see withinCap).
 */
export async function readParts<T>(q: Queryable, parts: ListPart[], page?: StorePage): Promise<Paged<T>> {
  if (!page) {
    const rows: T[] = [];
    for (const p of parts) rows.push(...(await q.query<T>(`SELECT * FROM (${p.sql}) x ORDER BY ${p.order} LIMIT ${capLimit()}`, p.params)));
    return withinCap(rows);
  }
  const rows: T[] = [];
  let { offset, limit } = page;
  let total = 0;
  for (const p of parts) {
    const n = Number((await q.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM (${p.sql}) x`, p.params))[0]?.n ?? 0);
    if (limit > 0 && offset < n) {
      const k = p.params.length;
      const got = await q.query<T>(`SELECT * FROM (${p.sql}) x ORDER BY ${p.order} LIMIT $${k + 1} OFFSET $${k + 2}`, [...p.params, limit, offset]);
      rows.push(...got);
      limit -= got.length;
    }
    offset = Math.max(0, offset - n);
    total += n;
  }
  return Object.assign(rows, { total });
}
