import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../domain/core.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { parseInstant } from '../../domain/shared/strict-input.ts';
import {
  balanceActionId,
  bookBalanceAction,
  listBalanceActions,
  listAccumulatedBuckets,
  listBuckets,
  listLedgerHistory,
  type BalanceAction,
  type BalanceActionKind,
  type Bucket,
  type LedgerLine,
} from './balance-actions.ts';
import { listReservations, listTransfers, releaseReservation, reserveBalance, transferBalance, type Reservation, type Transfer } from '../../domain/ledger/balance-ops.ts';
import { acceptedFilters, apiBase, compact, fieldsQuery, idParams, iso, listQuery, selectFields, sendList, storePage, tmfCtx, toKopecks } from './conventions.ts';
import { bool, filterNames, kopecks, sqlFilter, wholeId, type FilterColumn, type FilterColumns } from './filter-sql.ts';
import { hubRoutes, publish } from './hub.ts';
import { arr, msisdnFrom } from './parties.ts';

export const BALANCE_BASE = '/tmf-api/prepayBalanceManagement/v4';
const API = 'prepayBalanceManagement';
const tag = 'TMF654 Prepay Balance';

const USAGE_TYPE: Record<string, string> = { seconds: 'voice', sms: 'sms', bytes: 'data' };
const quantity = (kopecks: number) => ({ amount: kopecks / 100, units: 'RUB' });
const logical = (msisdn: string) => [{ id: msisdn, value: msisdn, '@referredType': 'MSISDN' }];
const party = (msisdn: string) => [{ id: msisdn, role: 'subscriber', '@referredType': 'Individual' }];

function bucketId(b: Bucket): string {
  return b.kind === 'money' ? `money-${b.msisdn}` : `quota-${b.accountId}-${b.id}`;
}

function renderBucket(b: Bucket, base: string): Record<string, unknown> {
  const common = { id: bucketId(b), href: `${base}/bucket/${bucketId(b)}`, logicalResource: logical(b.msisdn), partyAccount: { id: String(b.accountId), '@referredType': 'PartyAccount' }, relatedParty: party(b.msisdn), '@type': 'Bucket' };
  if (b.kind === 'money') {
    return { ...common, name: 'Main balance', usageType: 'monetary', isShared: false, remainingValue: quantity(b.balance), remainingValueName: `${(b.balance / 100).toFixed(2)} RUB`, reservedValue: quantity(Number(b.reserved)), status: b.status === 'active' ? 'active' : 'suspended', creditLimit: quantity(b.creditLimit) };
  }
  const left = b.included - b.used;
  const [amount, units] = b.unit === 'seconds' ? [left / 60, 'minutes'] : b.unit === 'bytes' ? [left / 1048576, 'MB'] : [left, 'sms'];
  return { ...common, name: b.source, usageType: USAGE_TYPE[b.unit], isShared: false, remainingValue: { amount: Math.round(amount * 1000) / 1000, units }, remainingValueName: `${Math.round(amount * 1000) / 1000} ${units}`, status: 'active', validFor: { startDateTime: iso(b.periodStart), endDateTime: iso(b.periodEnd) } };
}

function renderAction(a: BalanceAction, base: string): Record<string, unknown> {
  return compact({
    ...a.body,
    id: a.id,
    href: `${base}/${a.kind}/${a.id}`,
    status: 'confirmed',
    requestedDate: iso(a.createdAt),
    confirmationDate: iso(a.createdAt),
    amount: quantity(Math.abs(a.amount)),
    ...(a.kind === 'adjustBalance' ? { adjustType: a.amount < 0 ? 'debit' : 'credit' } : {}),
    bucket: bucketOut(a.body, 'bucket', { id: `money-${a.msisdn}`, href: `${base}/bucket/money-${a.msisdn}` }),
    logicalResource: logical(a.msisdn),
    partyAccount: { id: String(a.accountId), '@referredType': 'PartyAccount' },
    relatedParty: party(a.msisdn),
    '@type': a.kind === 'topupBalance' ? 'TopupBalance' : 'AdjustBalance',
  });
}

