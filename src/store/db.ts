/**
 * The store port: one PostgreSQL dialect behind two drivers.
 * PGlite (PostgreSQL in WebAssembly, in-process) is the default; `pg` talks to a real server.
 * The domain sees only `Db` and `Tx`; which driver runs underneath is decided at start.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type Tx = Queryable;

export type ParamType = 'bigint' | 'text' | 'timestamptz' | 'bigint[]' | 'text[]' | 'timestamptz[]';

/** A prepared statement's parameter: one value, or an array of them for an `…[]` type. */
export type PreparedParam = number | string | Date | null | readonly (number | null)[] | readonly (string | null)[] | readonly (Date | null)[];

/**
 * A statement parsed and planned once per connection, for the hottest reads: on PGlite, where
 * planning costs more than running a key lookup, it about doubles their rate.
 */
export type Prepared<T> = (params: readonly PreparedParam[]) => Promise<T[]>;

/** A lock taken with `Db.tryLock`. */
export interface HeldLock {
  /** False once the lock is gone from under its holder (on PostgreSQL: its connection ended). */
  isHeld(): boolean;
  release(): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** A prepared statement by a unique name; `types` are its parameters' SQL types. */
  prepare<T>(name: string, sql: string, types: readonly ParamType[]): Prepared<T>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** The embedded store only: a gzipped tar of its data directory at a moment between transactions. */
  dumpDataDir?(): Promise<Blob>;
  /**
   * Takes the named lock if nobody holds it, without waiting; null when it is held. The lock lives
   * as long as its holder: a process that dies loses it at once (see the two drivers).
   */
  tryLock(name: string): Promise<HeldLock | null>;
  close(): Promise<void>;
}

/** Rows of a single-row query, or a clear failure when the row is missing. */
export async function one<T>(q: Queryable, sql: string, params?: readonly unknown[]): Promise<T> {
  const rows = await q.query<T>(sql, params);
  const row = rows[0];
  if (row === undefined) throw new Error(`expected one row: ${sql.slice(0, 80)}`);
  return row;
}

export async function maybeOne<T>(q: Queryable, sql: string, params?: readonly unknown[]): Promise<T | undefined> {
  const rows = await q.query<T>(sql, params);
  return rows[0];
}

/**
 * Rows of a query that returns many, as one JSON text parsed by `JSON.parse`. PGlite decodes a
 * result field by field in JavaScript, about 1 µs per field whatever its type: 1,000 rows of eight
 * columns cost 9 ms that way and 2.5 ms as one `json_agg`. Use it for the batch reads of the
 * billing paths. What changes is the types: numbers and bigints (below 2^53) come as numbers,
 * jsonb as values, but `timestamptz` as ISO text — convert what you need with `new Date(…)`.
 * The rows keep the order of `sql`'s own ORDER BY: PostgreSQL aggregates a sorted subquery in
 * its order.
 */
export async function jsonRows<T>(q: Queryable, sql: string, params?: readonly unknown[]): Promise<T[]> {
  const res = await q.query<{ rows: string }>(`SELECT coalesce(json_agg(r), '[]')::text AS rows FROM (${sql}) r`, params);
  return JSON.parse(res[0]!.rows) as T[];
}

/**
 * Times read through `jsonRows`/`jsonOf` come as ISO text. This parses them, one `Date` per
 * distinct text: a batch's rows share a few (period bounds, due times). Treat the dates as shared.
 */
export function timeParser(): (text: string) => Date {
  const known = new Map<string, Date>();
  return (text) => {
    let d = known.get(text);
    if (d === undefined) known.set(text, (d = new Date(text)));
    return d;
  };
}

/** The one JSON value a query returns as text in a column named `j` (see `jsonRows`), parsed. */
export async function jsonOf<T>(q: Queryable, sql: string, params?: readonly unknown[]): Promise<T> {
  const res = await q.query<{ j: string }>(sql, params);
  return JSON.parse(res[0]!.j) as T;
}
