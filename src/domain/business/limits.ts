import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { applyBalanceRules } from '../billing/balance-rules.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import { systemCtx, type Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { poolUse } from '../ledger/funds.ts';
import { formatMoney } from '../shared/money.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { businessAmount } from '../actions/business-amounts.ts';
import { loadBusinessNumber, page, requireBusinessAdmin, scopeOf } from './access.ts';
import { heldExtrasOf, holdPaidExtras, lockNumberForHolds, namesOf, releaseDueHolds, releaseLimitHolds, type HeldExtra } from './limit-holds.ts';
import { localMonthOf, localSql, SPENDING_ENTRY } from './period.ts';

export type LimitScope = 'tariff' | 'extras' | 'both';
export type LimitAction = 'notify' | 'block_extras';

/** Which charges a limit counts (ledger alias `l`): tariff fees and usage, products, or all. */
export function scopeCondition(scope: LimitScope): string {
  if (scope === 'tariff') return 'l.product_code IS NULL';
  if (scope === 'extras') return 'l.product_code IS NOT NULL';
  return 'TRUE';
}

export interface NumberLimitView {
  msisdn: string;
  employeeName: string | null;
  amount: number;
  scope: LimitScope;
  action: LimitAction;
  /** The number's own month (`YYYY-MM` in its region's time zone). */
  month: string;
  /** What counts against the limit this month so far. */
  spent: number;
  /** When it was reached this month, if it was. */
  reachedAt: string | null;
  /** Paid extras suspended by the limit ("block paid extras") until the month ends. */
  suspendedExtras: HeldExtra[];
}

/** Month-to-date spend of one number in a limit's scope (its own local month). */
async function spentInScope(tx: Tx, subscriberId: number, scope: LimitScope, now: Date): Promise<{ spent: number; period: string; timeZone: string }> {
  const [r] = await tx.query<{ spent: number; period: string; time_zone: string }>(
    `SELECT r.time_zone, ${localSql.month('$2', 'r.time_zone')} AS period,
            COALESCE((SELECT SUM(-l.amount) FROM ledger_entry l WHERE l.account_id = s.account_id
                        AND l.created_at >= ${localSql.monthStart('$2', 'r.time_zone')} AND l.created_at < ${localSql.monthStart('$2', 'r.time_zone', 1)}
                        AND ${SPENDING_ENTRY} AND ${scopeCondition(scope)}), 0)::bigint AS spent
       FROM subscriber s JOIN region r ON r.code = s.region_code WHERE s.id = $1`,
    [subscriberId, now],
  );
  const row = mustExist(r, 'subscriber');
  return { spent: Number(row.spent), period: row.period, timeZone: row.time_zone };
}

