import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.ts';
import { getProduct, getTariff } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
import { page, requireBusinessAdmin, requireDepartment, scopeOf } from './access.ts';

export const BULK_KINDS = ['connect_product', 'disable_product', 'change_tariff', 'block', 'unblock', 'move_department'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];
export const BULK_MAX = 10_000;

export interface BulkParams {
  productCode?: string;
  tariffCode?: string;
  departmentId?: number | null;
}

export interface BulkOperationView {
  id: string;
  kind: BulkKind;
  params: BulkParams;
  status: 'queued' | 'running' | 'done';
  total: number;
  done: number;
  refused: number;
  pending: number;
  /** Whole percent of numbers processed. */
  progress: number;
  createdAt: string;
  finishedAt: string | null;
  createdBy: number;
}

interface OpRow {
  id: string;
  kind: BulkKind;
  params: BulkParams;
  status: BulkOperationView['status'];
  total: number;
  done: number;
  refused: number;
  created_at: Date;
  finished_at: Date | null;
  admin_id: number;
}

function view(r: OpRow): BulkOperationView {
  const processed = r.done + r.refused;
  return {
    id: r.id,
    kind: r.kind,
    params: r.params,
    status: r.status,
    total: r.total,
    done: r.done,
    refused: r.refused,
    pending: r.total - processed,
    progress: r.total === 0 ? 100 : Math.floor((100 * processed) / r.total),
    createdAt: new Date(r.created_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    createdBy: Number(r.admin_id),
  };
}

const COLS = 'id::text AS id, kind, params, status, total, done, refused, created_at, finished_at, admin_id';

/**
 * Queues one change for a selection of numbers (hundreds or thousands): the operation and one item
 * per number are stored at once and the `business-bulk` job applies them in the background through
 * the same use cases as a subscriber's own action, recording each number's outcome. Every number
 * must be within the admin's reach, or the whole request is refused naming the first that is not.
 */
export async function createBulkOperation(core: Core, ctx: Ctx, input: { kind: BulkKind; msisdns: string[] } & BulkParams): Promise<BulkOperationView> {
  const id = await runUseCase(core, ctx, 'business.bulk.create', async (tx, subject) => {
    const admin = requireBusinessAdmin(ctx, 'write');
    subject.customerId = admin.customerId;
    if (!BULK_KINDS.includes(input.kind)) throw new DomainError('VALIDATION', { field: 'kind' });
    if (input.msisdns.length === 0 || input.msisdns.length > BULK_MAX) throw new DomainError('VALIDATION', { field: 'msisdns' });
    const params: BulkParams = {};
    if (input.kind === 'connect_product' || input.kind === 'disable_product') {
      if (!input.productCode || !(await getProduct(tx, input.productCode))) throw new DomainError('PRODUCT_NOT_FOUND', { product: input.productCode ?? '' });
      params.productCode = input.productCode;
    } else if (input.kind === 'change_tariff') {
      if (!input.tariffCode || !(await getTariff(tx, input.tariffCode))) throw new DomainError('TARIFF_NOT_FOUND', { tariff: input.tariffCode ?? '' });
      params.tariffCode = input.tariffCode;
    } else if (input.kind === 'move_department') {
      if (input.departmentId === undefined) throw new DomainError('VALIDATION', { field: 'departmentId' });
      if (input.departmentId !== null) await requireDepartment(tx, admin, input.departmentId);
      else if (admin.role === 'department_manager') throw new DomainError('FORBIDDEN', { reason: 'role' });
      params.departmentId = input.departmentId;
    }
    const wanted: string[] = [];
    const seen = new Set<string>();
    for (const raw of input.msisdns) {
      const m = normalizeMsisdn(raw);
      if (!m) throw new DomainError('VALIDATION', { field: 'msisdns', value: String(raw).slice(0, 32) });
      if (!seen.has(m)) {
        seen.add(m);
        wanted.push(m);
      }
    }
    const scope = scopeOf(admin, 's', 2);
    const found = await tx.query<{ id: number; msisdn: string }>(`SELECT s.id, s.msisdn FROM subscriber s WHERE s.msisdn = ANY($1::text[]) AND ${scope.where}`, [wanted, ...scope.params]);
    const byMsisdn = new Map(found.map((f) => [f.msisdn, f.id]));
    const missing = wanted.find((m) => !byMsisdn.has(m));
    if (missing) throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: missing });
    const opId = randomUUID();
    await tx.query(
      `INSERT INTO bulk_operation (id, customer_id, admin_id, kind, params, status, total, language, created_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8)`,
      [opId, admin.customerId, admin.adminId, input.kind, JSON.stringify(params), wanted.length, ctx.lang, core.clock.now()],
    );
    await tx.query(
      `INSERT INTO bulk_item (operation_id, seq, subscriber_id, msisdn) SELECT $1, u.ord::int, u.id, u.msisdn
         FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS u(id, msisdn, ord)`,
      [opId, wanted.map((m) => byMsisdn.get(m)!), wanted],
    );
    await recordAudit(tx, core, ctx, { action: 'business.bulk.create', customerId: admin.customerId, details: { operation: opId, kind: input.kind, params, numbers: wanted.length } });
    return opId;
  });
  return getBulkOperation(core, ctx, { id });
}

