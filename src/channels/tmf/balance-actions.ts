import { createHash, randomUUID } from 'node:crypto';
import type { Core } from '../../domain/core.ts';
import { adjustBalance } from '../../domain/ledger/adjust-balance.ts';
import { readBalances } from '../../domain/ledger/read-balance.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { DomainError, mustExist } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { findSubscriberByMsisdn } from '../../domain/subscribers/access.ts';
import { capLimit, requireOperator, withinCap } from '../../domain/shared/operator-access.ts';
import { emptyPage, readPage, type Paged, type StorePage } from '../../domain/shared/list-page.ts';
import type { SqlFilter } from './filter-sql.ts';

export type Bucket =
  | { kind: 'money'; subscriberId: number; accountId: number; msisdn: string; balance: number; creditLimit: number; currency: string; status: string; reserved: number }
  | { kind: 'quota'; id: number; subscriberId: number; accountId: number; msisdn: string; unit: 'seconds' | 'sms' | 'bytes'; source: string; included: number; used: number; periodStart: Date; periodEnd: Date };

const msisdnOrNull = (m: string | undefined): string | null | false => (m === undefined ? null : (normalizeMsisdn(m) ?? false));

/** Money buckets (the account's balance, as each number sees it) and the quotas running now. */
export async function listBuckets(core: Core, ctx: Ctx, input: { msisdn?: string }): Promise<Bucket[]> {
  requireOperator(ctx);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return [];
  const numbers = withinCap(await core.db.query<{ id: number; reserved: number }>(
    `SELECT s.id, (SELECT COALESCE(SUM(r.amount), 0)::bigint FROM tmf_reservation r WHERE r.subscriber_id = s.id AND r.state = 'active') AS reserved
       FROM subscriber s WHERE ($1::text IS NULL OR s.msisdn = $1) ORDER BY s.id LIMIT ${capLimit()}`,
    [msisdn],
  ));
  // The money itself is the ledger's one balance read.
  const reserved = new Map(numbers.map((n) => [Number(n.id), n.reserved]));
  const money: Bucket[] = (await readBalances(core.db, { subscriberIds: numbers.map((n) => Number(n.id)) }, core.clock.now())).map((b) => ({
    kind: 'money',
    subscriberId: b.subscriberId,
    accountId: b.accountId,
    msisdn: b.msisdn,
    balance: b.balance,
    creditLimit: b.creditLimit,
    currency: b.currency,
    status: b.status,
    reserved: reserved.get(b.subscriberId) ?? 0,
  }));
  const quotas = withinCap(await core.db.query<Bucket>(
    `SELECT 'quota' AS kind, q.id, q.subscriber_id AS "subscriberId", q.account_id AS "accountId", s.msisdn, q.unit, q.source,
            q.included, q.used, q.period_start AS "periodStart", q.period_end AS "periodEnd"
       FROM quota q JOIN subscriber s ON s.id = q.subscriber_id
      WHERE ($1::text IS NULL OR s.msisdn = $1) AND q.period_start <= $2 AND q.period_end > $2 ORDER BY q.subscriber_id, q.id LIMIT ${capLimit()}`,
    [msisdn, core.clock.now()],
  ));
  return [...money, ...quotas];
}

export type BalanceActionKind = 'topupBalance' | 'adjustBalance';

export interface BalanceAction {
  id: string;
  kind: BalanceActionKind;
  accountId: number;
  subscriberId: number;
  msisdn: string;
  amount: number;
  entryId: number;
  balance: number | null;
  body: Record<string, unknown>;
  createdAt: Date;
}