function renderHistory(e: LedgerLine, base: string): Record<string, unknown> {
  const msisdn = e.msisdn ?? '';
  return compact({
    id: e.id,
    href: `${base}/balanceActionHistory/${e.id}`,
    status: 'confirmed',
    requestedDate: iso(e.createdAt),
    confirmationDate: iso(e.createdAt),
    description: e.description ?? undefined,
    reason: e.kind,
    adjustType: e.amount < 0 ? 'debit' : 'credit',
    amount: quantity(Math.abs(e.amount)),
    usageType: 'monetary',
    bucket: e.msisdn ? [{ id: `money-${msisdn}`, href: `${base}/bucket/money-${msisdn}` }] : undefined,
    logicalResource: e.msisdn ? logical(msisdn) : undefined,
    receiverLogicalResource: e.msisdn ? logical(msisdn) : [],
    partyAccount: { id: String(e.accountId), '@referredType': 'PartyAccount' },
    product: e.productCode ? [{ id: e.productCode, '@referredType': 'ProductOffering' }] : undefined,
    category: e.category ?? undefined,
    '@type': 'BalanceActionHistory',
  });
}

/** The filters TMF654 topupBalance and adjustBalance take, each applied by the store to what the request shows. */
function actionFilters(kind: 'topupBalance' | 'adjustBalance'): FilterColumns {
  return {
    id: { sql: 'x.id', cast: 'text' },
    status: { sql: `'confirmed'`, cast: 'text' },
    requestedDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
    confirmationDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
    'amount.amount': { sql: 'abs(x.amount)', cast: 'bigint', value: kopecks },
    'amount.units': { sql: `'RUB'`, cast: 'text' },
    ...(kind === 'adjustBalance' ? { adjustType: { sql: `CASE WHEN x.amount < 0 THEN 'debit' ELSE 'credit' END`, cast: 'text' } as FilterColumn } : {}),
    reason: fromBody('reason'),
    description: fromBody('description'),
    usageType: fromBody('usageType'),
    'logicalResource.id': { sql: 'x.msisdn', cast: 'text' },
    'logicalResource.value': { sql: 'x.msisdn', cast: 'text' },
    'relatedParty.id': { sql: 'x.msisdn', cast: 'text' },
    'relatedParty.role': { sql: `'subscriber'`, cast: 'text' },
    'partyAccount.id': { sql: 'x."accountId"', cast: 'bigint', value: wholeId },
    '@type': { sql: `'${kind === 'topupBalance' ? 'TopupBalance' : 'AdjustBalance'}'`, cast: 'text' },
  };
}

const money = (sql: string): FilterColumns => ({ 'amount.amount': { sql, cast: 'bigint', value: kopecks }, 'amount.units': { sql: `'RUB'`, cast: 'text' } });
const fromBody = (name: string): FilterColumn => ({ sql: `x.body->>'${name}'`, cast: 'text' });

/** The filters TMF654 reserveBalance takes, each applied by the store to what the reservation shows. */
const RESERVATION_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'text' },
  status: { sql: `CASE WHEN x.state = 'active' THEN 'created' ELSE 'cancelled' END`, cast: 'text' },
  requestedDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  confirmationDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  lastUpdate: { sql: 'x."updatedAt"', cast: 'timestamptz', date: true },
  'validFor.endDateTime': { sql: 'x."validUntil"', cast: 'timestamptz', date: true },
  ...money('x.amount'),
  usageType: { sql: `'monetary'`, cast: 'text' },
  reason: fromBody('reason'),
  description: fromBody('description'),
  'logicalResource.id': { sql: 'x.msisdn', cast: 'text' },
  'logicalResource.value': { sql: 'x.msisdn', cast: 'text' },
  'relatedParty.id': { sql: 'x.msisdn', cast: 'text' },
  'relatedParty.role': { sql: `'subscriber'`, cast: 'text' },
  'partyAccount.id': { sql: 'x."accountId"', cast: 'bigint', value: wholeId },
  '@type': { sql: `'ReserveBalance'`, cast: 'text' },
};

