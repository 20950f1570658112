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

/**
 * Where an account's balance may be read straight from the store, and why. Everything else reads
 * it through the one balance read, src/domain/ledger/read-balance.ts (readBalance/readBalances, or
 * its columns in loadSubscriber's locked read).
 */
const BALANCE_READERS: Record<string, string> = {
  'src/domain/ledger/read-balance.ts': 'the one balance read',
  'src/domain/ledger/funds.ts': "the credit formula and FundsTracker: what a batch of charges may spend, worked out in memory",
  'src/domain/ledger/verify-ledger.ts': 'the audit comparing each balance with the sum of its entries',
  'src/domain/billing/balance-rules.ts': 'blocking and resuming: the locked working set of the accounts a write just moved',
  'src/domain/billing/ingest-usage.ts': 'the usage import: the accounts it charges, locked, into a FundsTracker',
  'src/domain/billing/run-recurring-fees.ts': 'the fee run: the accounts it charges, locked (SKIP LOCKED), into a FundsTracker',
  'src/domain/payments/auto-payment.ts': 'the auto-payment job picks the accounts under their threshold, set-based',
  'src/domain/family/family-rules.ts': "who pays a family member's one-off charge: the head's account, read under the lock the charge holds, to judge its funds",
  'src/domain/alerts/raise-alerts.ts': 'low-balance alerts and the daily digest: the accounts a write just moved (or all, for the digest), set-based in one statement',
};

/** SQL strings (template or quoted literals) that read `balance` from the account table. */
function balanceReads(text: string): string[] {
  const literals = text.match(/`[^`]*`|'[^'\n]*'|"[^"\n]*"/g) ?? [];
  return literals.filter((s) => /\b(?:from|join)\s+(?:"?public"?\s*\.\s*)?"?account"?(?![\w"])/i.test(s) && /\bbalance\b/i.test(s));
}

test('the balance-read pattern finds SQL that reads the balance column, not other SQL on accounts', () => {
  assert.equal(balanceReads("q.query('SELECT balance FROM account WHERE id = $1')").length, 1);
  assert.equal(balanceReads('`SELECT s.msisdn, a.balance\n FROM subscriber s JOIN account a ON a.id = s.account_id`').length, 1);
  assert.equal(balanceReads("q.query('SELECT pool_contract_id FROM account WHERE id = $1')").length, 0);
  assert.equal(balanceReads("q.query('SELECT balance FROM account_history')").length, 0);
});

test('an account balance is read from the store only by the one balance read and the modules that say why', () => {
  const readers = SCANNED.flatMap(sourceFiles).filter((f) => balanceReads(readFileSync(join(root, f), 'utf8')).length > 0);
  const unexplained = readers.filter((f) => !(f in BALANCE_READERS));
  assert.deepEqual(unexplained, [], 'read the balance with readBalance/readBalances (src/domain/ledger/read-balance.ts)');
  // The list stays true: a module that no longer reads the balance leaves it.
  assert.deepEqual(
    Object.keys(BALANCE_READERS).filter((f) => f !== 'src/domain/ledger/read-balance.ts' && !readers.includes(f)),
    [],
    'drop modules that no longer read the balance from BALANCE_READERS',
  );
});
