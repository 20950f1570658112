import { batchedLookup } from '../../store/batched-lookup.ts';
import type { Db, Queryable } from '../../store/db.ts';
import type { Clock } from '../shared/clock.ts';
import type { QuotaUnit } from '../subscribers/quotas.ts';
import { available, effectiveCreditSql } from './funds.ts';

/**
 * THE balance read (issue 16): what a number has — its balance, the credit it may use, what it may
 * spend, its status, as of when — is read here and only here, by every channel and use case that
 * shows or judges it (getBalance for web, app, USSD, SMS and voice; the widget card; TMF654
 * buckets; the business portal's numbers; the balance a top-up or adjustment answers with). The
 * facts are defined once, as the `BALANCE_FIELDS` below, and the locked read of a write use case
 * (`loadSubscriber`) takes the same definition.
 */
export interface BalanceFacts {
  subscriberId: number;
  accountId: number;
  customerId: number;
  departmentId: number | null;
  msisdn: string;
  /** Kopecks: the sum of the account's ledger entries. */
  balance: number;
  /** The credit the number may use now (for a contract's number: what the company's pool leaves it). */
  creditLimit: number;
  /** `own`: the subscriber's own trust limit; `company_pool`: the company contract's shared credit pool. */
  creditSource: 'own' | 'company_pool';
  /** What may be spent now: balance + credit. */
  available: number;
  currency: string;
  status: 'active' | 'blocked' | 'suspended';
  /** The moment the facts are as of (ISO 8601). */
  asOf: string;
}

/** A quota running at the read's moment. */
export interface RunningQuota {
  unit: QuotaUnit;
  source: string;
  included: number;
  used: number;
  periodStart: string;
  periodEnd: string;
  /** A roaming package's zone: usable only abroad there. */
  roamingZone: string | null;
}

export interface BalanceRead extends BalanceFacts {
  /** The quotas running at `asOf` (minutes, SMS, data), in unit, end and id order. */
  quotas: RunningQuota[];
  /** ISO 3166-1 alpha-2 of the country the number is attached in abroad, or null at home. */
  roamingCountry: string | null;
}

/**
 * The balance facts as [name, SQL over subscriber `s` and account `a`]: the one definition, as
 * columns (`balanceColumnsSql`) or inside the read's JSON object.
 */
function balanceFields(s: string, a: string): [string, string][] {
  return [
    ['balance', `${a}.balance`],
    ['creditLimit', effectiveCreditSql(a)],
    ['poolContractId', `${a}.pool_contract_id`],
    ['currency', `${a}.currency`],
    ['status', `${s}.status`],
  ];
}

/** The balance facts as select-list columns (`"creditLimit"`, `"poolContractId"`, …), for a read that takes them with more. */
export function balanceColumnsSql(s = 's', a = 'a'): string {
  return balanceFields(s, a)
    .map(([name, sql]) => (sql === `${a}.${name}` || sql === `${s}.${name}` ? sql : `${sql} AS "${name}"`))
    .join(', ');
}

// One JSON column rather than a dozen plus a JSON one: on PGlite the engine builds it for less than
// it costs to describe and parse the separate columns (bench/count-sql.ts, bench/profile-hot.ts).
const readSql = (cond: string) =>
  `SELECT json_build_object('subscriberId', s.id, 'accountId', s.account_id, 'customerId', s.customer_id, 'departmentId', s.department_id, 'msisdn', s.msisdn,
          ${balanceFields('s', 'a')
            .map(([name, sql]) => `'${name}', ${sql}`)
            .join(', ')},
          'asOf', $2::timestamptz,
          'roamingCountry', (SELECT rs.country FROM roaming_state rs WHERE rs.subscriber_id = s.id),
          'quotas', (SELECT json_agg(json_build_object('unit', q.unit, 'source', q.source, 'included', q.included, 'used', q.used,
                                                       'periodStart', q.period_start, 'periodEnd', q.period_end,
                                                       'roamingZone', (SELECT p.spec->'roaming'->>'zone' FROM product p WHERE p.code = q.source)) ORDER BY q.unit, q.period_end, q.id)
                       FROM quota q WHERE q.account_id = s.account_id AND q.subscriber_id = s.id AND q.period_start <= $2 AND q.period_end > $2)) AS b
     FROM subscriber s JOIN account a ON a.id = s.account_id WHERE ${cond}`;

