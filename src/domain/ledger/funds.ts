import type { Queryable } from '../../store/db.ts';
import { DomainError } from '../shared/errors.ts';

export interface AccountFunds {
  balance: number;
  /** The credit the account may use now: its own trust limit, or for a contract's number what the pool leaves it. */
  creditLimit: number;
}

/** What may still be spent: the balance plus the credit the account may use. */
export function available(a: AccountFunds): number {
  return a.balance + a.creditLimit;
}

/** Refuses a charge that would take the account below its credit limit. */
export function requireFunds(a: AccountFunds, charge: number): void {
  if (charge > 0 && available(a) < charge) {
    throw new DomainError('INSUFFICIENT_FUNDS', { required: charge, available: available(a) });
  }
}

/**
 * The credit a number may use now, as SQL over the account alias `a`. A consumer account (no
 * pool) has its own `credit_limit` — a plain column, nothing more is read. A business number draws
 * on its contract's pool L: what is left of it after the debts of the contract's OTHER numbers,
 * never below zero (a number's own positive balance is always its own to spend; positive money on
 * one number pays no other number's debt):
 *
 *   credit_i = max(0, L − Σ_{j≠i} max(0, −balance_j)),  available_i = balance_i + credit_i
 *
 * so a number in debt may go on only while the contract's whole debt D stays within L.
 */
export function effectiveCreditSql(a = 'a'): string {
  return `CASE WHEN ${a}.pool_contract_id IS NULL THEN ${a}.credit_limit ELSE (
      SELECT GREATEST(0, k.credit_limit - COALESCE((SELECT SUM(-o.balance) FROM account o
                                                    WHERE o.pool_contract_id = k.id AND o.balance < 0 AND o.id <> ${a}.id), 0))::bigint
        FROM contract k WHERE k.id = ${a}.pool_contract_id) END`;
}

export interface PoolUse {
  contractId: number;
  /** The contract's corporate trust limit L. */
  limit: number;
  /** D: the sum of the contract's numbers' debts (balances below zero). */
  debt: number;
  /** What is left of the pool: max(0, L − D). */
  remaining: number;
}

/** The use of the pools of the given contracts: limit, debt and what is left. */
export async function poolUse(q: Queryable, contractIds: number[]): Promise<Map<number, PoolUse>> {
  const out = new Map<number, PoolUse>();
  if (contractIds.length === 0) return out;
  const rows = await q.query<{ id: number; credit_limit: number; debt: number }>(
    `SELECT k.id, k.credit_limit, COALESCE((SELECT SUM(-o.balance) FROM account o WHERE o.pool_contract_id = k.id AND o.balance < 0), 0)::bigint AS debt
       FROM contract k WHERE k.id = ANY($1::bigint[])`,
    [contractIds],
  );
  for (const r of rows) {
    const limit = Number(r.credit_limit);
    const debt = Number(r.debt);
    out.set(Number(r.id), { contractId: Number(r.id), limit, debt, remaining: Math.max(0, limit - debt) });
  }
  return out;
}

/**
 * What several accounts may spend while charges are planned in memory (a fee run's batch): each
 * consumer account has its balance plus its own limit; the accounts of one pool share what is left
 * of it, so a charge to one lowers what the others may use.
 */
/** The columns of an account row that what it may spend is worked out from. */
export interface AccountRow {
  id: number;
  balance: number;
  credit_limit: number;
  pool_contract_id: number | null;
}

export class FundsTracker {
  private readonly balance = new Map<number, number>();
  private readonly own = new Map<number, number>();
  private readonly poolOf = new Map<number, number>();
  /** Per pool: L, and the debts of the accounts not in this tracker. */
  private readonly pools = new Map<number, { limit: number; outsideDebt: number; members: number[] }>();

  static async load(q: Queryable, accountIds: number[]): Promise<FundsTracker> {
    const rows = await q.query<AccountRow>('SELECT id, balance, credit_limit, pool_contract_id FROM account WHERE id = ANY($1::bigint[])', [accountIds]);
    return FundsTracker.fromRows(q, rows);
  }

  /**
   * The same from account rows the caller has just read (and holds): a fee run has them from its
   * lock statement, so they are not read twice. Only the pools' limits and outside debts are read.
   */
  static async fromRows(q: Queryable, rows: readonly AccountRow[]): Promise<FundsTracker> {
    const t = new FundsTracker();
    const accountIds = rows.map((r) => Number(r.id));
    const pooled = new Set<number>();
    for (const r of rows) {
      t.balance.set(Number(r.id), Number(r.balance));
      t.own.set(Number(r.id), Number(r.credit_limit));
      if (r.pool_contract_id !== null) {
        t.poolOf.set(Number(r.id), Number(r.pool_contract_id));
        pooled.add(Number(r.pool_contract_id));
      }
    }
    if (pooled.size > 0) {
      const pools = await q.query<{ id: number; credit_limit: number; outside: number }>(
        `SELECT k.id, k.credit_limit, COALESCE((SELECT SUM(-o.balance) FROM account o
                                                 WHERE o.pool_contract_id = k.id AND o.balance < 0 AND o.id <> ALL($2::bigint[])), 0)::bigint AS outside
           FROM contract k WHERE k.id = ANY($1::bigint[])`,
        [[...pooled], accountIds],
      );
      for (const p of pools) {
        t.pools.set(Number(p.id), { limit: Number(p.credit_limit), outsideDebt: Number(p.outside), members: [] });
      }
      for (const [acc, pool] of t.poolOf) t.pools.get(pool)?.members.push(acc);
    }
    return t;
  }

  available(accountId: number): number {
    const b = this.balance.get(accountId) ?? 0;
    const pool = this.pools.get(this.poolOf.get(accountId) ?? -1);
    if (!pool) return b + (this.own.get(accountId) ?? 0);
    let others = pool.outsideDebt;
    for (const m of pool.members) if (m !== accountId) others += Math.max(0, -(this.balance.get(m) ?? 0));
    return b + Math.max(0, pool.limit - others);
  }

  spend(accountId: number, amount: number): void {
    this.balance.set(accountId, (this.balance.get(accountId) ?? 0) - amount);
  }
}
