import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { readBalances } from '../ledger/read-balance.ts';
import type { Ctx, Lang } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { emptyPage, readPage, readParts, type Paged, type SqlFilter, type StorePage } from '../shared/list-page.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import type { BillTarget } from './compute-bill.ts';

/**
 * A billing account as the operator's systems see it (TMF666): a subscriber's own account (its
 * account id, as TMF637 products name their billingAccount) or a business contract with all its
 * numbers (`C<contract id>`).
 */
export interface BillingAccountView {
  id: string;
  target: BillTarget;
  kind: 'individual' | 'business';
  customerId: number;
  customerName: string;
  /** The phone number, or the contract's number. */
  reference: string;
  state: 'active' | 'blocked' | 'suspended';
  currency: string;
  /** Kopecks: the account's balance, or the sum of the contract's numbers' balances. */
  balance: number;
  /** Kopecks: the trust limit, or the contract's credit pool. */
  creditLimit: number;
  billLanguage: Lang;
  /** Whether the bill language was set for the account rather than taken from the holder. */
  billLanguageSet: boolean;
  createdAt: Date;
  numbers: string[];
  autoPayments: { mode: 'threshold' | 'monthly'; amount: number; threshold: number | null; dayOfMonth: number | null; enabled: boolean; cardId: number; since: Date }[];
  installments: { id: number; device: string; total: number; months: number; monthlyAmount: number; status: string; since: Date }[];
  contacts: { name: string; phone: string | null; email: string | null; role: string }[];
}

export function billingAccountId(t: BillTarget): string {
  return t.kind === 'account' ? String(t.accountId) : `C${t.contractId}`;
}

/** `12` → the account 12, `C3` → the contract 3; anything else is no billing account. */
export function parseBillingAccountId(id: string): BillTarget | null {
  const m = /^(C?)([1-9]\d{0,14})$/.exec(id);
  if (!m) return null;
  return m[1] === '' ? { kind: 'account', accountId: Number(m[2]) } : { kind: 'contract', contractId: Number(m[2]) };
}

interface HolderRow {
  kind: 'account' | 'contract';
  id: number;
  customer_id: number;
  customer_name: string;
  customer_kind: 'person' | 'business';
  reference: string;
  state: 'active' | 'blocked' | 'suspended';
  credit_limit: number | null;
  bill_language: Lang | null;
  default_language: Lang;
  created_at: Date;
  accounts: number[];
  numbers: string[];
}

/**
 * The holders of billing accounts (HolderRow's columns, alias x): a number's own account, then a
 * contract; each given the kind asked for, its id, and the customers.
 */
const HOLDERS = [
  `SELECT 'account' AS kind, a.id, a.customer_id, c.name AS customer_name, c.kind AS customer_kind, s.msisdn AS reference, s.status AS state,
          NULL::bigint AS credit_limit, a.bill_language, s.language AS default_language, a.created_at,
          ARRAY[a.id] AS accounts, ARRAY[s.msisdn] AS numbers
     FROM account a JOIN subscriber s ON s.account_id = a.id AND s.contract_id IS NULL JOIN customer c ON c.id = a.customer_id
    WHERE ($1::text IS NULL OR $1 = 'account') AND ($2::bigint IS NULL OR a.id = $2) AND ($3::bigint[] IS NULL OR a.customer_id = ANY($3::bigint[]))`,
  `SELECT 'contract' AS kind, k.id, k.customer_id, c.name AS customer_name, c.kind AS customer_kind, k.number AS reference, 'active' AS state,
          k.credit_limit, k.bill_language, c.report_languages[1] AS default_language, k.created_at,
          ARRAY(SELECT DISTINCT s.account_id FROM subscriber s WHERE s.contract_id = k.id ORDER BY 1) AS accounts,
          ARRAY(SELECT s.msisdn FROM subscriber s WHERE s.contract_id = k.id ORDER BY 1) AS numbers
     FROM contract k JOIN customer c ON c.id = k.customer_id
    WHERE ($1::text IS NULL OR $1 = 'contract') AND ($2::bigint IS NULL OR k.id = $2) AND ($3::bigint[] IS NULL OR k.customer_id = ANY($3::bigint[]))`,
];

