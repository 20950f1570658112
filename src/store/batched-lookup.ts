import DataLoader from 'dataloader';
import type { Db, ParamType } from './db.ts';

type Param = number | string | Date | null;

export interface LookupSpec<K extends number | string, R> {
  /** Statement name; the batched form is prepared as `<name>_batch`. */
  name: string;
  /** The statement around its key condition: `cond` is `<keyColumn> = $1` or `<keyColumn> = ANY($1)`. */
  sql: (cond: string) => string;
  keyColumn: string;
  keyType: 'bigint' | 'text';
  /** Types of `$2`, `$3`… */
  paramTypes: readonly ParamType[];
  /** Values of `$2`, `$3`…, taken once per batch when it runs (the time, for instance). */
  params: () => readonly Param[];
  /** The key a result row answers. */
  keyOf: (row: R) => K;
}

const perDb = new WeakMap<Db, Map<string, DataLoader<number | string, unknown>>>();

/**
 * A key lookup whose concurrent callers share one statement. Every `load` made in the same turn
 * of the event loop is collected (DataLoader, without its cache) and answered at the next turn by
 * one `= ANY(keys)` read, or by the plain `= $1` read when a single key came. Nothing is kept
 * between batches: each caller sees the store as it is when its batch runs. On PGlite, whose
 * statements run one after another, fifty concurrent readers cost one statement instead of fifty.
 * At most one row per key is expected; keys without a row resolve to `undefined`.
 */
export function batchedLookup<K extends number | string, R>(db: Db, spec: LookupSpec<K, R>): (key: K) => Promise<R | undefined> {
  let loaders = perDb.get(db);
  if (!loaders) perDb.set(db, (loaders = new Map()));
  let loader = loaders.get(spec.name) as DataLoader<K, R | undefined> | undefined;
  if (!loader) {
    const one = db.prepare<R>(spec.name, spec.sql(`${spec.keyColumn} = $1`), [spec.keyType, ...spec.paramTypes]);
    const many = db.prepare<R>(`${spec.name}_batch`, spec.sql(`${spec.keyColumn} = ANY($1)`), [`${spec.keyType}[]`, ...spec.paramTypes]);
    loader = new DataLoader<K, R | undefined>(
      async (keys) => {
        const unique = [...new Set(keys)];
        const rest = spec.params();
        const rows = unique.length === 1 ? await one([unique[0]!, ...rest]) : await many([unique as number[] | string[], ...rest]);
        const byKey = new Map(rows.map((r) => [spec.keyOf(r), r]));
        return keys.map((k) => byKey.get(k));
      },
      { cache: false, maxBatchSize: 500, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
    );
    loaders.set(spec.name, loader as DataLoader<number | string, unknown>);
  }
  const l = loader;
  return (key) => l.load(key);
}
