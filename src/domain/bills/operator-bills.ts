import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { emptyPage, readPage, type Paged, type SqlFilter, type StorePage } from '../shared/list-page.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { BILL_COLUMNS, BILL_JOINS, billFilename, billView, bytesOf, isBillId, type BillRow, type BillView } from './bill-view.ts';
import { billingAccountId, parseBillingAccountId } from './billing-accounts.ts';
import { computeBill, periodAt, readHolder, type BillDraft, type BillTarget } from './compute-bill.ts';
import type { BillFile } from './list-bills.ts';
import { renderBillPdf } from './render-bill-pdf.ts';

export interface OperatorBillView extends BillView {
  billingAccountId: string;
  customerId: number;
  pdfBytes: number;
}

/**
 * Issued bills for the operator's systems (TMF678 customerBill): all, one, or one billing
 * account's, newest first; with `page`, only that page and the total (see readPage).
 */
export async function listIssuedBills(core: Core, ctx: Ctx, input: { id?: string; ids?: string[]; billingAccountId?: string } = {}, page?: StorePage): Promise<Paged<OperatorBillView>> {
  requireOperator(ctx);
  const none = () => emptyPage(page);
  if (input.id !== undefined && !isBillId(input.id)) return none();
  if (input.ids && !input.ids.every(isBillId)) return none();
  const t = input.billingAccountId === undefined ? null : parseBillingAccountId(input.billingAccountId);
  if (input.billingAccountId !== undefined && !t) return none();
  const rows = await readPage<BillRow & { account_id: number | null; contract_id: number | null; customer_id: number; pdf_bytes: number }>(
    core.db,
    `SELECT ${BILL_COLUMNS}, b.account_id, b.contract_id, b.customer_id, octet_length(b.pdf) AS pdf_bytes FROM bill b ${BILL_JOINS}
      WHERE ($1::uuid IS NULL OR b.id = $1) AND ($2::bigint IS NULL OR b.account_id = $2) AND ($3::bigint IS NULL OR b.contract_id = $3) AND ($4::uuid[] IS NULL OR b.id = ANY($4::uuid[]))`,
    [input.id ?? null, t?.kind === 'account' ? t.accountId : null, t?.kind === 'contract' ? t.contractId : null, input.ids ?? null],
    'issued_at DESC, number',
    page,
  );
  const views = rows.map((r) => ({
    ...billView(r),
    billingAccountId: r.account_id !== null ? String(r.account_id) : `C${r.contract_id}`,
    customerId: Number(r.customer_id),
    pdfBytes: Number(r.pdf_bytes),
  }));
  return Object.assign(views, rows.total === undefined ? {} : { total: rows.total });
}

/** An issued bill's PDF for the operator, as stored when issued; every download is on record. */
export async function operatorBillPdf(core: Core, ctx: Ctx, input: { id: string }): Promise<BillFile> {
  requireOperator(ctx);
  if (!isBillId(input.id)) throw new DomainError('NOT_FOUND', { bill: input.id });
  const [r] = await core.db.query<{ number: string; pdf: Uint8Array; customer_id: number }>('SELECT number, pdf, customer_id FROM bill WHERE id = $1::uuid', [input.id]);
  if (!r) throw new DomainError('NOT_FOUND', { bill: input.id });
  await recordAudit(core.db, core, ctx, { action: 'bill.download', customerId: Number(r.customer_id), details: { bill: r.number } });
  return { filename: billFilename(r.number), contentType: 'application/pdf', content: bytesOf(r.pdf) };
}

export interface OnDemandBillView {
  id: string;
  billingAccountId: string;
  customerId: number;
  name: string | null;
  description: string | null;
  createdAt: Date;
  draft: BillDraft;
}

interface StoredDraft {
  holder: Omit<BillDraft['holder'], 'since'> & { since: string };
  period: { period: string; start: string; end: string };
  through: string;
  openingBalance: number;
  closingBalance: number;
  charges: number;
  credits: number;
  entries: number;
  lines: BillDraft['lines'];
}

function draftFrom(s: StoredDraft): BillDraft {
  return {
    ...s,
    holder: { ...s.holder, since: new Date(s.holder.since) },
    period: { period: s.period.period, start: new Date(s.period.start), end: new Date(s.period.end) },
    through: new Date(s.through),
  };
}

/**
 * A bill on demand: the billing account's figures for its current local month up to now, kept as
 * made. It is not an issued bill — no number, not immutable in meaning (the month's bill may
 * differ), never on the bill list — and says so on its PDF.
 */
