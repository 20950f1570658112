import DataLoader from 'dataloader';
import type { Db, ParamType } from './db.ts';

type Param = number | string | Date | null;

const perDb = new WeakMap<Db, Map<string, DataLoader<unknown, unknown>>>();

/**
 * Calls whose concurrent callers share one statement. Every call made in the same turn of the
 * event loop is collected (DataLoader, without its cache) and handed to `run` at the next turn,
 * in call order; `run` answers each input at its position. Nothing is kept between batches, so
 * every caller sees the store as it is when its batch runs. On PGlite, whose statements run one
 * after another, fifty concurrent callers then cost one statement instead of fifty. If `run`
 * throws for a batch, each of its inputs is run again alone, so only the callers whose own input
 * fails get an error; `run` must therefore write nothing unless it succeeds (one statement does).
 * One loader serves a store and a name: the `run` of the first call is kept, so it must not
 * depend on anything but the store (its clock comes from the core, which is one per store).
 */
export function coalesced<I, O>(db: Db, name: string, run: (inputs: readonly I[]) => Promise<readonly O[]>): (input: I) => Promise<O> {
  let loaders = perDb.get(db);
  if (!loaders) perDb.set(db, (loaders = new Map()));
  let loader = loaders.get(name) as DataLoader<I, O> | undefined;
  if (!loader) {
    // A batch that fails is one statement undone whole, so each input is tried again alone: one
    // caller's bad input fails that caller only.
    const isolating = async (inputs: readonly I[]): Promise<readonly (O | Error)[]> => {
      try {
        return await run(inputs);
      } catch (err) {
        if (inputs.length === 1) throw err;
        const alone: (O | Error)[] = [];
        for (const input of inputs) alone.push(await run([input]).then((r) => r[0]!, (e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
        return alone;
      }
    };
    loader = new DataLoader<I, O>(isolating, { cache: false, maxBatchSize: 500, batchScheduleFn: (dispatch) => setImmediate(dispatch) });
    loaders.set(name, loader as DataLoader<unknown, unknown>);
  }
  const l = loader;
  return (input) => l.load(input);
}

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

/**
 * A key lookup through `coalesced`: one `= ANY(keys)` read per batch, or the plain `= $1` read
 * when a single key came (it costs less than `= ANY` of one element). At most one row per key is
 * expected; keys without a row resolve to `undefined`.
 */
export function batchedLookup<K extends number | string, R>(db: Db, spec: LookupSpec<K, R>): (key: K) => Promise<R | undefined> {
  return coalesced<K, R | undefined>(db, spec.name, async (keys) => {
    const unique = [...new Set(keys)];
    const rest = spec.params();
    const rows =
      unique.length === 1
        ? await db.prepare<R>(spec.name, spec.sql(`${spec.keyColumn} = $1`), [spec.keyType, ...spec.paramTypes])([unique[0]!, ...rest])
        : await db.prepare<R>(`${spec.name}_batch`, spec.sql(`${spec.keyColumn} = ANY($1)`), [`${spec.keyType}[]`, ...spec.paramTypes])([
            unique as number[] | string[],
            ...rest,
          ]);
    const byKey = new Map(rows.map((r) => [spec.keyOf(r), r]));
    return keys.map((k) => byKey.get(k));
  });
}
