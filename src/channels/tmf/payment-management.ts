import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { perform, topUpAction } from '../../domain/actions/registry.ts';
import type { Core } from '../../domain/core.ts';
import { notifyListeners } from '../../domain/events/hub.ts';
import { refundPayment } from '../../domain/payments/refund-payment.ts';
import { DomainError, mustExist } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { acceptedFilters, apiBase, compact, fieldsQuery, idParams, iso, listQuery, money, selectFields, sendList, storePage, tmfCtx, toKopecks } from './conventions.ts';
import { filterNames, kopecks, sqlFilter, wholeId, type FilterColumns } from './filter-sql.ts';
import { hubRoutes, publish } from './hub.ts';
import { claimPaymentStateChanges, listPaymentRecords, listRefundRecords, markPaymentTold, type PaymentRecord, type RefundRecord } from './payment-records.ts';

export const PAYMENT_BASE = '/tmf-api/paymentManagement/v4';
const METHOD_PATH = '/tmf-api/paymentMethod/v4';
const API = 'paymentManagement';
const tag = 'TMF676 Payment';

/** A client's correlatorId is its idempotency key when it sends no Idempotency-Key header. */
const CORRELATOR = 'tmf676:';

type Body = Record<string, unknown>;

const NAMES: Record<string, string> = { topup: 'Top-up', autopay: 'Auto-payment', installment: 'Installment' };

function methodOf(cardId: number | null, source: PaymentRecord['source'], origin: string): Body {
  if (cardId !== null) return { id: `card-${cardId}`, href: `${origin}${METHOD_PATH}/paymentMethod/card-${cardId}`, name: 'Saved card', '@referredType': 'tokenizedCard' };
  if (source === 'ledger') return { name: 'Paid in without the payment provider', '@referredType': 'cash' };
  return { name: "Bank card on the payment provider's page", '@referredType': 'bankCard' };
}

const accountRef = (accountId: number, kind: 'person' | 'business') => ({ id: String(accountId), name: kind === 'business' ? 'Contract account' : 'Personal account', '@referredType': 'BillingAccount' });

export function renderPayment(p: PaymentRecord, base: string, origin: string): Body {
  return compact({
    id: p.id,
    href: `${base}/payment/${p.id}`,
    name: NAMES[p.purpose] ?? p.purpose,
    description: p.description ?? undefined,
    correlatorId: p.idempotencyKey?.startsWith(CORRELATOR) ? p.idempotencyKey.slice(CORRELATOR.length) : undefined,
    status: p.status,
    statusDate: iso(p.updatedAt),
    statusReason: p.failureReason ?? undefined,
    paymentDate: iso(p.createdAt),
    account: accountRef(p.accountId, p.customerKind),
    payer: p.msisdn ? { id: p.msisdn, role: 'payer', '@referredType': 'Individual' } : { id: String(p.customerId), role: 'payer', '@referredType': p.customerKind === 'business' ? 'Organization' : 'Individual' },
    amount: money(p.amount),
    totalAmount: money(p.amount),
    channel: p.channel ? { id: p.channel, name: p.channel } : undefined,
    paymentMethod: methodOf(p.cardId, p.source, origin),
    abonentRefunded: p.refunded > 0 ? money(p.refunded) : undefined,
    abonentConfirmationUrl: p.status === 'pending' ? (p.confirmationUrl ?? undefined) : undefined,
    '@type': 'Payment',
  });
}

function renderRefund(r: RefundRecord, base: string, origin: string): Body {
  return compact({
    id: r.id,
    href: `${base}/refund/${r.id}`,
    name: 'Refund',
    description: r.description ?? undefined,
    status: r.reversed ? 'failed' : 'succeeded',
    statusDate: iso(r.createdAt),
    refundDate: iso(r.createdAt),
    account: { id: String(r.accountId), '@referredType': 'BillingAccount' },
    amount: money(r.amount),
    totalAmount: money(r.amount),
    payment: { id: r.paymentId, href: `${base}/payment/${r.paymentId}`, '@referredType': 'Payment' },
    paymentMethod: methodOf(r.cardId, 'provider', origin),
    '@type': 'Refund',
  });
}

