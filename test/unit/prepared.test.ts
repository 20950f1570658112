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
