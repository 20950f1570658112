import { batchedLookup } from '../../store/batched-lookup.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { available, effectiveCreditSql } from '../ledger/funds.ts';
import { DomainError } from '../shared/errors.ts';
import { canSee, subscriberKey } from './access.ts';
import type { QuotaLine, QuotaUnit } from './quotas.ts';

export interface BalanceView {
  msisdn: string;
  balance: number;
  /** The credit the number may use now (for a contract's number: what the company's pool leaves it). */
  creditLimit: number;
  /** `own`: the subscriber's own trust limit; `company_pool`: the company contract's shared credit pool. */
  creditSource: 'own' | 'company_pool';
  available: number;
  currency: string;
  status: string;
  asOf: string;
  remaining: Record<QuotaUnit, { included: number; used: number; remaining: number }>;
  quotas: QuotaLine[];
}

interface BalanceRow {
  id: number;
  customerId: number;
  departmentId: number | null;
  msisdn: string;
  status: string;
  balance: number;
  creditLimit: number;
  pooled: boolean;
  currency: string;
  asOf: string;
  quotas: { unit: QuotaUnit; source: string; included: number; used: number; period_start: string; period_end: string }[] | null;
}

const balanceSql = (cond: string) =>
  // One JSON column rather than nine plus a JSON one: on PGlite the engine builds it for less
  // than it costs to describe and parse the separate columns (bench/count-sql.ts, bench/profile-hot.ts).
  `SELECT json_build_object('id', s.id, 'customerId', s.customer_id, 'departmentId', s.department_id, 'msisdn', s.msisdn,
          'status', s.status, 'balance', a.balance, 'creditLimit', ${effectiveCreditSql('a')}, 'pooled', a.pool_contract_id IS NOT NULL, 'currency', a.currency,
          'asOf', $2::timestamptz,
          'quotas', (SELECT json_agg(json_build_object('unit', q.unit, 'source', q.source, 'included', q.included, 'used', q.used,
                                                       'period_start', q.period_start, 'period_end', q.period_end) ORDER BY q.unit, q.period_end, q.id)
                       FROM quota q WHERE q.account_id = s.account_id AND q.subscriber_id = s.id AND q.period_start <= $2 AND q.period_end > $2)) AS b
     FROM subscriber s JOIN account a ON a.id = s.account_id WHERE ${cond}`;

/**
 * Balance with the "as of" time and what is left of minutes, SMS and data this period. The most
 * frequent read of every channel, so it is one statement — subscriber, account and quotas together —
 * and reads arriving at the same moment share it (`batchedLookup`: nothing is cached).
 */
export async function getBalance(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BalanceView> {
  const { where, param } = subscriberKey(ctx.actor, input.msisdn);
  const byId = where.startsWith('s.id');
  const common = { sql: balanceSql, paramTypes: ['timestamptz'] as const, params: () => [core.clock.now()] };
  const row = byId
    ? await batchedLookup(core.db, { ...common, name: 'balance_by_id', keyColumn: 's.id', keyType: 'bigint', keyOf: (r: { b: BalanceRow }) => r.b.id })(param as number)
    : await batchedLookup(core.db, { ...common, name: 'balance_by_msisdn', keyColumn: 's.msisdn', keyType: 'text', keyOf: (r: { b: BalanceRow }) => r.b.msisdn })(param as string);
  const sub = row?.b;
  if (!sub || !canSee(ctx.actor, sub)) throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: input.msisdn });
  const now = new Date(sub.asOf);
  const quotas: QuotaLine[] = (sub.quotas ?? []).map((q) => ({
    unit: q.unit,
    source: q.source,
    included: Number(q.included),
    used: Number(q.used),
    remaining: Number(q.included) - Number(q.used),
    periodStart: new Date(q.period_start).toISOString(),
    periodEnd: new Date(q.period_end).toISOString(),
  }));
  const remaining: BalanceView['remaining'] = {
    seconds: { included: 0, used: 0, remaining: 0 },
    sms: { included: 0, used: 0, remaining: 0 },
    bytes: { included: 0, used: 0, remaining: 0 },
  };
  for (const qline of quotas) {
    const r = remaining[qline.unit];
    r.included += qline.included;
    r.used += qline.used;
    r.remaining += qline.remaining;
  }
  return {
    msisdn: sub.msisdn,
    balance: sub.balance,
    creditLimit: sub.creditLimit,
    creditSource: sub.pooled ? 'company_pool' : 'own',
    available: available(sub),
    currency: sub.currency,
    status: sub.status,
    asOf: now.toISOString(),
    remaining,
    quotas,
  };
}