/** A request id repeated with the same Idempotency-Key names the same resource. */
export function balanceActionId(idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  const h = createHash('sha256').update(`tmf654:${idempotencyKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * TMF654 topupBalance (money paid in) and adjustBalance (a correction, either way): booked by the
 * ledger's adjustBalance under the key `tmf654:<id>`, so a repeat books nothing twice, then kept
 * as a resource the API can show.
 */
export async function bookBalanceAction(
  core: Core,
  ctx: Ctx,
  input: { kind: BalanceActionKind; id: string; msisdn: string; amount: number; reason: string; body: Record<string, unknown> },
): Promise<BalanceAction> {
  requireOperator(ctx);
  if (input.kind === 'topupBalance' && input.amount <= 0) throw new DomainError('VALIDATION', { field: 'amount', message: 'a top-up is positive' });
  const booked = await adjustBalance(core, { ...ctx, idempotencyKey: `tmf654:${input.id}` }, {
    msisdn: input.msisdn,
    amount: input.amount,
    kind: input.kind === 'topupBalance' ? 'payment' : 'adjustment',
    reason: input.reason,
  });
  const sub = mustExist(await findSubscriberByMsisdn(core.db, booked.msisdn), 'subscriber');
  await core.db.query(
    `INSERT INTO tmf_balance_action (account_id, id, kind, subscriber_id, amount, entry_id, body, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [sub.accountId, input.id, input.kind, sub.id, input.amount, booked.entryId, JSON.stringify(input.body), core.clock.now()],
  );
  const action = mustExist((await listBalanceActions(core, ctx, { kind: input.kind, id: input.id }))[0], 'balance action');
  return { ...action, balance: booked.balance };
}

/**
 * TMF654 topupBalance or adjustBalance requests, oldest first: all, one number's, or one by id;
 * `filter`: a condition over BalanceAction's columns (x.id, x.msisdn, x.amount, x.body, …);
 * `page`: only that page, with the total.
 */
export async function listBalanceActions(core: Core, ctx: Ctx, input: { kind: BalanceActionKind; id?: string; msisdn?: string; filter?: SqlFilter }, page?: StorePage): Promise<Paged<BalanceAction>> {
  requireOperator(ctx);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return emptyPage(page);
  const params: unknown[] = [input.kind, input.id ?? null, msisdn];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<BalanceAction>(
    core.db,
    `SELECT * FROM (
       SELECT b.id, b.kind, b.account_id AS "accountId", b.subscriber_id AS "subscriberId", s.msisdn, b.amount, b.entry_id AS "entryId",
              NULL::bigint AS balance, b.body, b.created_at AS "createdAt"
         FROM tmf_balance_action b JOIN subscriber s ON s.id = b.subscriber_id
        WHERE b.kind = $1 AND ($2::text IS NULL OR b.id = $2) AND ($3::text IS NULL OR s.msisdn = $3)) x WHERE ${where}`,
    params,
    `"createdAt", id, "accountId"`,
    page,
  );
}

export interface LedgerLine {
  id: string;
  accountId: number;
  subscriberId: number | null;
  msisdn: string | null;
  amount: number;
  kind: string;
  category: string | null;
  productCode: string | null;
  description: string | null;
  createdAt: Date;
}

/**
 * Every movement of money on an account (TMF654 balanceActionHistory), newest first: all, one
 * number's account's (`msisdn`), or one by id; `filter`: a condition over LedgerLine's columns
 * (x.id, x.msisdn, x.amount, x.kind, x."createdAt", …); `page`: only that page, with the total.
 */
export async function listLedgerHistory(core: Core, ctx: Ctx, input: { msisdn?: string; id?: string; filter?: SqlFilter }, page?: StorePage): Promise<Paged<LedgerLine>> {
  requireOperator(ctx);
  const none = () => emptyPage(page);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return none();
  const byId = input.id === undefined ? null : /^(\d{1,15})-(\d{1,15})$/.exec(input.id);
  if (input.id !== undefined && !byId) return none();
  const params: unknown[] = [msisdn, byId ? Number(byId[1]) : null, byId ? Number(byId[2]) : null];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<LedgerLine>(
    core.db,
    `SELECT * FROM (
       SELECT e.account_id || '-' || e.id AS id, e.id AS "entryId", e.account_id AS "accountId", e.subscriber_id AS "subscriberId", s.msisdn, e.amount, e.kind,
              e.category, e.product_code AS "productCode", e.description, e.created_at AS "createdAt"
         FROM ledger_entry e LEFT JOIN subscriber s ON s.id = e.subscriber_id
        WHERE ($1::text IS NULL OR e.account_id IN (SELECT account_id FROM subscriber WHERE msisdn = $1))
          AND ($2::bigint IS NULL OR (e.account_id = $2 AND e.id = $3))) x WHERE ${where}`,
    params,
    `"createdAt" DESC, "entryId" DESC, "accountId" DESC`,
    page,
  );
}