export async function makeOnDemandBill(core: Core, ctx: Ctx, input: { billingAccountId: string; name?: string | null; description?: string | null }): Promise<OnDemandBillView> {
  requireOperator(ctx);
  const t: BillTarget | null = parseBillingAccountId(input.billingAccountId);
  const holder = t ? await readHolder(core.db, t) : undefined;
  if (!t || !holder) throw new DomainError('NOT_FOUND', { billingAccount: input.billingAccountId });
  const now = core.clock.now();
  const draft = await computeBill(core.db, holder, periodAt(now, holder.timeZone), now);
  const id = randomUUID();
  await runUseCase(core, ctx, 'bill.on_demand', async (tx, subject) => {
    subject.customerId = holder.customerId;
    await tx.query(
      `INSERT INTO bill_on_demand (id, customer_id, account_id, contract_id, period, through, draft, name, description, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [id, holder.customerId, t.kind === 'account' ? t.accountId : null, t.kind === 'contract' ? t.contractId : null, draft.period.period, now, JSON.stringify(draft), input.name ?? null, input.description ?? null, now],
    );
    await recordAudit(tx, core, ctx, { action: 'bill.on_demand', customerId: holder.customerId, details: { id, billingAccount: billingAccountId(t), period: draft.period.period } });
  });
  return { id, billingAccountId: billingAccountId(t), customerId: holder.customerId, name: input.name ?? null, description: input.description ?? null, createdAt: now, draft };
}

/**
 * Bills on demand, newest first: all, one, or some (`ids`). `filter`: a condition over the row's
 * columns (x.id uuid, x.account_id, x.contract_id, x.customer_id, x.name, x.description,
 * x.created_at, x.draft); `page`: only that page, with the total.
 */
export async function listOnDemandBills(core: Core, ctx: Ctx, input: { id?: string; ids?: string[]; filter?: SqlFilter } = {}, page?: StorePage): Promise<Paged<OnDemandBillView>> {
  requireOperator(ctx);
  if (input.id !== undefined && !isBillId(input.id)) return emptyPage(page);
  if (input.ids && !input.ids.every(isBillId)) return emptyPage(page);
  const params: unknown[] = [input.id ?? null, input.ids ?? null];
  const where = input.filter ? input.filter(params) : 'TRUE';
  const rows = await readPage<{ id: string; account_id: number | null; contract_id: number | null; customer_id: number; name: string | null; description: string | null; created_at: Date; draft: StoredDraft | string }>(
    core.db,
    `SELECT * FROM (
       SELECT id, account_id, contract_id, customer_id, name, description, created_at, draft FROM bill_on_demand
        WHERE ($1::uuid IS NULL OR id = $1) AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))) x WHERE ${where}`,
    params,
    'created_at DESC, id DESC',
    page,
  );
  const views = rows.map((r) => ({
    id: String(r.id),
    billingAccountId: r.account_id !== null ? String(r.account_id) : `C${r.contract_id}`,
    customerId: Number(r.customer_id),
    name: r.name,
    description: r.description,
    createdAt: new Date(r.created_at),
    draft: draftFrom(typeof r.draft === 'string' ? (JSON.parse(r.draft) as StoredDraft) : r.draft),
  }));
  return Object.assign(views, rows.total === undefined ? {} : { total: rows.total });
}

/** The PDF of a bill on demand, rendered from its kept figures (the same document every time). */
export async function onDemandBillPdf(core: Core, ctx: Ctx, input: { id: string }): Promise<BillFile> {
  const [b] = await listOnDemandBills(core, ctx, { id: input.id });
  if (!b) throw new DomainError('NOT_FOUND', { bill: input.id });
  const { operator } = await getSettings(core.db);
  const content = await renderBillPdf({ draft: b.draft, number: null, issuedAt: b.createdAt, operator });
  return { filename: `bill-on-demand-${b.id}.pdf`, contentType: 'application/pdf', content };
}

/**
 * Issued bills not yet told to TMF678's listeners, marked told in the transaction that claims
 * them (`bill_told`), so two instances never tell one bill twice.
 */
export async function claimUntoldBills(core: Core, ctx: Ctx, limit = 100): Promise<OperatorBillView[]> {
  requireOperator(ctx);
  const claimed = await core.db.query<{ bill_id: string }>(
    `INSERT INTO bill_told (bill_id)
       SELECT b.id FROM bill b WHERE NOT EXISTS (SELECT 1 FROM bill_told t WHERE t.bill_id = b.id) ORDER BY b.issued_at, b.id LIMIT $1
     ON CONFLICT DO NOTHING RETURNING bill_id::text AS bill_id`,
    [limit],
  );
  const views: OperatorBillView[] = [];
  for (const c of claimed) views.push(...(await listIssuedBills(core, ctx, { id: c.bill_id })));
  return views;
}