const moneyFilters = (name: string) => ({ [`${name}.value`]: { sql: 'x.amount', cast: 'bigint', value: kopecks }, [`${name}.unit`]: { sql: `'RUB'`, cast: 'text' } }) as FilterColumns;

/** The filters TMF676 payment takes, each applied by the store to what the payment shows. */
const PAYMENT_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'text' },
  name: { sql: `CASE x.purpose ${Object.entries(NAMES).map(([k, v]) => `WHEN '${k}' THEN '${v}'`).join(' ')} ELSE x.purpose END`, cast: 'text' },
  description: { sql: 'x.description', cast: 'text' },
  correlatorId: { sql: `CASE WHEN x."idempotencyKey" LIKE '${CORRELATOR}%' THEN substr(x."idempotencyKey", ${CORRELATOR.length + 1}) END`, cast: 'text' },
  status: { sql: 'x.status', cast: 'text' },
  statusReason: { sql: 'x."failureReason"', cast: 'text' },
  statusDate: { sql: 'x."updatedAt"', cast: 'timestamptz', date: true },
  paymentDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  'account.id': { sql: 'x."accountId"', cast: 'bigint', value: wholeId },
  'account.name': { sql: `CASE WHEN x."customerKind" = 'business' THEN 'Contract account' ELSE 'Personal account' END`, cast: 'text' },
  'payer.id': { sql: 'COALESCE(x.msisdn, x."customerId"::text)', cast: 'text' },
  'payer.role': { sql: `'payer'`, cast: 'text' },
  ...moneyFilters('amount'),
  ...moneyFilters('totalAmount'),
  'channel.id': { sql: 'x.channel', cast: 'text' },
  'channel.name': { sql: 'x.channel', cast: 'text' },
  'paymentMethod.id': { sql: `'card-' || x."cardId"`, cast: 'text' },
  'paymentMethod.@referredType': { sql: `CASE WHEN x."cardId" IS NOT NULL THEN 'tokenizedCard' WHEN x.source = 'ledger' THEN 'cash' ELSE 'bankCard' END`, cast: 'text' },
  'abonentRefunded.value': { sql: `x.refunded > 0 AND x.refunded = $v`, cast: 'bigint', value: kopecks },
  '@type': { sql: `'Payment'`, cast: 'text' },
};

/** The filters TMF676 refund takes, each applied by the store to what the refund shows. */
const REFUND_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'text' },
  name: { sql: `'Refund'`, cast: 'text' },
  description: { sql: 'x.description', cast: 'text' },
  status: { sql: `CASE WHEN x.reversed THEN 'failed' ELSE 'succeeded' END`, cast: 'text' },
  statusDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  refundDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  'account.id': { sql: 'x."accountId"', cast: 'bigint', value: wholeId },
  ...moneyFilters('amount'),
  ...moneyFilters('totalAmount'),
  'payment.id': { sql: 'x."paymentId"', cast: 'text' },
  'paymentMethod.id': { sql: `'card-' || x."cardId"`, cast: 'text' },
  'paymentMethod.@referredType': { sql: `CASE WHEN x."cardId" IS NOT NULL THEN 'tokenizedCard' ELSE 'bankCard' END`, cast: 'text' },
  '@type': { sql: `'Refund'`, cast: 'text' },
};

const moneyIn = z.looseObject({ value: z.union([z.number(), z.string().max(40)]), unit: z.string().max(10).optional() });
const ref = z.looseObject({ id: z.string().max(200).optional() });
const paymentCreate = z.looseObject({
  account: ref.describe("the billing account (its id, as TMF637's billingAccount) or the number itself (an MSISDN)"),
  payer: ref.optional().describe('the number topped up (id = MSISDN); needed when the account has several numbers'),
  paymentMethod: ref.optional().describe("`{id: 'card-<n>'}` pays from a saved card (TMF670); otherwise the payer pays on the provider's page (`abonentConfirmationUrl`)"),
  totalAmount: moneyIn.optional(),
  amount: moneyIn.optional(),
  correlatorId: z.string().max(200).optional(),
  description: z.string().max(500).optional(),
});
const refundCreate = z.looseObject({
  payment: ref.describe('the provider payment to refund'),
  totalAmount: moneyIn.optional(),
  amount: moneyIn.optional(),
  correlatorId: z.string().max(200).optional(),
  description: z.string().max(300).optional(),
  reason: z.string().max(300).optional(),
});