/**
 * Billing accounts for the operator: every one, one by id, or those of some customers; accounts
 * first, then contracts, each in id order. `filter`: a condition over the holder's columns (x.kind,
 * x.id, x.customer_id, x.customer_name, x.reference, x.state, …); `page`: only that page, with the
 * total. The balances come from the ledger's one balance read; a contract's balance is the sum of
 * its numbers'.
 */
export async function listBillingAccounts(
  core: Core,
  ctx: Ctx,
  input: { id?: string; customerId?: number; customerIds?: number[]; filter?: SqlFilter } = {},
  page?: StorePage,
): Promise<Paged<BillingAccountView>> {
  requireOperator(ctx);
  const target = input.id === undefined ? null : parseBillingAccountId(input.id);
  if (input.id !== undefined && !target) return emptyPage(page);
  const accountId = target?.kind === 'account' ? target.accountId : null;
  const contractId = target?.kind === 'contract' ? target.contractId : null;
  const customers = input.customerIds ?? (input.customerId === undefined ? null : [input.customerId]);
  // Each part (accounts, contracts) read in its own id order, through its own key.
  const parts = HOLDERS.map((sql, i) => {
    const params: unknown[] = [target?.kind ?? null, i === 0 ? accountId : contractId, customers];
    const where = input.filter ? input.filter(params) : 'TRUE';
    return { sql: `SELECT * FROM (${sql}) x WHERE ${where}`, params, order: 'id' };
  });
  const rows = await readParts<HolderRow>(core.db, parts, page);
  const views = await viewsOf(core, rows);
  return Object.assign(views, rows.total === undefined ? {} : { total: rows.total });
}

/**
 * Party accounts: the customers who hold a billing account, in id order, each with its billing
 * accounts. `filter`: a condition over the customer's columns (x.id, x.name, x.kind); `page`: only
 * that page of customers, with the total.
 */
export async function listPartyAccounts(core: Core, ctx: Ctx, input: { filter?: SqlFilter }, page?: StorePage): Promise<Paged<{ customerId: number; accounts: BillingAccountView[] }>> {
  requireOperator(ctx);
  const params: unknown[] = [];
  const where = input.filter ? input.filter(params) : 'TRUE';
  const holders = await readPage<{ id: number }>(
    core.db,
    `SELECT * FROM (
       SELECT c.id, c.name, c.kind FROM customer c
        WHERE EXISTS (SELECT 1 FROM account a JOIN subscriber s ON s.account_id = a.id AND s.contract_id IS NULL WHERE a.customer_id = c.id)
           OR EXISTS (SELECT 1 FROM contract k WHERE k.customer_id = c.id)) x WHERE ${where}`,
    params,
    'id',
    page,
  );
  const ids = holders.map((h) => Number(h.id));
  const accounts = ids.length ? await listBillingAccounts(core, ctx, { customerIds: ids }) : [];
  const out = ids.map((customerId) => ({ customerId, accounts: accounts.filter((a) => a.customerId === customerId) }));
  return Object.assign(out, holders.total === undefined ? {} : { total: holders.total });
}