interface RawRead {
  subscriberId: number;
  accountId: number;
  customerId: number;
  departmentId: number | null;
  msisdn: string;
  balance: number;
  creditLimit: number;
  poolContractId: number | null;
  currency: string;
  status: BalanceFacts['status'];
  asOf: string;
  roamingCountry: string | null;
  quotas: { unit: QuotaUnit; source: string; included: number; used: number; periodStart: string; periodEnd: string; roamingZone: string | null }[] | null;
}

function toRead(r: RawRead): BalanceRead {
  const funds = { balance: Number(r.balance), creditLimit: Number(r.creditLimit) };
  return {
    subscriberId: Number(r.subscriberId),
    accountId: Number(r.accountId),
    customerId: Number(r.customerId),
    departmentId: r.departmentId === null ? null : Number(r.departmentId),
    msisdn: r.msisdn,
    ...funds,
    creditSource: r.poolContractId === null ? 'own' : 'company_pool',
    available: available(funds),
    currency: r.currency,
    status: r.status,
    asOf: new Date(r.asOf).toISOString(),
    roamingCountry: r.roamingCountry ?? null,
    quotas: (r.quotas ?? []).map((q) => ({
      unit: q.unit,
      source: q.source,
      included: Number(q.included),
      used: Number(q.used),
      periodStart: new Date(q.periodStart).toISOString(),
      periodEnd: new Date(q.periodEnd).toISOString(),
      roamingZone: q.roamingZone ?? null,
    })),
  };
}

export type BalanceKey = { subscriberId: number } | { msisdn: string };

/**
 * One number's balance, now. The most frequent read of every channel, so it is one statement —
 * subscriber, account and quotas together — and reads arriving at the same moment share it
 * (`batchedLookup`: nothing is cached). Reads the store outside any transaction: inside one, use
 * `readBalances` on the transaction. No access check: the caller decides who may see what.
 */
export async function readBalance(core: { db: Db; clock: Clock }, key: BalanceKey): Promise<BalanceRead | undefined> {
  const common = { sql: readSql, paramTypes: ['timestamptz'] as const, params: () => [core.clock.now()] };
  const row =
    'subscriberId' in key
      ? await batchedLookup(core.db, { ...common, name: 'balance_by_id', keyColumn: 's.id', keyType: 'bigint', keyOf: (r: { b: RawRead }) => Number(r.b.subscriberId) })(key.subscriberId)
      : await batchedLookup(core.db, { ...common, name: 'balance_by_msisdn', keyColumn: 's.msisdn', keyType: 'text', keyOf: (r: { b: RawRead }) => r.b.msisdn })(key.msisdn);
  return row && toRead(row.b);
}

/**
 * The same read for several numbers at once, or inside a transaction (which sees its own entries):
 * one statement, results in the order of the keys given (a key without a number is left out).
 */
export async function readBalances(q: Queryable, keys: { subscriberIds: number[] } | { accountIds: number[] }, at: Date): Promise<BalanceRead[]> {
  const [cond, ids] = 'subscriberIds' in keys ? ['s.id = ANY($1::bigint[])', keys.subscriberIds] : ['s.account_id = ANY($1::bigint[])', keys.accountIds];
  if (ids.length === 0) return [];
  const rows = await q.query<{ b: RawRead }>(readSql(cond), [ids, at]);
  const reads = rows.map((r) => toRead(r.b));
  const by = new Map(reads.map((r) => ['subscriberIds' in keys ? r.subscriberId : r.accountId, r]));
  return ids.flatMap((id) => by.get(Number(id)) ?? []);
}