/** The filters TMF654 transferBalance takes; the number (logicalResource, relatedParty.id) is either end. */
const TRANSFER_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'text' },
  status: { sql: `'completed'`, cast: 'text' },
  requestedDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  confirmationDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  ...money('x.amount'),
  usageType: { sql: `'monetary'`, cast: 'text' },
  receiverBucketUsageType: { sql: `'monetary'`, cast: 'text' },
  reason: fromBody('reason'),
  description: fromBody('description'),
  'logicalResource.id': { sql: `$v IN (x."sourceMsisdn", x."targetMsisdn")`, cast: 'text' },
  'logicalResource.value': { sql: `$v IN (x."sourceMsisdn", x."targetMsisdn")`, cast: 'text' },
  'receiverLogicalResource.value': { sql: 'x."targetMsisdn"', cast: 'text' },
  'relatedParty.id': { sql: `$v IN (x."sourceMsisdn", x."targetMsisdn")`, cast: 'text' },
  'relatedParty.role': { sql: `$v IN ('subscriber', 'receiver')`, cast: 'text' },
  'partyAccount.id': { sql: 'x."sourceAccountId"', cast: 'bigint', value: wholeId },
  '@type': { sql: `'TransferBalance'`, cast: 'text' },
};

const QUOTA_ID = `'^quota-[0-9]{1,15}-[0-9]{1,15}$'`;
/** A bucket's id as the list shows it (`money-<MSISDN>`, `quota-<account>-<id>`), read through the number's and the quota's keys. */
const BUCKET_ID = `(x.kind = 'money' AND x.msisdn = CASE WHEN $v LIKE 'money-%' THEN substr($v, 7) END)
  OR (x.kind = 'quota' AND x.id = CASE WHEN $v ~ ${QUOTA_ID} THEN split_part($v, '-', 3)::bigint END AND x."accountId" = CASE WHEN $v ~ ${QUOTA_ID} THEN split_part($v, '-', 2)::bigint END)`;
const NUMBER_FILTERS: FilterColumns = {
  'logicalResource.id': { sql: 'x.msisdn', cast: 'text' },
  'logicalResource.value': { sql: 'x.msisdn', cast: 'text' },
  'relatedParty.id': { sql: 'x.msisdn', cast: 'text' },
  'relatedParty.role': { sql: `'subscriber'`, cast: 'text' },
  'partyAccount.id': { sql: 'x."accountId"', cast: 'bigint', value: wholeId },
};

/**
 * The filters TMF654 bucket takes, each applied by the store to what the bucket shows (the amounts
 * of a money bucket are the ledger's read of the page, not filters).
 */
const BUCKET_FILTERS: FilterColumns = {
  id: { sql: BUCKET_ID, cast: 'text' },
  name: { sql: `CASE WHEN x.kind = 'money' THEN 'Main balance' ELSE x.source END`, cast: 'text' },
  usageType: { sql: `CASE x.unit WHEN 'seconds' THEN 'voice' WHEN 'sms' THEN 'sms' WHEN 'bytes' THEN 'data' ELSE 'monetary' END`, cast: 'text' },
  'remainingValue.units': { sql: `CASE x.unit WHEN 'seconds' THEN 'minutes' WHEN 'bytes' THEN 'MB' WHEN 'sms' THEN 'sms' ELSE 'RUB' END`, cast: 'text' },
  isShared: { sql: 'false', cast: 'boolean', value: bool },
  status: { sql: `CASE WHEN x.kind = 'quota' OR x.status = 'active' THEN 'active' ELSE 'suspended' END`, cast: 'text' },
  'validFor.startDateTime': { sql: 'x."periodStart"', cast: 'timestamptz', date: true },
  'validFor.endDateTime': { sql: 'x."periodEnd"', cast: 'timestamptz', date: true },
  ...NUMBER_FILTERS,
  '@type': { sql: `'Bucket'`, cast: 'text' },
};