async function loadOp(core: Core, ctx: Ctx, id: string): Promise<OpRow> {
  const admin = requireBusinessAdmin(ctx, 'read');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new DomainError('NOT_FOUND', { what: 'operation' });
  const [r] = await core.db.query<OpRow & { customer_id: number }>(`SELECT ${COLS}, customer_id FROM bulk_operation WHERE id = $1::uuid`, [id]);
  // A department manager sees the operations they started; others of their company see all.
  if (!r || Number(r.customer_id) !== admin.customerId || (admin.role === 'department_manager' && Number(r.admin_id) !== admin.adminId)) {
    throw new DomainError('NOT_FOUND', { what: 'operation' });
  }
  return r;
}

/** An operation's progress, for polling. */
export async function getBulkOperation(core: Core, ctx: Ctx, input: { id: string }): Promise<BulkOperationView> {
  return view(await loadOp(core, ctx, input.id));
}

/** The company's bulk operations (a department manager's own), newest first, a page at a time by cursor (shared/cursor.ts). */
export async function listBulkOperations(core: Core, ctx: Ctx, input: { limit?: number; cursor?: string } = {}): Promise<{ items: BulkOperationView[]; nextCursor: string | null }> {
  const admin = requireBusinessAdmin(ctx, 'read');
  const limit = pageLimit(input.limit);
  const after = decodeCursor('bulk', input.cursor);
  const params: unknown[] = admin.role === 'department_manager' ? [admin.customerId, admin.adminId] : [admin.customerId];
  let where = `customer_id = $1 ${admin.role === 'department_manager' ? 'AND admin_id = $2' : ''}`;
  if (after) {
    params.push(after.at, after.id);
    where += ` AND (created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  params.push(limit + 1);
  const rows = await core.db.query<OpRow & { key_at: string }>(
    `SELECT ${COLS}, ${keysetAt('created_at')} AS key_at FROM bulk_operation WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const got = keysetPage('bulk', rows, limit, (r) => ({ at: r.key_at, id: r.id }));
  return { items: got.rows.map(view), nextCursor: got.nextCursor };
}

export interface BulkItemView {
  msisdn: string;
  status: 'pending' | 'done' | 'refused';
  code: string | null;
  reason: string | null;
  processedAt: string | null;
}

/** Each number's outcome: done, or refused with the reason in the caller's language. */
export async function listBulkItems(core: Core, ctx: Ctx, input: { id: string; status?: BulkItemView['status']; offset?: number; limit?: number }): Promise<{ total: number; items: BulkItemView[] }> {
  const op = await loadOp(core, ctx, input.id);
  const params: unknown[] = [op.id];
  if (input.status) params.push(input.status);
  const rows = await core.db.query<{ msisdn: string; status: BulkItemView['status']; code: string | null; reason_ru: string | null; reason_en: string | null; processed_at: Date | null; n: number }>(
    `SELECT msisdn, status, code, reason_ru, reason_en, processed_at, count(*) OVER ()::int AS n FROM bulk_item
      WHERE operation_id = $1::uuid ${input.status ? 'AND status = $2' : ''} ORDER BY seq LIMIT ${page(input, 500, 10_000).limit} OFFSET ${page(input, 500, 10_000).offset}`,
    params,
  );
  return {
    total: rows[0]?.n ?? 0,
    items: rows.map((r) => ({
      msisdn: r.msisdn,
      status: r.status,
      code: r.code,
      reason: ctx.lang === 'en' ? r.reason_en : r.reason_ru,
      processedAt: r.processed_at ? new Date(r.processed_at).toISOString() : null,
    })),
  };
}
