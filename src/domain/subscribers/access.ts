import type { Queryable } from '../../store/db.ts';
import type { Actor } from '../shared/context.ts';
import { balanceColumnsSql } from '../ledger/read-balance.ts';
import { DomainError } from '../shared/errors.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';

export interface SubscriberRow {
  id: number;
  accountId: number;
  customerId: number;
  customerKind: 'person' | 'business';
  contractId: number | null;
  departmentId: number | null;
  msisdn: string;
  iccid: string;
  regionCode: string;
  timeZone: string;
  tariffCode: string;
  tariffSince: Date;
  tariffNextChargeAt: Date | null;
  status: 'active' | 'blocked' | 'suspended';
  language: 'ru' | 'en';
  script: 'cyrillic' | 'latin';
  contentBan: boolean;
  billingDay: number;
  balance: number;
  /** The credit this number may use now: its own trust limit, or what the contract's pool leaves it. */
  creditLimit: number;
  /** The contract whose corporate credit pool the number draws on (business numbers), else null. */
  poolContractId: number | null;
  currency: string;
  employeeName: string | null;
  activatedAt: Date;
}

const columns = `s.id, s.account_id AS "accountId", s.customer_id AS "customerId", c.kind AS "customerKind",
  s.contract_id AS "contractId", s.department_id AS "departmentId", s.msisdn, s.iccid,
  s.region_code AS "regionCode", r.time_zone AS "timeZone", s.tariff_code AS "tariffCode",
  s.tariff_since AS "tariffSince", s.tariff_next_charge_at AS "tariffNextChargeAt", s.language,
  s.script, s.content_ban AS "contentBan", s.billing_day AS "billingDay",
  ${balanceColumnsSql('s', 'a')}, s.employee_name AS "employeeName", s.activated_at AS "activatedAt"`;

const from = `FROM subscriber s JOIN account a ON a.id = s.account_id JOIN customer c ON c.id = s.customer_id
  JOIN region r ON r.code = s.region_code`;

export type Access = 'read' | 'write';

/**
 * Finds the subscriber a request names (its balance facts defined as the ledger's one balance read
 * defines them, `ledger/read-balance.ts`) and checks that the actor may see (or change) it.
 * `me` names the subscriber who is logged in. A number the actor may not see is reported as
 * not found, so nobody learns which numbers exist. With `lock`, the account row is locked
 * for the rest of the transaction: money actions on one account run one after another. With
 * `payer` too, so is the account that pays the number's one-off charges when it is another's (the
 * family head's, see `familyPayer`): both in one statement, in id order, as usage rating locks them.
 */
export async function loadSubscriber(
  q: Queryable,
  actor: Actor,
  msisdnOrMe: string,
  opts: { access: Access; lock?: boolean; payer?: boolean },
): Promise<SubscriberRow> {
  const { where, param } = subscriberKey(actor, msisdnOrMe);
  if (opts.lock) await lockPool(q, `SELECT a.pool_contract_id FROM subscriber s JOIN account a ON a.id = s.account_id WHERE ${where}`, param);
  if (opts.lock && opts.payer) await lockWithPayer(q, where, param);
  const rows = await q.query<SubscriberRow>(
    `SELECT ${columns} ${from} WHERE ${where}${opts.lock ? ' FOR UPDATE OF a' : ''}`,
    [param],
  );
  const sub = rows[0];
  if (!sub || !canSee(actor, sub)) {
    throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: msisdnOrMe });
  }
  if (opts.access === 'write' && actor.kind === 'business_admin' && actor.role === 'accountant') {
    throw new DomainError('FORBIDDEN', { reason: 'read_only_role' });
  }
  return sub;
}

/** Why `actor` may read a number but not change it (a company's accountant), or null. */
export function readOnlyRefusal(actor: Actor): DomainError | null {
  return actor.kind === 'business_admin' && actor.role === 'accountant' ? new DomainError('FORBIDDEN', { reason: 'read_only_role' }) : null;
}

