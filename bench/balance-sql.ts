// Diagnostic (not part of `npm run bench`): what the balance statement costs on the store beside
// the raw primary-key select, in µs per call, best of 15 rounds of 1,000 sequential calls (the
// best round is the one least disturbed by other work on the machine). Forms compared: the
// columns-plus-JSON form the balance used to read, the one-JSON-column form it reads now, and
// the same without quotas. `node --import tsx bench/balance-sql.ts` (DATABASE_URL for PostgreSQL).
import { performance } from 'node:perf_hooks';
import { loggedInSubscribers, openBenchEnv } from './setup.ts';

const env = await openBenchEnv();
const subs = await loggedInSubscribers(env.core, 200);
const db = env.core.db;
const now = new Date();
const pick = () => subs[Math.floor(Math.random() * subs.length)]!;
const quotas = `(SELECT json_agg(json_build_object('unit', q.unit, 'source', q.source, 'included', q.included, 'used', q.used,
                                   'period_start', q.period_start, 'period_end', q.period_end) ORDER BY q.unit, q.period_end, q.id)
   FROM quota q WHERE q.account_id = s.account_id AND q.subscriber_id = s.id AND q.period_start <= $2 AND q.period_end > $2)`;
const columns = `SELECT s.id, s.customer_id AS "customerId", s.department_id AS "departmentId", s.msisdn, s.status,
  a.balance, a.credit_limit AS "creditLimit", a.currency, ${quotas} AS quotas
  FROM subscriber s JOIN account a ON a.id = s.account_id WHERE s.id = $1`;
const oneJson = `SELECT json_build_object('id', s.id, 'customerId', s.customer_id, 'departmentId', s.department_id, 'msisdn', s.msisdn,
  'status', s.status, 'balance', a.balance, 'creditLimit', a.credit_limit, 'currency', a.currency, 'quotas', ${quotas}) AS b
  FROM subscriber s JOIN account a ON a.id = s.account_id WHERE s.id = $1`;
const noQuotas = `SELECT s.id, s.customer_id AS "customerId", s.department_id AS "departmentId", s.msisdn, s.status,
  a.balance, a.credit_limit AS "creditLimit", a.currency FROM subscriber s JOIN account a ON a.id = s.account_id WHERE s.id = $1`;
const forms: [string, () => Promise<unknown>][] = [
  ['raw select, query() (the bench baseline)', () => db.query('SELECT balance FROM account WHERE id = $1', [pick().accountId])],
  ['raw select, prepared', () => db.prepare('d_raw', 'SELECT balance FROM account WHERE id = $1', ['bigint'])([pick().accountId])],
  ['SELECT 1, prepared (fixed cost)', () => db.prepare('d_one', 'SELECT 1', [])([])],
  ['balance, columns + JSON quotas (before)', () => db.prepare('d_cols', columns, ['bigint', 'timestamptz'])([pick().subscriberId, now])],
  ['balance, one JSON column (now)', () => db.prepare('d_json', oneJson, ['bigint', 'timestamptz'])([pick().subscriberId, now])],
  ['balance without quotas', () => db.prepare('d_noq', noQuotas, ['bigint'])([pick().subscriberId])],
];
const best = new Map<string, number>();
for (const [, f] of forms) for (let i = 0; i < 1000; i++) await f();
for (let round = 0; round < 15; round++)
  for (const [name, f] of forms) {
    const t = performance.now();
    for (let i = 0; i < 1000; i++) await f();
    best.set(name, Math.min(best.get(name) ?? Infinity, performance.now() - t));
  }
console.log(`store: ${env.storeLabel}`);
for (const [name, ms] of best) console.log(`${name.padEnd(42)} ${ms.toFixed(1).padStart(6)} µs per call`);
await env.close();