function kopecksOf(b: { totalAmount?: z.infer<typeof moneyIn> | undefined; amount?: z.infer<typeof moneyIn> | undefined }): number {
  const m = b.totalAmount ?? b.amount;
  if (!m) throw new DomainError('VALIDATION', { field: 'totalAmount', message: 'the amount in RUB' });
  if (m.unit !== undefined && m.unit !== 'RUB') throw new DomainError('VALIDATION', { field: 'totalAmount.unit', message: 'RUB' });
  return toKopecks(m.value, 'totalAmount.value');
}

/**
 * Tells hub listeners of the status changes of provider payments (the webhook that settles a
 * payment made on the provider's page, an auto-payment's charge): `paymentStateChangeEvent`, each
 * change once. Run by the scheduler (`channelJobs`).
 */
export async function publishPaymentStates(core: Core, publicUrl: string | undefined): Promise<number> {
  const origin = publicUrl ? publicUrl.replace(/\/$/, '') : '';
  const moved = await claimPaymentStateChanges(core);
  for (const p of moved) await notifyListeners(core, { api: API, eventType: 'paymentStateChangeEvent', resourceName: 'payment', resource: renderPayment(p, origin + PAYMENT_BASE, origin) });
  return moved.length;
}

/** TMF676: every payment into an account (read from the ledger's records); a payment is a top-up through the registry's `topup`. */
export async function paymentManagementRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, PAYMENT_BASE);
  const origin = (req: FastifyRequest) => apiBase(req, opts.publicUrl, '');
  /** Payments are filtered by the store, which then pages and counts; a number or account also narrows its read. */
  const paymentList = async (req: FastifyRequest, q: Record<string, unknown>, reply: FastifyReply) => {
    const filter = sqlFilter(acceptedFilters(q, filterNames(PAYMENT_FILTERS)), PAYMENT_FILTERS);
    const records = await listPaymentRecords(core, tmfCtx(req), { ...narrow(q), filter }, storePage(q));
    return sendList(reply, q, records.map((p) => renderPayment(p, base(req), origin(req))), records.total);
  };
  const narrow = (q: Record<string, unknown>) => {
    const n = typeof q['payer.id'] === 'string' && normalizeMsisdn(q['payer.id']) === q['payer.id'] ? q['payer.id'] : undefined;
    const a = q['account.id'];
    return { ...(typeof n === 'string' ? { msisdn: n } : {}), ...(typeof a === 'string' && /^\d{1,15}$/.test(a) ? { accountId: Number(a) } : {}) };
  };

  /**
   * The number a payment tops up. `account.id` is the billing account (as TMF637 and TMF654 name
   * it): the payer's MSISDN must be one of its numbers, and without a payer the account must have
   * only one. An account id that is no account may be the MSISDN itself.
   */
  const numberOf = async (b: z.infer<typeof paymentCreate>): Promise<string> => {
    const payer = typeof b.payer?.id === 'string' ? normalizeMsisdn(b.payer.id) : null;
    if (b.payer?.id !== undefined && !payer) throw new DomainError('VALIDATION', { field: 'payer.id', message: 'the MSISDN topped up' });
    const accountId = b.account.id;
    const numbers = typeof accountId === 'string' && /^\d{1,15}$/.test(accountId) ? await core.db.query<{ msisdn: string }>('SELECT msisdn FROM subscriber WHERE account_id = $1 ORDER BY id', [Number(accountId)]) : [];
    if (numbers.length > 0) {
      if (payer && !numbers.some((n) => n.msisdn === payer)) throw new DomainError('VALIDATION', { field: 'payer.id', message: 'not a number of the account' });
      if (payer) return payer;
      if (numbers.length === 1) return numbers[0]!.msisdn;
      throw new DomainError('VALIDATION', { field: 'payer', message: 'the account has several numbers: name the one topped up as payer.id (MSISDN)' });
    }
    const asNumber = typeof accountId === 'string' ? normalizeMsisdn(accountId) : null;
    if (asNumber && (!payer || payer === asNumber)) return asNumber;
    throw new DomainError('VALIDATION', { field: 'account', message: 'a billing account id, or the MSISDN topped up' });
  };

  r.get('/payment', { schema: { tags: [tag], summary: 'Payments into accounts, newest first: through the provider (any state) and paid in otherwise (payer.id=<MSISDN>, account.id=<account>)', querystring: listQuery } }, async (req, reply) =>
    paymentList(req, req.query, reply),
  );
  r.get('/payment/:id', { schema: { tags: [tag], summary: 'Retrieve a payment', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [p] = await listPaymentRecords(core, tmfCtx(req), { id: req.params.id });
    if (!p) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderPayment(p, base(req), origin(req)), req.query.fields);
  });
  r.post(
    '/payment',
    {
      schema: {
        tags: [tag],
        summary: "A top-up through the payment provider, as the web app's (the registry's topup: the same bounds, refusals and idempotency — send Idempotency-Key or correlatorId)",
        body: paymentCreate,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const msisdn = await numberOf(b);
      const amount = kopecksOf(b);
      const methodId = b.paymentMethod?.id;
      const card = typeof methodId === 'string' ? /^card-(\d{1,15})$/.exec(methodId) : null;
      if (typeof methodId === 'string' && !card) throw new DomainError('VALIDATION', { field: 'paymentMethod.id', message: "a saved card's id (card-<n>), or none to pay on the provider's page" });
      const ctx = tmfCtx(req, req.headers['idempotency-key'] === undefined && b.correlatorId ? `${CORRELATOR}${b.correlatorId}` : undefined);
      const res = await perform(core, ctx, topUpAction, msisdn, card ? { amount, cardId: Number(card[1]) } : { amount });
      const p = mustExist((await listPaymentRecords(core, ctx, { id: res.paymentId }))[0], 'payment');
      const out = renderPayment(p, base(req), origin(req));
      if (p.source === 'provider') await markPaymentTold(core, { id: p.id, status: p.status });
      publish(core, API, 'paymentCreateEvent', 'payment', out);
      return reply.status(201).send(out);
    },
  );

  r.get('/refund', { schema: { tags: [tag], summary: `Refunds of provider payments, newest first, paged by the store; filters: ${filterNames(REFUND_FILTERS).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(REFUND_FILTERS)), REFUND_FILTERS);
    const refunds = await listRefundRecords(core, tmfCtx(req), { filter }, storePage(req.query));
    return sendList(reply, req.query, refunds.map((x) => renderRefund(x, base(req), origin(req))), refunds.total);
  });
  r.get('/refund/:id', { schema: { tags: [tag], summary: 'Retrieve a refund', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [x] = await listRefundRecords(core, tmfCtx(req), { id: req.params.id });
    if (!x) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderRefund(x, base(req), origin(req)), req.query.fields);
  });
  r.post(
    '/refund',
    { schema: { tags: [tag], summary: 'Refund (part of) a succeeded provider payment to its card: booked in the ledger, then asked of the provider (Idempotency-Key or correlatorId makes retries safe)', body: refundCreate } },
    async (req, reply) => {
      const b = req.body;
      const paymentId = b.payment.id;
      if (typeof paymentId !== 'string') throw new DomainError('VALIDATION', { field: 'payment.id' });
      const amount = kopecksOf(b);
      const header = req.headers['idempotency-key'];
      // A refund needs a key; without one from the client, this request is its own.
      const ctx = tmfCtx(req, header === undefined ? (b.correlatorId ? `${CORRELATOR}${b.correlatorId}` : `${CORRELATOR}${randomUUID()}`) : undefined);
      await refundPayment(core, ctx, { paymentId, amount, reason: b.reason ?? b.description ?? 'TMF676 refund' });
      const x = mustExist((await listRefundRecords(core, ctx, { key: { paymentId, key: ctx.idempotencyKey! } }))[0], 'refund');
      const out = renderRefund(x, base(req), origin(req));
      publish(core, API, 'refundCreateEvent', 'refund', out);
      publish(core, API, 'paymentAttributeValueChangeEvent', 'payment', renderPayment(mustExist((await listPaymentRecords(core, ctx, { id: paymentId }))[0], 'payment'), base(req), origin(req)));
      return reply.status(201).send(out);
    },
  );
  hubRoutes(app, core, API, tag);
}
