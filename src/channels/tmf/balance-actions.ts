import { createHash, randomUUID } from 'node:crypto';
import type { Core } from '../../domain/core.ts';
import { adjustBalance } from '../../domain/ledger/adjust-balance.ts';
import { readBalances } from '../../domain/ledger/read-balance.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { DomainError, mustExist } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { findSubscriberByMsisdn } from '../../domain/subscribers/access.ts';
import { requireOperator } from '../../domain/shared/operator-access.ts';
import { emptyPage, readPage, readParts, type Paged, type StorePage } from '../../domain/shared/list-page.ts';
import type { SqlFilter } from './filter-sql.ts';

export type Bucket =
  | { kind: 'money'; subscriberId: number; accountId: number; msisdn: string; balance: number; creditLimit: number; currency: string; status: string; reserved: number }
  | { kind: 'quota'; id: number; subscriberId: number; accountId: number; msisdn: string; unit: 'seconds' | 'sms' | 'bytes'; source: string; included: number; used: number; periodStart: Date; periodEnd: Date };

const msisdnOrNull = (m: string | undefined): string | null | false => (m === undefined ? null : (normalizeMsisdn(m) ?? false));

/** A bucket as the store lists it (alias x): a number's money (id 0) or one of its quotas running at $2. */
interface BucketRow {
  kind: 'money' | 'quota';
  subscriberId: number;
  id: number;
  accountId: number;
  msisdn: string;
  status: string;
  unit: 'seconds' | 'sms' | 'bytes' | null;
  source: string | null;
  included: number | null;
  used: number | null;
  periodStart: Date | null;
  periodEnd: Date | null;
}

/**
 * The buckets of every number, one number ($1), or some numbers ($2): the money of each, then the
 * quotas running at $3, each part in its own order (by number; by the quota's key).
 */
const MONEY_ROWS = `
  SELECT 'money' AS kind, s.id AS "subscriberId", 0::bigint AS id, s.account_id AS "accountId", s.msisdn, s.status,
         NULL::text AS unit, NULL::text AS source, NULL::bigint AS included, NULL::bigint AS used, NULL::timestamptz AS "periodStart", NULL::timestamptz AS "periodEnd"
    FROM subscriber s WHERE ($1::text IS NULL OR s.msisdn = $1) AND ($2::bigint[] IS NULL OR s.id = ANY($2::bigint[]))`;
const QUOTA_ROWS = `
  SELECT 'quota' AS kind, q.subscriber_id AS "subscriberId", q.id, q.account_id AS "accountId", s.msisdn, s.status,
         q.unit, q.source, q.included, q.used, q.period_start AS "periodStart", q.period_end AS "periodEnd"
    FROM quota q JOIN subscriber s ON s.id = q.subscriber_id
   WHERE ($1::text IS NULL OR s.msisdn = $1) AND ($2::bigint[] IS NULL OR s.id = ANY($2::bigint[])) AND q.period_start <= $3 AND q.period_end > $3`;
const BUCKET_PARTS: { sql: string; order: string; params: (msisdn: string | null, ids: number[] | null, at: Date) => unknown[] }[] = [
  { sql: MONEY_ROWS, order: '"subscriberId"', params: (msisdn, ids) => [msisdn, ids] },
  { sql: QUOTA_ROWS, order: '"accountId", id', params: (msisdn, ids, at) => [msisdn, ids, at] },
];