/** The filters TMF654 accumulatedBalance takes (one per number; its total is the ledger's read of the page). */
const ACCUMULATED_FILTERS: FilterColumns = {
  id: { sql: 'x.msisdn', cast: 'text' },
  name: { sql: `'Balance'`, cast: 'text' },
  // One of the number's buckets: its money, or a quota of its running now.
  'bucket.id': {
    sql: `x.msisdn = CASE WHEN $v LIKE 'money-%' THEN substr($v, 7) END
      OR EXISTS (SELECT 1 FROM quota q WHERE q.subscriber_id = x.id AND q.period_start <= x.at AND q.period_end > x.at AND $v ~ ${QUOTA_ID}
                  AND q.account_id = CASE WHEN $v ~ ${QUOTA_ID} THEN split_part($v, '-', 2)::bigint END AND q.id = CASE WHEN $v ~ ${QUOTA_ID} THEN split_part($v, '-', 3)::bigint END)`,
    cast: 'text',
  },
  ...NUMBER_FILTERS,
  '@type': { sql: `'AccumulatedBalance'`, cast: 'text' },
};

/** The filters TMF654 balanceActionHistory takes, each applied by the store to what the line shows. */
const HISTORY_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'text' },
  status: { sql: `'confirmed'`, cast: 'text' },
  requestedDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  confirmationDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  description: { sql: 'x.description', cast: 'text' },
  reason: { sql: 'x.kind::text', cast: 'text' },
  adjustType: { sql: `CASE WHEN x.amount < 0 THEN 'debit' ELSE 'credit' END`, cast: 'text' },
  'amount.amount': { sql: 'abs(x.amount)', cast: 'bigint', value: kopecks },
  'amount.units': { sql: `'RUB'`, cast: 'text' },
  usageType: { sql: `'monetary'`, cast: 'text' },
  'bucket.id': { sql: `'money-' || x.msisdn`, cast: 'text' },
  'logicalResource.id': { sql: 'x.msisdn', cast: 'text' },
  'logicalResource.value': { sql: 'x.msisdn', cast: 'text' },
  'receiverLogicalResource.id': { sql: 'x.msisdn', cast: 'text' },
  'receiverLogicalResource.value': { sql: 'x.msisdn', cast: 'text' },
  'partyAccount.id': { sql: 'x."accountId"', cast: 'bigint', value: wholeId },
  'product.id': { sql: 'x."productCode"', cast: 'text' },
  category: { sql: 'x.category', cast: 'text' },
  '@type': { sql: `'BalanceActionHistory'`, cast: 'text' },
};

const RESERVATION_STATUS: Record<Reservation['state'], string> = { active: 'created', released: 'cancelled', expired: 'cancelled' };

function renderReservation(r: Reservation, base: string): Record<string, unknown> {
  return compact({
    ...r.body,
    id: r.id,
    href: `${base}/reserveBalance/${r.id}`,
    status: RESERVATION_STATUS[r.state],
    requestedDate: iso(r.createdAt),
    confirmationDate: iso(r.createdAt),
    lastUpdate: iso(r.updatedAt),
    amount: quantity(r.amount),
    usageType: 'monetary',
    validFor: compact({ startDateTime: iso(r.createdAt), endDateTime: iso(r.validUntil) }),
    bucket: bucketOut(r.body, 'bucket', { id: `money-${r.msisdn}`, href: `${base}/bucket/money-${r.msisdn}` }),
    logicalResource: logical(r.msisdn),
    partyAccount: { id: String(r.accountId), '@referredType': 'PartyAccount' },
    relatedParty: party(r.msisdn),
    '@type': 'ReserveBalance',
  });
}

