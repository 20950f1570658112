// One ledger write path (issue 16): nothing in the application writes ledger entries or balances
// except src/domain/ledger/post-entry.ts (postEntries), so the rules of a booking — idempotency
// keys, whole kopecks, the bonus points a charge earns — cannot be bypassed or done twice another
// way. The store itself refuses a balance changed other than by an entry (the account trigger).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const THE_PATH = 'src/domain/ledger/post-entry.ts';
/** Application code: what runs in production (bench/ and test/ seed their fixtures directly). */
const SCANNED = ['src', 'bin', 'scripts'];

/** Statements that write the ledger or an account's balance, in any case and spacing, quoted or schema-qualified. */
const LEDGER_WRITES: [string, RegExp][] = [
  ['INSERT INTO ledger_entry', /\binsert\s+into\s+(?:"?public"?\s*\.\s*)?"?ledger_entry"?(?![\w"])/i],
  ['COPY ledger_entry', /\bcopy\s+(?:"?public"?\s*\.\s*)?"?ledger_entry"?(?![\w"])/i],
  ['UPDATE ledger_entry', /\bupdate\s+(?:"?public"?\s*\.\s*)?"?ledger_entry"?(?![\w"])/i],
  ['DELETE FROM ledger_entry', /\bdelete\s+from\s+(?:"?public"?\s*\.\s*)?"?ledger_entry"?(?![\w"])/i],
  ['UPDATE account … balance', /\bupdate\s+(?:"?public"?\s*\.\s*)?"?account"?(?:\s+(?:as\s+)?\w+)?\s+set\b[^;`]*\bbalance\b/i],
];

function sourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(?:[cm]?[jt]s)$/.test(e.name) ? [path] : [];
  });
}

function ledgerWrites(text: string): string[] {
  return LEDGER_WRITES.filter(([, re]) => re.test(text)).map(([name]) => name);
}

test('the patterns catch a ledger write however it is spelled, and not its reads', () => {
  for (const sql of [
    'INSERT INTO ledger_entry (account_id) VALUES ($1)',
    'insert  into\n   public.ledger_entry(account_id)',
    'INSERT INTO "ledger_entry" SELECT 1',
    'COPY ledger_entry FROM STDIN',
    'update ledger_entry set amount = 0',
    'DELETE FROM ledger_entry WHERE id = 1',
    'UPDATE account SET balance = balance + 1 WHERE id = $1',
    'UPDATE account a SET credit_limit = 0, balance = 5',
  ]) {
    assert.notDeepEqual(ledgerWrites(sql), [], sql);
  }
  for (const sql of [
    'SELECT balance FROM account WHERE id = $1',
    'SELECT SUM(amount) FROM ledger_entry',
    'INSERT INTO ledger_entry_archive (x) VALUES (1)',
    "UPDATE account SET credit_limit = $2 WHERE id = $1",
    'INSERT INTO bonus_entry (account_id) VALUES (1)',
  ]) {
    assert.deepEqual(ledgerWrites(sql), [], sql);
  }
});

test(`only ${THE_PATH} writes ledger entries or balances`, () => {
  const files = SCANNED.flatMap(sourceFiles);
  assert.ok(files.includes(THE_PATH), `${THE_PATH} is among the files scanned`);
  const offenders = files
    .filter((f) => f !== THE_PATH)
    .map((f) => ({ file: relative(root, join(root, f)), writes: ledgerWrites(readFileSync(join(root, f), 'utf8')) }))
    .filter((o) => o.writes.length > 0);
  assert.deepEqual(offenders, [], 'book entries with postEntry/postEntries (src/domain/ledger/post-entry.ts) instead');
  assert.deepEqual(ledgerWrites(readFileSync(join(root, THE_PATH), 'utf8')), ['INSERT INTO ledger_entry'], 'the one path inserts entries and does nothing else to them');
});
