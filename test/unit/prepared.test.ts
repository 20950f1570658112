import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Db } from '../../src/store/db.ts';
import { literal, openPglite } from '../../src/store/pglite.ts';

let db: Db;
before(async () => {
  db = await openPglite(null);
  await db.exec("CREATE TABLE t (id bigint PRIMARY KEY, name text, at timestamptz); INSERT INTO t VALUES (1, 'a', now()), (2, 'O''Brien', now())");
});
after(() => db.close());

test('literals accept only their declared type', () => {
  assert.equal(literal(42, 'bigint'), '42');
  assert.equal(literal("O'Brien", 'text'), "'O''Brien'");
  assert.equal(literal(new Date('2026-01-01T00:00:00Z'), 'timestamptz'), "'2026-01-01T00:00:00.000Z'");
  assert.equal(literal(null, 'text'), 'NULL');
  assert.throws(() => literal('1; DROP TABLE t', 'bigint'), TypeError);
  assert.throws(() => literal(1.5, 'bigint'), TypeError);
  assert.throws(() => literal('yesterday', 'timestamptz'), TypeError);
});

test('a prepared statement answers like the plain query, and quoting cannot be escaped', async () => {
  const byName = db.prepare<{ id: number }>('t_by_name', 'SELECT id FROM t WHERE name = $1', ['text']);
  assert.deepEqual(await byName(["O'Brien"]), [{ id: 2 }]);
  for (const attack of ["' OR '1'='1", "\\' OR 1=1 --", "'); DROP TABLE t; --"]) {
    assert.deepEqual(await byName([attack]), [], attack);
  }
  assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0]!.n, 2);
});

test('the first calls of a statement arriving together prepare it once and all answer', async () => {
  const byId = db.prepare<{ name: string }>('t_by_id_concurrent', 'SELECT name FROM t WHERE id = $1', ['bigint']);
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => byId([(i % 2) + 1])));
  assert.deepEqual(answers.map((r) => r[0]!.name), Array.from({ length: 20 }, (_, i) => (i % 2 ? "O'Brien" : 'a')));
});

test('a statement whose PREPARE failed is prepared again by the next call', async () => {
  const late = db.prepare<{ n: number }>('t_late', 'SELECT count(*)::int AS n FROM t_later', []);
  await assert.rejects(late([]), /t_later/);
  await db.exec('CREATE TABLE t_later (x int); INSERT INTO t_later VALUES (1), (2), (3)');
  assert.deepEqual(await late([]), [{ n: 3 }]);
});

test('array parameters are written element by element, each by its own type', async () => {
  assert.equal(literal([1, 2], 'bigint[]'), 'ARRAY[1, 2]::bigint[]');
  assert.equal(literal(["O'Brien"], 'text[]'), "ARRAY['O''Brien']::text[]");
  assert.throws(() => literal([1, '2; DROP TABLE t'] as number[], 'bigint[]'), TypeError);
  assert.throws(() => literal(1, 'bigint[]'), TypeError);
  assert.throws(() => literal([1], 'bigint'), TypeError);
  const byIds = db.prepare<{ id: number }>('t_by_ids', 'SELECT id FROM t WHERE id = ANY($1) ORDER BY id', ['bigint[]']);
  assert.deepEqual(await byIds([[2, 1, 7]]), [{ id: 1 }, { id: 2 }]);
  assert.deepEqual(await byIds([[]]), []);
  const byNames = db.prepare<{ id: number }>('t_by_names', 'SELECT id FROM t WHERE name = ANY($1) ORDER BY id', ['text[]']);
  assert.deepEqual(await byNames([["O'Brien", "' OR '1'='1"]]), [{ id: 2 }]);
});

test('a statement taking an array is planned once, and the setting that does it stays with that statement', async () => {
  const mode = async () => (await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode'))[0]!.plan_cache_mode;
  const byIds = db.prepare<{ id: number }>('t_by_ids_generic', 'SELECT id FROM t WHERE id = ANY($1)', ['bigint[]']);
  for (const ids of [[1], [1, 2], [2, 1, 5]]) assert.ok((await byIds([ids])).length >= 1);
  const [plans] = await db.query<{ generic_plans: number; custom_plans: number }>(
    "SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE name = 't_by_ids_generic'",
  );
  assert.deepEqual(plans, { generic_plans: 3, custom_plans: 0 });
  assert.equal(await mode(), 'auto');
  const failing = db.prepare<{ n: number }>('t_fails_on_array', 'SELECT 1 / (cardinality($1) - 1) AS n', ['bigint[]']);
  await assert.rejects(failing([[1]]), /division by zero/);
  assert.equal(await mode(), 'auto');
});