/** Sets (or replaces) a number's monthly spending limit. */
export async function setNumberLimit(core: Core, ctx: Ctx, input: { msisdn: string; amount: number; scope: LimitScope; action: LimitAction }): Promise<NumberLimitView> {
  const view = await runUseCase(core, ctx, 'business.limit.set', async (tx, subject) => {
    const admin = requireBusinessAdmin(ctx, 'write');
    subject.customerId = admin.customerId;
    if (!businessAmount.min(1).safeParse(input.amount).success) throw new DomainError('VALIDATION', { field: 'amount' });
    const num = await loadBusinessNumber(tx, admin, input.msisdn, { lock: true });
    subject.subscriberId = num.id;
    const now = core.clock.now();
    const [prior] = await tx.query<{ amount: number; scope: string; action: string }>('SELECT amount, scope, action FROM number_limit WHERE subscriber_id = $1', [num.id]);
    await tx.query(
      `INSERT INTO number_limit (subscriber_id, customer_id, amount, scope, action, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (subscriber_id) DO UPDATE SET amount = EXCLUDED.amount, scope = EXCLUDED.scope, action = EXCLUDED.action,
         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [num.id, num.customerId, input.amount, input.scope, input.action, now, admin.adminId],
    );
    // A new or changed limit is judged afresh this month; paid extras it held come back at once
    // when the new limit is above the month's spend (or no longer blocks them).
    if (!prior || Number(prior.amount) !== input.amount || prior.scope !== input.scope || prior.action !== input.action) {
      const m = await spentInScope(tx, num.id, input.scope, now);
      await tx.query('DELETE FROM number_limit_event WHERE subscriber_id = $1 AND period = $2', [num.id, m.period]);
      if (m.spent < input.amount || input.action !== 'block_extras') {
        await releaseLimitHolds(tx, core, ctx, { id: num.id, accountId: num.accountId, customerId: num.customerId, msisdn: num.msisdn, language: num.language, timeZone: m.timeZone }, 'limit_raised', now);
      }
    }
    await recordAudit(tx, core, ctx, { action: 'business.limit.set', subscriberId: num.id, customerId: num.customerId, details: { ...input, previous: prior ?? null } });
    return num.msisdn;
  });
  return mustExist((await listLimits(core, ctx, { msisdn: view })).items[0], 'limit');
}

export async function removeNumberLimit(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ msisdn: string; removed: boolean }> {
  return runUseCase(core, ctx, 'business.limit.remove', async (tx, subject) => {
    const admin = requireBusinessAdmin(ctx, 'write');
    subject.customerId = admin.customerId;
    const num = await loadBusinessNumber(tx, admin, input.msisdn, { lock: true });
    subject.subscriberId = num.id;
    const gone = await tx.query('DELETE FROM number_limit WHERE subscriber_id = $1 RETURNING subscriber_id', [num.id]);
    if (gone.length === 0) throw new DomainError('NOT_FOUND', { what: 'limit' });
    const now = core.clock.now();
    const m = await spentInScope(tx, num.id, 'both', now);
    await tx.query('DELETE FROM number_limit_event WHERE subscriber_id = $1 AND period = $2', [num.id, m.period]);
    await releaseLimitHolds(tx, core, ctx, { id: num.id, accountId: num.accountId, customerId: num.customerId, msisdn: num.msisdn, language: num.language, timeZone: m.timeZone }, 'limit_removed', now);
    await recordAudit(tx, core, ctx, { action: 'business.limit.remove', subscriberId: num.id, customerId: num.customerId });
    return { msisdn: num.msisdn, removed: true };
  });
}

/** The limits of numbers in reach, with this month's spend against each (each number's own local month). */
export async function listLimits(core: Core, ctx: Ctx, input: { msisdn?: string; offset?: number; limit?: number } = {}): Promise<{ month: string; total: number; items: NumberLimitView[] }> {
  const admin = requireBusinessAdmin(ctx, 'read');
  const pg = page(input, 200);
  const now = core.clock.now();
  const month = localMonthOf(now, 'Europe/Moscow');
  const scope = scopeOf(admin, 's', 2);
  const params: unknown[] = [now, ...scope.params];
  let where = scope.where;
  if (input.msisdn !== undefined) {
    const num = await loadBusinessNumber(core.db, admin, input.msisdn);
    params.push(num.id);
    where += ` AND s.id = $${params.length}`;
  }
  const rows = await core.db.query<{ id: number; msisdn: string; employee_name: string | null; amount: number; scope: LimitScope; action: LimitAction; period: string; spent: number; reached_at: Date | null; n: number }>(
    `SELECT s.id, s.msisdn, s.employee_name, nl.amount, nl.scope, nl.action, ${localSql.month('$1', 'r.time_zone')} AS period, e.at AS reached_at, count(*) OVER ()::int AS n,
            COALESCE((SELECT SUM(-l.amount) FROM ledger_entry l WHERE l.account_id = s.account_id
                        AND l.created_at >= ${localSql.monthStart('$1', 'r.time_zone')} AND l.created_at < ${localSql.monthStart('$1', 'r.time_zone', 1)}
                        AND ${SPENDING_ENTRY} AND (nl.scope = 'both' OR (nl.scope = 'tariff') = (l.product_code IS NULL))), 0)::bigint AS spent
       FROM number_limit nl JOIN subscriber s ON s.id = nl.subscriber_id JOIN region r ON r.code = s.region_code
       LEFT JOIN number_limit_event e ON e.subscriber_id = s.id AND e.period = ${localSql.month('$1', 'r.time_zone')}
      WHERE ${where} ORDER BY s.msisdn LIMIT ${pg.limit} OFFSET ${pg.offset}`,
    params,
  );
  const held = await heldExtrasOf(core.db, rows.map((r) => r.id));
  return {
    month: month.month,
    total: rows[0]?.n ?? 0,
    items: rows.map((r) => ({
      msisdn: r.msisdn,
      employeeName: r.employee_name,
      amount: Number(r.amount),
      scope: r.scope,
      action: r.action,
      month: r.period,
      spent: Number(r.spent),
      reachedAt: r.reached_at ? new Date(r.reached_at).toISOString() : null,
      suspendedExtras: held.get(Number(r.id)) ?? [],
    })),
  };
}

const notice = {
  notify: {
    ru: (limit: string, spent: string) => `Достигнут месячный лимит расходов по корпоративному номеру: ${spent} из ${limit}.`,
    en: (limit: string, spent: string) => `Your corporate number has reached its monthly spending limit: ${spent} of ${limit}.`,
  },
  block_extras: {
    ru: (limit: string, spent: string) => `Достигнут месячный лимит расходов (${spent} из ${limit}): платные дополнительные услуги заблокированы до конца месяца.`,
    en: (limit: string, spent: string) => `Monthly spending limit reached (${spent} of ${limit}): paid extras are blocked until the end of the month.`,
  },
};

/** The "block paid extras" notice when connected extras were suspended, naming them. */
const suspendedNotice = {
  ru: (limit: string, spent: string, names: string) => `Достигнут месячный лимит расходов (${spent} из ${limit}). Платные услуги приостановлены до конца месяца: ${names}. Новые платные услуги не подключаются.`,
  en: (limit: string, spent: string, names: string) => `Monthly spending limit reached (${spent} of ${limit}). Paid extras are suspended until the end of the month: ${names}. New paid extras cannot be connected.`,
};

export interface LimitCheckResult {
  month: string;
  triggered: { msisdn: string; action: LimitAction; spent: number; amount: number; suspended: string[] }[];
  /** Numbers whose held extras came back (a new local month began). */
  resumed: { msisdn: string; products: string[] }[];
}

/**
 * Finds numbers whose month-to-date spend (in the limit's scope, in the number's own local month)
 * has reached their limit and takes the chosen action — an SMS to the employee, and for
 * `block_extras` the number's connected paid extras suspended and new ones refused until its month
 * ends — exactly once per number and month: the action is done in the same transaction as the
 * insert of the month's `number_limit_event` row, whose primary key lets only one of any number of
 * concurrent checks through. Then resumes the extras held in a month that has ended.
 */
export async function checkSpendingLimits(core: Core, opts: { now?: Date; customerId?: number } = {}): Promise<LimitCheckResult> {
  const now = opts.now ?? core.clock.now();
  const ctx = systemCtx('business-limits');
  const candidates = await core.db.query<Candidate>(
    `SELECT s.id, s.account_id, s.customer_id, s.msisdn, s.language, nl.amount, nl.scope, nl.action, x.spent, ${localSql.month('$1', 'r.time_zone')} AS period
       FROM number_limit nl JOIN subscriber s ON s.id = nl.subscriber_id JOIN region r ON r.code = s.region_code
       CROSS JOIN LATERAL (SELECT COALESCE(SUM(-l.amount), 0)::bigint AS spent FROM ledger_entry l
                            WHERE l.account_id = s.account_id AND l.created_at >= ${localSql.monthStart('$1', 'r.time_zone')}
                              AND l.created_at < ${localSql.monthStart('$1', 'r.time_zone', 1)} AND ${SPENDING_ENTRY}
                              AND (nl.scope = 'both' OR (nl.scope = 'tariff') = (l.product_code IS NULL))) x
      WHERE x.spent >= nl.amount ${opts.customerId !== undefined ? 'AND nl.customer_id = $2' : ''}
        AND NOT EXISTS (SELECT 1 FROM number_limit_event e WHERE e.subscriber_id = s.id AND e.period = ${localSql.month('$1', 'r.time_zone')})
      ORDER BY s.id`,
    opts.customerId !== undefined ? [now, opts.customerId] : [now],
  );
  const triggered: LimitCheckResult['triggered'] = [];
  for (const c of candidates) {
    const done = await core.db.tx((tx) => trigger(tx, core, ctx, c, now));
    if (done) triggered.push({ msisdn: c.msisdn, action: c.action, spent: Number(c.spent), amount: Number(c.amount), suspended: done.map((h) => h.code) });
  }
  const resumed = await releaseDueHolds(core, now, { customerId: opts.customerId });
  return { month: localMonthOf(now, 'Europe/Moscow').month, triggered, resumed };
}

interface Candidate {
  id: number;
  account_id: number;
  customer_id: number;
  msisdn: string;
  language: 'ru' | 'en';
  amount: number;
  scope: LimitScope;
  action: LimitAction;
  spent: number;
  period: string;
}

/** Acts on one reached limit; null when another check got there first. Returns what it suspended. */
async function trigger(tx: Tx, core: Core, ctx: Ctx, c: Candidate, now: Date): Promise<HeldExtra[] | null> {
  // The number's row lock orders this against a concurrent release of its holds.
  const locked = await lockNumberForHolds(tx, c.id);
  if (!locked) return null;
  const period = c.period;
  const inserted = await tx.query(
    `INSERT INTO number_limit_event (subscriber_id, period, customer_id, amount, spent, scope, action, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (subscriber_id, period) DO NOTHING RETURNING subscriber_id`,
    [c.id, period, c.customer_id, c.amount, c.spent, c.scope, c.action, now],
  );
  if (inserted.length === 0) return null;
  const lang = c.language;
  const held = c.action === 'block_extras' ? await holdPaidExtras(tx, locked, now) : [];
  const amount = formatMoney(Number(c.amount), lang);
  const spent = formatMoney(Number(c.spent), lang);
  const text = held.length ? suspendedNotice[lang](amount, spent, namesOf(held, lang)) : notice[c.action][lang](amount, spent);
  await enqueueSms(tx, { msisdn: c.msisdn, text, kind: 'business.limit', at: now });
  await recordAudit(tx, core, ctx, {
    action: 'business.limit.reached',
    subscriberId: c.id,
    customerId: c.customer_id,
    details: { period, amount: Number(c.amount), spent: Number(c.spent), scope: c.scope, action: c.action },
  });
  if (held.length) {
    await recordAudit(tx, core, ctx, { action: 'business.limit.suspend', subscriberId: c.id, customerId: c.customer_id, details: { period, products: held.map((h) => h.code) } });
  }
  return held;
}

export interface ContractView {
  id: number;
  number: string;
  regionCode: string;
  numbers: number;
  /** The corporate trust limit L: one credit pool the contract's numbers share. */
  creditLimit: number;
  /** D: what the contract's numbers owe together (the sum of their balances below zero). */
  poolDebt: number;
  /** What is left of the pool: max(0, L − D). */
  poolRemaining: number;
  denyContent: boolean;
  deniedProducts: string[];
}

/** The customer's contracts (per region) with their credit pool's use and allowed-services filter. */
export async function listContracts(core: Core, ctx: Ctx): Promise<{ orderApproval: boolean; items: ContractView[] }> {
  const admin = requireBusinessAdmin(ctx, 'read');
  const rows = await core.db.query<{ id: number; number: string; region_code: string; n: number; credit_limit: number; deny_content: boolean; denied_products: string[] }>(
    `SELECT c.id, c.number, c.region_code, c.credit_limit, c.deny_content, c.denied_products,
            (SELECT count(*)::int FROM subscriber s WHERE s.contract_id = c.id${admin.role === 'department_manager' ? ' AND s.department_id = $2' : ''}) AS n
       FROM contract c WHERE c.customer_id = $1 ORDER BY c.number`,
    admin.role === 'department_manager' ? [admin.customerId, admin.departmentId] : [admin.customerId],
  );
  const [cust] = await core.db.query<{ order_approval: boolean }>('SELECT order_approval FROM customer WHERE id = $1', [admin.customerId]);
  const pools = await poolUse(core.db, rows.map((r) => r.id));
  return {
    orderApproval: cust?.order_approval ?? false,
    items: rows.map((r) => {
      const pool = pools.get(Number(r.id));
      const creditLimit = Number(r.credit_limit);
      return {
        id: r.id,
        number: r.number,
        regionCode: r.region_code,
        numbers: r.n,
        creditLimit,
        poolDebt: pool?.debt ?? 0,
        poolRemaining: pool?.remaining ?? creditLimit,
        denyContent: r.deny_content,
        deniedProducts: r.denied_products,
      };
    }),
  };
}

/**
 * Changes a contract: its corporate trust limit — one credit pool its numbers share (after which the
 * balance rules block or unblock the contract's numbers as the pool now allows: lowered below the
 * debt, every number below zero is blocked) — and its allowed-services filter. Contract admins only.
 */
export async function updateContract(
  core: Core,
  ctx: Ctx,
  input: { contractId: number; creditLimit?: number; denyContent?: boolean; deniedProducts?: string[] },
): Promise<ContractView> {
  await runUseCase(core, ctx, 'business.contract.update', async (tx, subject) => {
    const admin = requireBusinessAdmin(ctx, 'contract');
    subject.customerId = admin.customerId;
    const [c] = await tx.query<{ id: number; credit_limit: number; deny_content: boolean; denied_products: string[] }>(
      'SELECT id, credit_limit, deny_content, denied_products FROM contract WHERE id = $1 AND customer_id = $2 FOR UPDATE',
      [input.contractId, admin.customerId],
    );
    if (!c) throw new DomainError('NOT_FOUND', { what: 'contract' });
    if (input.creditLimit !== undefined && !businessAmount.safeParse(input.creditLimit).success) {
      throw new DomainError('VALIDATION', { field: 'creditLimit' });
    }
    if (input.deniedProducts) {
      const known = await tx.query<{ code: string }>('SELECT code FROM product WHERE code = ANY($1::text[])', [input.deniedProducts]);
      const missing = input.deniedProducts.find((p) => !known.some((k) => k.code === p));
      if (missing) throw new DomainError('PRODUCT_NOT_FOUND', { product: missing });
    }
    const next = {
      creditLimit: input.creditLimit ?? Number(c.credit_limit),
      denyContent: input.denyContent ?? c.deny_content,
      deniedProducts: input.deniedProducts ? [...new Set(input.deniedProducts)].sort() : c.denied_products,
    };
    await tx.query('UPDATE contract SET credit_limit = $2, deny_content = $3, denied_products = $4 WHERE id = $1', [c.id, next.creditLimit, next.denyContent, next.deniedProducts]);
    if (input.creditLimit !== undefined && input.creditLimit !== Number(c.credit_limit)) {
      // The contract row is locked (lock order contract → account): no paid action of the pool runs now.
      await applyBalanceRules(tx, core, ctx, [], { pools: [c.id] });
    }
    await recordAudit(tx, core, ctx, {
      action: 'business.contract.update',
      customerId: admin.customerId,
      details: { contract: c.id, from: { creditLimit: Number(c.credit_limit), denyContent: c.deny_content, deniedProducts: c.denied_products }, to: next },
    });
  });
  return mustExist((await listContracts(core, ctx)).items.find((x) => x.id === input.contractId), 'contract');
}

/** Whether orders need a second admin's approval. Contract admins only. */
export async function updateCustomerSettings(core: Core, ctx: Ctx, input: { orderApproval: boolean }): Promise<{ orderApproval: boolean }> {
  return runUseCase(core, ctx, 'business.settings.update', async (tx, subject) => {
    const admin = requireBusinessAdmin(ctx, 'contract');
    subject.customerId = admin.customerId;
    await tx.query('UPDATE customer SET order_approval = $2 WHERE id = $1', [admin.customerId, input.orderApproval]);
    await recordAudit(tx, core, ctx, { action: 'business.settings.update', customerId: admin.customerId, details: input });
    return { orderApproval: input.orderApproval };
  });
}