/** Holder rows with their balances, payment plans and contacts. */
async function viewsOf(core: Core, rows: HolderRow[]): Promise<BillingAccountView[]> {
  if (rows.length === 0) return [];
  const accounts = [...new Set(rows.flatMap((r) => r.accounts.map(Number)))];
  const balances = new Map((await readBalances(core.db, { accountIds: accounts }, core.clock.now())).map((b) => [b.accountId, b]));
  const autos = await core.db.query<{ account_id: number; mode: 'threshold' | 'monthly'; amount: number; threshold: number | null; day_of_month: number | null; enabled: boolean; card_id: number; updated_at: Date }>(
    'SELECT account_id, mode, amount, threshold, day_of_month, enabled, card_id, updated_at FROM auto_payment WHERE account_id = ANY($1::bigint[]) ORDER BY account_id, subscriber_id',
    [accounts],
  );
  const plans = await core.db.query<{ account_id: number; id: number; device_name: string; total: number; months: number; monthly_amount: number; status: string; created_at: Date }>(
    'SELECT account_id, id, device_name, total, months, monthly_amount, status, created_at FROM installment_plan WHERE account_id = ANY($1::bigint[]) ORDER BY account_id, id',
    [accounts],
  );
  const customers = [...new Set(rows.filter((r) => r.kind === 'contract').map((r) => Number(r.customer_id)))];
  const admins = customers.length
    ? await core.db.query<{ customer_id: number; name: string; phone: string; email: string; role: string }>(
        "SELECT customer_id, name, phone, email, role FROM business_admin WHERE customer_id = ANY($1::bigint[]) AND role IN ('contract_admin', 'accountant') ORDER BY customer_id, id",
        [customers],
      )
    : [];
  return rows.map((r) => {
    const own = new Set(r.accounts.map(Number));
    const reads = [...own].map((a) => balances.get(a)).filter((b) => b !== undefined);
    const t: BillTarget = r.kind === 'account' ? { kind: 'account', accountId: Number(r.id) } : { kind: 'contract', contractId: Number(r.id) };
    return {
      id: billingAccountId(t),
      target: t,
      kind: r.customer_kind === 'business' ? 'business' : 'individual',
      customerId: Number(r.customer_id),
      customerName: r.customer_name,
      reference: r.reference,
      state: r.state,
      currency: reads[0]?.currency ?? 'RUB',
      balance: reads.reduce((s, b) => s + Number(b.balance), 0),
      creditLimit: r.credit_limit === null ? Number(reads[0]?.creditLimit ?? 0) : Number(r.credit_limit),
      billLanguage: r.bill_language ?? r.default_language,
      billLanguageSet: r.bill_language !== null,
      createdAt: new Date(r.created_at),
      numbers: r.numbers,
      autoPayments: autos
        .filter((a) => own.has(Number(a.account_id)))
        .map((a) => ({ mode: a.mode, amount: Number(a.amount), threshold: a.threshold === null ? null : Number(a.threshold), dayOfMonth: a.day_of_month, enabled: a.enabled, cardId: Number(a.card_id), since: new Date(a.updated_at) })),
      installments: plans
        .filter((p) => own.has(Number(p.account_id)))
        .map((p) => ({ id: Number(p.id), device: p.device_name, total: Number(p.total), months: p.months, monthlyAmount: Number(p.monthly_amount), status: p.status, since: new Date(p.created_at) })),
      contacts:
        r.kind === 'account'
          ? [{ name: r.customer_name, phone: r.reference, email: null, role: 'owner' }]
          : admins.filter((a) => Number(a.customer_id) === Number(r.customer_id)).map((a) => ({ name: a.name, phone: a.phone, email: a.email, role: a.role })),
    };
  });
}

/** Sets the language a billing account's next bills are made in (the operator's choice, TMF666 billFormat). */
export async function setBillLanguage(core: Core, ctx: Ctx, input: { id: string; language: Lang }): Promise<void> {
  requireOperator(ctx);
  const t = parseBillingAccountId(input.id);
  if (!t) throw new DomainError('NOT_FOUND', { billingAccount: input.id });
  if (input.language !== 'ru' && input.language !== 'en') throw new DomainError('VALIDATION', { field: 'billStructure.format.id' });
  await runUseCase(core, ctx, 'bill.language', async (tx, subject) => {
    const rows =
      t.kind === 'account'
        ? await tx.query<{ customer_id: number }>(
            'UPDATE account a SET bill_language = $2 FROM subscriber s WHERE a.id = $1 AND s.account_id = a.id AND s.contract_id IS NULL RETURNING a.customer_id',
            [t.accountId, input.language],
          )
        : await tx.query<{ customer_id: number }>('UPDATE contract SET bill_language = $2 WHERE id = $1 RETURNING customer_id', [t.contractId, input.language]);
    if (!rows[0]) throw new DomainError('NOT_FOUND', { billingAccount: input.id });
    subject.customerId = Number(rows[0].customer_id);
    await recordAudit(tx, core, ctx, { action: 'bill.language', customerId: Number(rows[0].customer_id), details: { billingAccount: input.id, language: input.language } });
  });
}