/** The WHERE clause (on alias `s`) naming the subscriber of a request: `me` or a number. */
export function subscriberKey(actor: Actor, msisdnOrMe: string): { where: string; param: string | number } {
  if (actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  if (msisdnOrMe === 'me') {
    if (actor.kind !== 'subscriber') throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: 'me' });
    return { where: 's.id = $1', param: actor.subscriberId };
  }
  const msisdn = normalizeMsisdn(msisdnOrMe);
  if (!msisdn) throw new DomainError('VALIDATION', { field: 'msisdn' });
  return { where: 's.msisdn = $1', param: msisdn };
}

/**
 * Paid actions of a contract's numbers share one credit pool, so they run one after another on the
 * contract row: it is locked BEFORE the account (lock order contract → account everywhere; code that
 * locks accounts only — usage rating, fee runs, the ledger trigger — never waits on a contract).
 */
async function lockPool(q: Queryable, sql: string, param: string | number): Promise<void> {
  const [row] = await q.query<{ pool_contract_id: number | null }>(sql, [param]);
  if (row?.pool_contract_id != null) await lockContractPools(q, [row.pool_contract_id]);
}

/** Locks the pools' contract rows in id order (before any of their accounts). */
export async function lockContractPools(q: Queryable, contractIds: number[]): Promise<void> {
  if (contractIds.length === 0) return;
  await q.query('SELECT id FROM contract WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE', [[...new Set(contractIds)]]);
}

/**
 * Locks the number's account and, when the number is an active member of a group whose head pays
 * (and the head's account is not a contract's credit pool), the head's account: in one statement,
 * in id order. Usage rating locks a member's and its head's accounts in id order too, so a member's
 * paid action and a rating batch of the same family (or two members' paid actions) cannot
 * deadlock, as they could if the head's account were locked after the member's.
 */
async function lockWithPayer(q: Queryable, where: string, param: string | number): Promise<void> {
  await q.query(
    `SELECT id FROM account WHERE id = ANY(ARRAY(
       SELECT s.account_id FROM subscriber s WHERE ${where}
       UNION ALL
       SELECT a.id FROM subscriber s JOIN family_member m ON m.subscriber_id = s.id AND m.status = 'active'
         JOIN family_group g ON g.id = m.group_id AND g.plan <> 'shared_package'
         JOIN subscriber h ON h.id = g.head_subscriber_id JOIN account a ON a.id = h.account_id AND a.pool_contract_id IS NULL
        WHERE ${where})) ORDER BY id FOR UPDATE`,
    [param],
  );
}

/** Locks an account for a money action, its contract's pool first when it has one. */
export async function lockAccount(q: Queryable, accountId: number): Promise<void> {
  const [row] = await q.query<{ pool_contract_id: number | null }>('SELECT pool_contract_id FROM account WHERE id = $1', [accountId]);
  if (row?.pool_contract_id != null) await lockContractPools(q, [row.pool_contract_id]);
  await q.query('SELECT id FROM account WHERE id = $1 FOR UPDATE', [accountId]);
}

/** Whether an actor may see a subscriber: their own number, their company's (or department's), or staff. */
export function canSee(actor: Actor, sub: { id: number; customerId: number; departmentId: number | null }): boolean {
  switch (actor.kind) {
    case 'subscriber':
      return actor.subscriberId === sub.id;
    case 'business_admin':
      if (sub.customerId !== actor.customerId) return false;
      return actor.role !== 'department_manager' || (actor.departmentId !== null && sub.departmentId === actor.departmentId);
    case 'staff':
    case 'operator_api':
    case 'system':
      return true;
    case 'anonymous':
      return false;
  }
}

/** For code that already knows the id (jobs, auth): no access check. */
export async function loadSubscriberById(q: Queryable, id: number, lock = false): Promise<SubscriberRow | undefined> {
  if (lock) await lockPool(q, 'SELECT a.pool_contract_id FROM subscriber s JOIN account a ON a.id = s.account_id WHERE s.id = $1', id);
  const rows = await q.query<SubscriberRow>(`SELECT ${columns} ${from} WHERE s.id = $1${lock ? ' FOR UPDATE OF a' : ''}`, [id]);
  return rows[0];
}

export async function findSubscriberByMsisdn(q: Queryable, msisdn: string): Promise<SubscriberRow | undefined> {
  const rows = await q.query<SubscriberRow>(`SELECT ${columns} ${from} WHERE s.msisdn = $1`, [msisdn]);
  return rows[0];
}