function renderTransfer(t: Transfer, base: string): Record<string, unknown> {
  return compact({
    ...t.body,
    id: t.id,
    href: `${base}/transferBalance/${t.id}`,
    status: 'completed',
    requestedDate: iso(t.createdAt),
    confirmationDate: iso(t.createdAt),
    amount: quantity(t.amount),
    usageType: 'monetary',
    receiverBucketUsageType: 'monetary',
    bucket: bucketOut(t.body, 'bucket', { id: `money-${t.sourceMsisdn}`, href: `${base}/bucket/money-${t.sourceMsisdn}` }),
    logicalResource: logical(t.sourceMsisdn),
    receiverBucket: bucketOut(t.body, 'receiverBucket', { id: `money-${t.targetMsisdn}`, href: `${base}/bucket/money-${t.targetMsisdn}` }),
    receiverLogicalResource: logical(t.targetMsisdn),
    partyAccount: { id: String(t.sourceAccountId), '@referredType': 'PartyAccount' },
    relatedParty: [...party(t.sourceMsisdn), { id: t.targetMsisdn, role: 'receiver', '@referredType': 'Individual' }],
    '@type': 'TransferBalance',
  });
}

const ref = z.looseObject({ id: z.string().max(200).optional(), value: z.string().max(200).optional() });
/** TMF654 v4 defines a bucket as one BucketRef; a list of them is taken too (clients that sent one keep working). */
const bucketRef = z.union([ref, z.array(ref).min(1)]);

/**
 * A bucket reference in the form the request used: one BucketRef (as TMF654 v4 defines it) when the
 * stored request named one, else a list of one.
 */
function bucketOut(body: Record<string, unknown>, key: 'bucket' | 'receiverBucket', b: { id: string; href: string }): unknown {
  const given = body[key];
  return given !== null && typeof given === 'object' && !Array.isArray(given) ? b : [b];
}
/** Keeps the request's bucket references only when they are single objects: their form is what bucketOut echoes. */
const singleBuckets = (b: Record<string, unknown>) =>
  Object.fromEntries((['bucket', 'receiverBucket'] as const).filter((k) => b[k] !== null && typeof b[k] === 'object' && !Array.isArray(b[k])).map((k) => [k, b[k]]));
const qty = z.looseObject({ amount: z.union([z.number(), z.string().max(40)]), units: z.string().max(20).optional() });
const topupBody = z.looseObject({ amount: qty, usageType: z.string().min(1).max(40), bucket: bucketRef, partyAccount: z.looseObject({ id: z.string().max(100) }), reason: z.string().max(500).optional() });
const adjustBody = z.looseObject({ amount: qty, usageType: z.string().min(1).max(40), bucket: bucketRef, adjustType: z.string().max(20).optional(), reason: z.string().max(500).optional() });

const reserveBody = z.looseObject({
  amount: qty,
  usageType: z.string().min(1).max(40),
  bucket: bucketRef,
  partyAccount: z.looseObject({ id: z.string().max(100) }),
  validFor: z.looseObject({ endDateTime: z.string().max(40).optional() }).optional(),
  reason: z.string().max(500).optional(),
});
const transferBody = z.looseObject({
  amount: qty,
  usageType: z.string().min(1).max(40),
  bucket: bucketRef,
  receiverBucket: bucketRef,
  receiverBucketUsageType: z.string().min(1).max(40),
  receiverLogicalResource: z.array(ref).optional(),
  logicalResource: z.array(ref).optional(),
  channel: z.unknown().optional(),
  reason: z.string().max(500).optional(),
});

/** Which number a balance request is about: its money bucket, or else its logical resource. */
function numberOf(body: Record<string, unknown>): string {
  const buckets = arr(body.bucket).map((b) => {
    const id = (b as Record<string, unknown>).id;
    return typeof id === 'string' && id.startsWith('money-') ? id.slice(6) : undefined;
  });
  return msisdnFrom([...buckets, ...arr(body.logicalResource)], 'bucket');
}

