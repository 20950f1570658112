import { recordAudit } from '../audit/record-audit.ts';
import { requireBusinessAdmin } from '../business/access.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import type { Queryable } from '../../store/db.ts';
import { BILL_COLUMNS, BILL_JOINS, billFilename, billView, bytesOf, isBillId, type BillRow, type BillView } from './bill-view.ts';

/** The bills of the subscriber's own account, newest first. A number on a contract has none: its contract is billed. */
export async function listBills(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ msisdn: string; items: BillView[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const rows = await core.db.query<BillRow>(`SELECT ${BILL_COLUMNS} FROM bill b ${BILL_JOINS} WHERE b.account_id = $1 ORDER BY b.period DESC`, [sub.accountId]);
  return { msisdn: sub.msisdn, items: rows.map(billView) };
}

/** A business customer's contract bills, newest first: for its contract admins and accountants. */
export async function listContractBills(core: Core, ctx: Ctx): Promise<{ items: BillView[] }> {
  const admin = requireContractBillReader(ctx);
  const rows = await core.db.query<BillRow>(
    `SELECT ${BILL_COLUMNS} FROM bill b ${BILL_JOINS} WHERE b.customer_id = $1 AND b.contract_id IS NOT NULL ORDER BY b.period DESC, k.number`,
    [admin.customerId],
  );
  return { items: rows.map(billView) };
}

export function requireContractBillReader(ctx: Ctx) {
  const admin = requireBusinessAdmin(ctx, 'money');
  // A bill covers the whole contract: a department manager sees their department's dashboard instead.
  if (admin.role === 'department_manager') throw new DomainError('FORBIDDEN', { reason: 'role' });
  return admin;
}

async function billPdf(q: Queryable, where: string, params: unknown[]): Promise<{ number: string; pdf: Buffer; customerId: number } | undefined> {
  const [r] = await q.query<{ number: string; pdf: Uint8Array; customer_id: number }>(`SELECT number, pdf, customer_id FROM bill WHERE ${where}`, params);
  return r && { number: r.number, pdf: bytesOf(r.pdf), customerId: Number(r.customer_id) };
}

export interface BillFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** The PDF of one of the subscriber's own bills, as stored when issued; another account's bill is not found. */
export async function downloadBill(core: Core, ctx: Ctx, input: { msisdn: string; id: string }): Promise<BillFile> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  if (!isBillId(input.id)) throw new DomainError('NOT_FOUND', { bill: input.id });
  const bill = await billPdf(core.db, 'id = $1::uuid AND account_id = $2', [input.id, sub.accountId]);
  if (!bill) throw new DomainError('NOT_FOUND', { bill: input.id });
  await recordAudit(core.db, core, ctx, { action: 'bill.download', subscriberId: sub.id, customerId: sub.customerId, details: { bill: bill.number } });
  return { filename: billFilename(bill.number), contentType: 'application/pdf', content: bill.pdf };
}

/** The PDF of one of the business customer's contract bills; another customer's bill is not found. */
export async function downloadContractBill(core: Core, ctx: Ctx, input: { id: string }): Promise<BillFile> {
  const admin = requireContractBillReader(ctx);
  if (!isBillId(input.id)) throw new DomainError('NOT_FOUND', { bill: input.id });
  const bill = await billPdf(core.db, 'id = $1::uuid AND customer_id = $2 AND contract_id IS NOT NULL', [input.id, admin.customerId]);
  if (!bill) throw new DomainError('NOT_FOUND', { bill: input.id });
  await recordAudit(core.db, core, ctx, { action: 'bill.download', customerId: admin.customerId, details: { bill: bill.number } });
  return { filename: billFilename(bill.number), contentType: 'application/pdf', content: bill.pdf };
}