/** Bucket rows as buckets: the money is the ledger's one balance read, with what TMF654 reservations hold. */
async function bucketsOf(core: Core, rows: BucketRow[]): Promise<Bucket[]> {
  const moneyIds = rows.filter((r) => r.kind === 'money').map((r) => Number(r.subscriberId));
  const balances = new Map((await readBalances(core.db, { subscriberIds: moneyIds }, core.clock.now())).map((b) => [b.subscriberId, b]));
  const reserved = new Map(
    moneyIds.length
      ? (await core.db.query<{ id: number; reserved: number }>(
          `SELECT r.subscriber_id AS id, COALESCE(SUM(r.amount), 0)::bigint AS reserved FROM tmf_reservation r WHERE r.subscriber_id = ANY($1::bigint[]) AND r.state = 'active' GROUP BY r.subscriber_id`,
          [moneyIds],
        )).map((r) => [Number(r.id), Number(r.reserved)])
      : [],
  );
  return rows.flatMap((r): Bucket[] => {
    if (r.kind === 'quota') {
      return [{ kind: 'quota', id: Number(r.id), subscriberId: Number(r.subscriberId), accountId: Number(r.accountId), msisdn: r.msisdn, unit: r.unit!, source: r.source!, included: Number(r.included), used: Number(r.used), periodStart: r.periodStart!, periodEnd: r.periodEnd! }];
    }
    const b = balances.get(Number(r.subscriberId));
    if (!b) return [];
    return [{ kind: 'money', subscriberId: b.subscriberId, accountId: b.accountId, msisdn: b.msisdn, balance: b.balance, creditLimit: b.creditLimit, currency: b.currency, status: b.status, reserved: reserved.get(b.subscriberId) ?? 0 }];
  });
}

/**
 * Money buckets (the account's balance, as each number sees it) and the quotas running now: all,
 * or one number's. `filter`: a condition over BucketRow's columns (x.kind, x.id, x.msisdn,
 * x."accountId", x.unit, x.source, x."periodStart", …); `page`: only that page, with the total.
 */
export async function listBuckets(core: Core, ctx: Ctx, input: { msisdn?: string; filter?: SqlFilter }, page?: StorePage): Promise<Paged<Bucket>> {
  requireOperator(ctx);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return emptyPage(page);
  const parts = BUCKET_PARTS.map(({ sql, order, params: base }) => {
    const params = base(msisdn, null, core.clock.now());
    const where = input.filter ? input.filter(params) : 'TRUE';
    return { sql: `SELECT * FROM (${sql}) x WHERE ${where}`, params, order };
  });
  const rows = await readParts<BucketRow>(core.db, parts, page);
  const buckets = await bucketsOf(core, rows);
  return Object.assign(buckets, rows.total === undefined ? {} : { total: rows.total });
}

/**
 * The numbers' accumulated balances: the store pages the numbers (by id; `filter` a condition over
 * x.id, x.msisdn, x."accountId" and x.at, the time whose quotas are running), then reads the page's buckets. `total`: how many numbers match.
 */
export async function listAccumulatedBuckets(core: Core, ctx: Ctx, input: { msisdn?: string; filter?: SqlFilter }, page?: StorePage): Promise<{ buckets: Bucket[]; total?: number }> {
  requireOperator(ctx);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return { buckets: [], ...(page ? { total: 0 } : {}) };
  const params: unknown[] = [msisdn, core.clock.now()];
  const where = input.filter ? input.filter(params) : 'TRUE';
  const numbers = await readPage<{ id: number }>(
    core.db,
    `SELECT * FROM (SELECT s.id, s.msisdn, s.account_id AS "accountId", $2::timestamptz AS at FROM subscriber s WHERE ($1::text IS NULL OR s.msisdn = $1)) x WHERE ${where}`,
    params,
    'id',
    page,
  );
  const ids = numbers.map((n) => Number(n.id));
  // The page's numbers only: bounded by the page, so read without the list's bound.
  const rows = ids.length ? await core.db.query<BucketRow>(`${MONEY_ROWS} ORDER BY "subscriberId"`, [null, ids]) : [];
  if (ids.length) rows.push(...(await core.db.query<BucketRow>(`${QUOTA_ROWS} ORDER BY "accountId", id`, [null, ids, core.clock.now()])));
  return { buckets: await bucketsOf(core, rows), ...(numbers.total === undefined ? {} : { total: numbers.total }) };
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