const OWNED_ACTION = ['id', 'href', 'status', 'amount', 'bucket', 'partyAccount', 'receiverBucket', 'logicalResource', 'receiverLogicalResource', 'relatedParty', 'requestedDate', 'confirmationDate', 'lastUpdate', 'validFor', '@type'];
const stripOwned = (b: Record<string, unknown>) => ({ ...Object.fromEntries(Object.entries(b).filter(([k]) => !OWNED_ACTION.includes(k))), ...singleBuckets(b) });

function checkMoney(b: { amount: { units?: string | undefined }; usageType: string }): void {
  if (b.amount.units !== undefined && b.amount.units !== 'RUB') throw new DomainError('VALIDATION', { field: 'amount.units', message: 'RUB' });
  if (b.usageType !== 'monetary') throw new DomainError('VALIDATION', { field: 'usageType', message: 'monetary' });
}

/** TMF654: buckets and accumulated balances read live; top-ups and adjustments go through the ledger. */
export async function prepayBalanceRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, BALANCE_BASE);

  r.get('/bucket', { schema: { tags: [tag], summary: `Money and quota buckets (logicalResource.value=<MSISDN> for one number), paged by the store; filters: ${filterNames(BUCKET_FILTERS).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(BUCKET_FILTERS)), BUCKET_FILTERS);
    const buckets = await listBuckets(core, tmfCtx(req), { filter }, storePage(req.query));
    return sendList(reply, req.query, buckets.map((b) => renderBucket(b, base(req))), buckets.total);
  });
  r.get('/bucket/:id', { schema: { tags: [tag], summary: 'Retrieve a bucket', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [b] = await listBuckets(core, tmfCtx(req), { filter: sqlFilter({ id: req.params.id }, BUCKET_FILTERS) });
    if (!b) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderBucket(b, base(req)), req.query.fields);
  });

  const accumulated = (buckets: Bucket[], b: string) => {
    const byNumber = new Map<string, Bucket[]>();
    for (const x of buckets) byNumber.set(x.msisdn, [...(byNumber.get(x.msisdn) ?? []), x]);
    return [...byNumber.entries()].map(([msisdn, list]) => {
      const money = list.find((x) => x.kind === 'money');
      return {
        id: msisdn,
        href: `${b}/accumulatedBalance/${msisdn}`,
        name: 'Balance',
        totalBalance: quantity(money?.kind === 'money' ? money.balance : 0),
        bucket: list.map((x) => ({ id: bucketId(x), href: `${b}/bucket/${bucketId(x)}`, name: x.kind === 'money' ? 'Main balance' : x.source })),
        logicalResource: logical(msisdn),
        partyAccount: money ? { id: String(money.accountId), '@referredType': 'PartyAccount' } : undefined,
        relatedParty: party(msisdn),
        '@type': 'AccumulatedBalance',
      };
    });
  };
  r.get(
    '/accumulatedBalance',
    { schema: { tags: [tag], summary: `Total balance of each number with its buckets, paged by the store; filters: ${filterNames(ACCUMULATED_FILTERS).join(', ')}`, querystring: listQuery } },
    async (req, reply) => {
      const filter = sqlFilter(acceptedFilters(req.query, filterNames(ACCUMULATED_FILTERS)), ACCUMULATED_FILTERS);
      const { buckets, total } = await listAccumulatedBuckets(core, tmfCtx(req), { filter }, storePage(req.query));
      return sendList(reply, req.query, accumulated(buckets, base(req)), total);
    },
  );
  r.get('/accumulatedBalance/:id', { schema: { tags: [tag], summary: 'Accumulated balance of a number (the id is the MSISDN)', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [one] = accumulated(await listBuckets(core, tmfCtx(req), { msisdn: req.params.id }), base(req));
    if (!one) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(one, req.query.fields);
  });

  const actionRoutes = (kind: BalanceActionKind, body: typeof topupBody | typeof adjustBody) => {
    r.post(`/${kind}`, { schema: { tags: [tag], summary: `${kind}: booked in the ledger once per id (send Idempotency-Key to make retries safe)`, body } }, async (req, reply) => {
      const b = req.body as Record<string, unknown> & z.infer<typeof adjustBody>;
      if (b.amount.units !== undefined && b.amount.units !== 'RUB') throw new DomainError('VALIDATION', { field: 'amount.units', message: 'RUB' });
      if (b.usageType !== 'monetary') throw new DomainError('VALIDATION', { field: 'usageType', message: 'monetary' });
      const msisdn = numberOf(b);
      let amount = toKopecks(b.amount.amount, 'amount.amount');
      if (kind === 'adjustBalance' && b.adjustType === 'debit') amount = -Math.abs(amount);
      const ctx = tmfCtx(req);
      const id = balanceActionId(ctx.idempotencyKey);
      const stored = { ...Object.fromEntries(Object.entries(b).filter(([k]) => !['id', 'href', 'status', 'amount', 'bucket', 'partyAccount', '@type'].includes(k))), ...singleBuckets(b) };
      const action = await bookBalanceAction(core, ctx, { kind, id, msisdn, amount, reason: b.reason ?? b.description?.toString() ?? `TMF654 ${kind}`, body: stored });
      const out = renderAction(action, base(req));
      publish(core, API, `${kind}CreateEvent`, kind, out);
      return reply.status(201).send(out);
    });
    const columns = actionFilters(kind);
    r.get(`/${kind}`, { schema: { tags: [tag], summary: `List ${kind} requests, paged by the store; filters: ${filterNames(columns).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
      const filter = sqlFilter(acceptedFilters(req.query, filterNames(columns)), columns);
      const actions = await listBalanceActions(core, tmfCtx(req), { kind, filter }, storePage(req.query));
      return sendList(reply, req.query, actions.map((a) => renderAction(a, base(req))), actions.total);
    });
    r.get(`/${kind}/:id`, { schema: { tags: [tag], summary: `Retrieve a ${kind}`, params: idParams, querystring: fieldsQuery } }, async (req) => {
      const [a] = await listBalanceActions(core, tmfCtx(req), { kind, id: req.params.id });
      if (!a) throw new DomainError('NOT_FOUND', { id: req.params.id });
      return selectFields(renderAction(a, base(req)), req.query.fields);
    });
  };
  actionRoutes('topupBalance', topupBody);
  actionRoutes('adjustBalance', adjustBody);

  r.post('/reserveBalance', { schema: { tags: [tag], summary: 'Reserve money from the money bucket (until validFor.endDateTime, or until deleted): held in the ledger at once', body: reserveBody } }, async (req, reply) => {
    const b = req.body as Record<string, unknown> & z.infer<typeof reserveBody>;
    checkMoney(b);
    const msisdn = numberOf(b);
    const amount = toKopecks(b.amount.amount, 'amount.amount');
    const end = b.validFor?.endDateTime;
    const validUntil = end === undefined ? null : parseInstant(end);
    if (end !== undefined && !validUntil) throw new DomainError('VALIDATION', { field: 'validFor.endDateTime' });
    const ctx = tmfCtx(req);
    const id = balanceActionId(ctx.idempotencyKey && `reserve:${ctx.idempotencyKey}`);
    const res = await reserveBalance(core, ctx, { id, msisdn, amount, validUntil, reason: b.reason ?? b.description?.toString() ?? 'TMF654 reserveBalance', body: stripOwned(b) });
    const out = renderReservation(res, base(req));
    publish(core, API, 'reserveBalanceCreateEvent', 'reserveBalance', out);
    return reply.status(201).send(out);
  });
  r.get('/reserveBalance', { schema: { tags: [tag], summary: `List reservations, paged by the store; filters: ${filterNames(RESERVATION_FILTERS).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(RESERVATION_FILTERS)), RESERVATION_FILTERS);
    const reservations = await listReservations(core, tmfCtx(req), { filter }, storePage(req.query));
    return sendList(reply, req.query, reservations.map((x) => renderReservation(x, base(req))), reservations.total);
  });
  r.get('/reserveBalance/:id', { schema: { tags: [tag], summary: 'Retrieve a reservation', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [x] = await listReservations(core, tmfCtx(req), { id: req.params.id });
    if (!x) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderReservation(x, base(req)), req.query.fields);
  });
  r.delete('/reserveBalance/:id', { schema: { tags: [tag], summary: 'Release a reservation: the held money is credited back (the record stays, status cancelled)', params: idParams } }, async (req, reply) => {
    const x = await releaseReservation(core, tmfCtx(req), { id: req.params.id });
    publish(core, API, 'reserveBalanceCancelEvent', 'reserveBalance', renderReservation(x, base(req)));
    return reply.status(204).send();
  });

  r.post('/transferBalance', { schema: { tags: [tag], summary: "Move money from one number's money bucket to another's (send Idempotency-Key to make retries safe)", body: transferBody } }, async (req, reply) => {
    const b = req.body as Record<string, unknown> & z.infer<typeof transferBody>;
    checkMoney(b);
    if (b.receiverBucketUsageType !== 'monetary') throw new DomainError('VALIDATION', { field: 'receiverBucketUsageType', message: 'monetary' });
    const from = numberOf(b);
    const to = numberOf({ bucket: b.receiverBucket, logicalResource: b.receiverLogicalResource });
    const amount = toKopecks(b.amount.amount, 'amount.amount');
    const ctx = tmfCtx(req);
    const id = balanceActionId(ctx.idempotencyKey && `transfer:${ctx.idempotencyKey}`);
    const t = await transferBalance(core, ctx, { id, from, to, amount, reason: b.reason ?? b.description?.toString() ?? 'TMF654 transferBalance', body: stripOwned(b) });
    const out = renderTransfer(t, base(req));
    publish(core, API, 'transferBalanceCreateEvent', 'transferBalance', out);
    return reply.status(201).send(out);
  });
  r.get('/transferBalance', { schema: { tags: [tag], summary: `List transfers, paged by the store (logicalResource.value=<MSISDN>: from or to that number); filters: ${filterNames(TRANSFER_FILTERS).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(TRANSFER_FILTERS)), TRANSFER_FILTERS);
    const transfers = await listTransfers(core, tmfCtx(req), { filter }, storePage(req.query));
    return sendList(reply, req.query, transfers.map((x) => renderTransfer(x, base(req))), transfers.total);
  });
  r.get('/transferBalance/:id', { schema: { tags: [tag], summary: 'Retrieve a transfer', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [x] = await listTransfers(core, tmfCtx(req), { id: req.params.id });
    if (!x) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderTransfer(x, base(req)), req.query.fields);
  });

  r.get('/balanceActionHistory', { schema: { tags: [tag], summary: `Every movement of money, newest first, paged by the store; filters: ${filterNames(HISTORY_FILTERS).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(HISTORY_FILTERS)), HISTORY_FILTERS);
    // A number also narrows the read to its account's entries.
    const v = req.query['logicalResource.value'] ?? req.query['logicalResource.id'];
    const lines = await listLedgerHistory(core, tmfCtx(req), { ...(typeof v === 'string' && normalizeMsisdn(v) === v ? { msisdn: v } : {}), filter }, storePage(req.query));
    return sendList(reply, req.query, lines.map((e) => renderHistory(e, base(req))), lines.total);
  });
  r.get('/balanceActionHistory/:id', { schema: { tags: [tag], summary: 'One movement of money', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [e] = await listLedgerHistory(core, tmfCtx(req), { id: req.params.id });
    if (!e) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderHistory(e, base(req)), req.query.fields);
  });
  hubRoutes(app, core, API, tag);
}
