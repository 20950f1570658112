import type { Core } from '../../domain/core.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { emptyPage, readPage, type Paged, type StorePage } from '../../domain/shared/list-page.ts';
import { requireOperator } from '../../domain/shared/operator-access.ts';
import type { SqlFilter } from './filter-sql.ts';

/**
 * Every payment into an account, as the ledger has it: a payment through the provider (a row of
 * `payment`, in any state; credited by the ledger entry `payment:<id>` once it succeeds), and money
 * paid in without the provider (a ledger entry of kind payment with no provider payment: cash at a
 * shop booked by TMF654 topupBalance, a bank transfer booked by staff) as `ledger-<account>-<entry>`.
 */
export interface PaymentRecord {
  id: string;
  source: 'provider' | 'ledger';
  accountId: number;
  subscriberId: number | null;
  msisdn: string | null;
  customerId: number;
  customerKind: 'person' | 'business';
  amount: number;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  purpose: string;
  refunded: number;
  failureReason: string | null;
  cardId: number | null;
  channel: string | null;
  idempotencyKey: string | null;
  confirmationUrl: string | null;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const msisdnOrNull = (m: string | undefined): string | null | false => (m === undefined ? null : (normalizeMsisdn(m) ?? false));

const providerPayments = `
  SELECT p.id::text AS id, 'provider' AS source, p.account_id AS "accountId", p.subscriber_id AS "subscriberId", s.msisdn,
         a.customer_id AS "customerId", c.kind AS "customerKind", p.amount, p.status, p.purpose, p.refunded,
         p.failure_reason AS "failureReason", p.card_id AS "cardId", p.channel, p.idempotency_key AS "idempotencyKey",
         p.confirmation_url AS "confirmationUrl", NULL::text AS description, p.created_at AS "createdAt", p.updated_at AS "updatedAt"
    FROM payment p JOIN account a ON a.id = p.account_id JOIN customer c ON c.id = a.customer_id
    LEFT JOIN subscriber s ON s.id = p.subscriber_id`;
const ledgerPayments = `
  SELECT 'ledger-' || e.account_id || '-' || e.id AS id, 'ledger' AS source, e.account_id AS "accountId", e.subscriber_id AS "subscriberId", s.msisdn,
         a.customer_id AS "customerId", c.kind AS "customerKind", e.amount, 'succeeded' AS status, 'topup' AS purpose, 0::bigint AS refunded,
         NULL::text AS "failureReason", NULL::bigint AS "cardId", NULL::text AS channel, NULL::text AS "idempotencyKey",
         NULL::text AS "confirmationUrl", e.description, e.created_at AS "createdAt", e.created_at AS "updatedAt"
    FROM ledger_entry e JOIN account a ON a.id = e.account_id JOIN customer c ON c.id = a.customer_id
    LEFT JOIN subscriber s ON s.id = e.subscriber_id
   WHERE e.kind = 'payment' AND e.amount > 0 AND e.idempotency_key NOT LIKE 'payment:%'`;

/**
 * Payments, newest first: all of them, one number's (`msisdn`), one account's, or one by id;
 * `filter`: a condition over PaymentRecord's columns (x.id, x.status, x."createdAt", …).
 */
export async function listPaymentRecords(core: Core, ctx: Ctx, input: { msisdn?: string; accountId?: number; id?: string; filter?: SqlFilter }, page?: StorePage): Promise<Paged<PaymentRecord>> {
  requireOperator(ctx);
  const none = () => emptyPage(page);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return none();
  const id = input.id ?? null;
  const uuid = id !== null && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : null;
  const entry = id !== null ? /^ledger-(\d{1,15})-(\d{1,15})$/.exec(id) : null;
  if (id !== null && !uuid && !entry) return none();
  const params = [msisdn, input.accountId ?? null];
  const narrow = (alias: string) => `($1::text IS NULL OR s.msisdn = $1) AND ($2::bigint IS NULL OR ${alias}.account_id = $2)`;
  // An id names one side: $6 reads provider payments, $7 the ledger's own.
  const sql = `${providerPayments} WHERE $6::boolean AND ${narrow('p')} AND ($3::uuid IS NULL OR p.id = $3)
      UNION ALL
      ${ledgerPayments} AND $7::boolean AND ${narrow('e')} AND ($4::bigint IS NULL OR (e.account_id = $4 AND e.id = $5))`;
  const all = [...params, uuid, entry ? Number(entry[1]) : null, entry ? Number(entry[2]) : null, !entry, !uuid];
  const where = input.filter ? input.filter(all) : 'TRUE';
  return readPage<PaymentRecord>(core.db, `SELECT * FROM (${sql}) x WHERE ${where}`, all, `"createdAt" DESC, id DESC`, page);
}

/**
 * A refund of a provider payment: the ledger entry refundPayment booked (`refund:<payment>:<key>`),
 * `failed` when the provider refused it and the reversal entry put the money back.
 */
export interface RefundRecord {
  id: string;
  accountId: number;
  subscriberId: number | null;
  msisdn: string | null;
  paymentId: string;
  cardId: number | null;
  amount: number;
  reversed: boolean;
  description: string | null;
  createdAt: Date;
}

export async function listRefundRecords(
  core: Core,
  ctx: Ctx,
  input: { msisdn?: string; accountId?: number; paymentId?: string; id?: string; key?: { paymentId: string; key: string }; filter?: SqlFilter },
  page?: StorePage,
): Promise<Paged<RefundRecord>> {
  requireOperator(ctx);
  const none = () => emptyPage(page);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return none();
  const byId = input.id === undefined ? null : /^(\d{1,15})-(\d{1,15})$/.exec(input.id);
  if (input.id !== undefined && !byId) return none();
  const params: unknown[] = [msisdn, input.accountId ?? null, input.paymentId ?? null, byId ? Number(byId[1]) : null, byId ? Number(byId[2]) : null, input.key ? `refund:${input.key.paymentId}:${input.key.key}` : null];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<RefundRecord>(
    core.db,
    `SELECT * FROM (
       SELECT e.account_id || '-' || e.id AS id, e.id AS "entryId", e.account_id AS "accountId", e.subscriber_id AS "subscriberId", s.msisdn, e.reference AS "paymentId",
              p.card_id AS "cardId", -e.amount AS amount, e.description, e.created_at AS "createdAt",
              EXISTS (SELECT 1 FROM ledger_entry r WHERE r.account_id = e.account_id AND r.idempotency_key = 'refund-reversal:' || substr(e.idempotency_key, 8)) AS reversed
         FROM ledger_entry e LEFT JOIN subscriber s ON s.id = e.subscriber_id LEFT JOIN payment p ON p.id::text = e.reference
        WHERE e.kind = 'refund' AND e.idempotency_key LIKE 'refund:%'
          AND ($1::text IS NULL OR s.msisdn = $1) AND ($2::bigint IS NULL OR e.account_id = $2) AND ($3::text IS NULL OR e.reference = $3)
          AND ($4::bigint IS NULL OR (e.account_id = $4 AND e.id = $5)) AND ($6::text IS NULL OR e.idempotency_key = $6)) x WHERE ${where}`,
    params,
    `"createdAt" DESC, "entryId" DESC, "accountId" DESC`,
    page,
  );
}

/**
 * Provider payments whose status moved since it was last told (`tmf_told_status`), marked told in
 * the transaction that claims them, so two instances never tell one change twice.
 */
export async function claimPaymentStateChanges(core: Core, limit = 100): Promise<PaymentRecord[]> {
  return core.db.tx(async (tx) => {
    const moved = await tx.query<{ id: string }>(
      `UPDATE payment SET tmf_told_status = status
        WHERE id IN (SELECT id FROM payment WHERE status <> tmf_told_status ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id::text AS id`,
      [limit],
    );
    if (moved.length === 0) return [];
    return tx.query<PaymentRecord>(`${providerPayments} WHERE p.id = ANY($1::uuid[]) ORDER BY p.created_at, p.id`, [moved.map((m) => m.id)]);
  });
}

/** What a create event told of a payment: its state changes from there on are told by claimPaymentStateChanges. */
export async function markPaymentTold(core: Core, input: { id: string; status: string }): Promise<void> {
  await core.db.query(`UPDATE payment SET tmf_told_status = $2 WHERE id = $1 AND tmf_told_status = 'pending'`, [input.id, input.status]);
}
