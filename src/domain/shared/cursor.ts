import { DomainError } from './errors.ts';

/**
 * Keyset pages for the lists of the subscriber and business API (payments, usage, action history,
 * tickets, detail reports, bonus points history, orders, bulk operations): newest first by (time, id), each page asked for with the opaque `nextCursor`
 * of the page before. The cursor holds the list's name and the time and id of the last row shown;
 * the next page is every row strictly before it, so rows added meanwhile (newer) neither repeat
 * nor push older ones out of reach. The time is carried as PostgreSQL wrote it, to the
 * microsecond, so rows a millisecond apart are never skipped or repeated.
 *
 * A cursor only positions: the query under it is still the caller's own (its subscriber, its
 * company), so a cursor taken from someone else's list shows nothing of theirs.
 */
export type CursorList = 'payments' | 'usage' | 'history' | 'tickets' | 'orders' | 'bulk' | 'reports' | 'bonus';

export interface Keyset {
  /** `2026-12-07T05:40:00.123456Z`: a timestamptz as text, exact. */
  at: string;
  id: string;
}

/** SQL for the text of a timestamptz column as a Keyset's `at` (UTC, microseconds). */
export const keysetAt = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The page sizes every list takes: 50 unless asked, at most 200 (the routes refuse more with 400). */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

export function pageLimit(limit: number | undefined, fallback = PAGE_DEFAULT): number {
  return Math.min(Math.max(Math.trunc(limit ?? fallback), 1), PAGE_MAX);
}

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID = /^[0-9a-f-]{1,36}$/;

export function encodeCursor(list: CursorList, key: Keyset): string {
  return Buffer.from(JSON.stringify([list, key.at, key.id]), 'utf8').toString('base64url');
}

/** The keyset a cursor of `list` stands for; undefined (first page) when none is given. Anything else is CURSOR_INVALID. */
export function decodeCursor(list: CursorList, cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  const bad = () => new DomainError('CURSOR_INVALID', { field: 'cursor' });
  if (cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 3) throw bad();
  const [l, at, id] = v as unknown[];
  if (l !== list || typeof at !== 'string' || !AT.test(at) || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !ID.test(id)) throw bad();
  return { at, id };
}

/**
 * The page of rows fetched with `LIMIT limit + 1` (the extra row says whether more follow) and the
 * cursor of the next page, or null on the last one.
 */
export function keysetPage<R>(list: CursorList, rows: R[], limit: number, keyOf: (row: R) => Keyset): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(list, keyOf(last)) : null };
}
