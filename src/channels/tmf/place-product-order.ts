import { recordAudit } from '../../domain/audit/record-audit.ts';
import type { Core } from '../../domain/core.ts';
import { changeTariffAction, connectProductAction, disableProductAction, perform } from '../../domain/actions/registry.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { DomainError, isDomainError, mustExist, type ErrorCode } from '../../domain/shared/errors.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { findSubscriberByMsisdn } from '../../domain/subscribers/access.ts';
import { requireOperator } from '../../domain/shared/operator-access.ts';
import { emptyPage, readPage, type Paged, type StorePage } from '../../domain/shared/list-page.ts';
import type { SqlFilter } from './filter-sql.ts';

export type OrderAction = 'add' | 'modify' | 'delete' | 'noChange';

export interface OrderItemInput {
  id: string;
  action: OrderAction;
  /** A catalog product to connect or disable… */
  productCode?: string;
  /** …or the tariff plan to move onto. */
  tariffCode?: string;
}

export interface OrderItemOutcome extends OrderItemInput {
  state: 'completed' | 'failed';
  error?: { code: ErrorCode; params: Record<string, string | number> };
  charged?: number;
}

export type OrderState = 'acknowledged' | 'inProgress' | 'completed' | 'failed' | 'partial' | 'cancelled';

export interface ProductOrderRecord {
  id: string;
  msisdn: string | null;
  state: OrderState;
  request: Record<string, unknown>;
  items: OrderItemOutcome[];
  createdAt: Date;
  updatedAt: Date;
}

const columns = `o.id, s.msisdn, o.state, o.request, o.items, o.created_at AS "createdAt", o.updated_at AS "updatedAt"
  FROM tmf_product_order o LEFT JOIN subscriber s ON s.id = o.subscriber_id`;

/**
 * Product orders, oldest first: all, one number's, or one by id; `filter`: a condition over the
 * record's columns (x.id, x.msisdn, x.state, x.request, x."createdAt", x."updatedAt"); `page`: only
 * that page, with the total.
 */
export async function listProductOrders(core: Core, ctx: Ctx, input: { id?: string; msisdn?: string; filter?: SqlFilter } = {}, page?: StorePage): Promise<Paged<ProductOrderRecord>> {
  requireOperator(ctx);
  const msisdn = input.msisdn === undefined ? null : normalizeMsisdn(input.msisdn);
  if (input.msisdn !== undefined && !msisdn) return emptyPage(page);
  const params: unknown[] = [input.id ?? null, msisdn];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<ProductOrderRecord>(
    core.db,
    `SELECT * FROM (SELECT ${columns} WHERE ($1::text IS NULL OR o.id = $1) AND ($2::text IS NULL OR s.msisdn = $2)) x WHERE ${where}`,
    params,
    `"createdAt", id`,
    page,
  );
}

/**
 * One order item is one of the registry's actions for the number — add or modify of a plan is
 * tariff.change, add of a product is product.connect, delete of a product is product.disable — run
 * through `perform` (input checked, offer checked, refusal audited, use case run). What it charged
 * is the item's price.
 */
async function runItem(core: Core, ctx: Ctx, msisdn: string, item: OrderItemInput): Promise<number> {
  if (item.action === 'noChange') return 0;
  if (item.tariffCode && (item.action === 'add' || item.action === 'modify')) {
    return (await perform(core, ctx, changeTariffAction, msisdn, { tariffCode: item.tariffCode })).total;
  }
  if (item.productCode && item.action === 'add') return (await perform(core, ctx, connectProductAction, msisdn, { productCode: item.productCode })).charged;
  if (item.productCode && item.action === 'delete') {
    await perform(core, ctx, disableProductAction, msisdn, { productCode: item.productCode });
    return 0;
  }
  throw new DomainError('VALIDATION', { field: `productOrderItem[${item.id}]`, message: `${item.action} of this item is not supported` });
}

/**
 * A TMF622 product order: each item runs through the registry's action, with the same refusals, as
 * the self-service channels (connect, disable, change tariff), one after another, each under its own
 * idempotency key `tmf622:<order>:<item>`. A refused item is `failed` with the refusal; the order
 * is completed, failed, or partial. Placing an order id again returns it as it stands.
 */
export async function placeProductOrder(
  core: Core,
  ctx: Ctx,
  input: { id: string; msisdn: string; items: OrderItemInput[]; request: Record<string, unknown> },
): Promise<ProductOrderRecord> {
  requireOperator(ctx);
  const [existing] = await listProductOrders(core, ctx, { id: input.id });
  if (existing) return existing;
  const msisdn = normalizeMsisdn(input.msisdn);
  const sub = msisdn ? await findSubscriberByMsisdn(core.db, msisdn) : undefined;
  if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: input.msisdn });
  const ids = new Set(input.items.map((i) => i.id));
  if (ids.size !== input.items.length) throw new DomainError('VALIDATION', { field: 'productOrderItem.id', message: 'item ids must be unique' });
  const now = core.clock.now();
  const inserted = await core.db.query(
    `INSERT INTO tmf_product_order (id, subscriber_id, state, request, items, created_at, updated_at)
     VALUES ($1, $2, 'inProgress', $3, '[]', $4, $4) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [input.id, sub.id, JSON.stringify(input.request), now],
  );
  if (inserted.length === 0) return mustExist((await listProductOrders(core, ctx, { id: input.id }))[0], 'product order');

  const outcomes: OrderItemOutcome[] = [];
  for (const item of input.items) {
    // A cancellation accepted while the order runs stops the items not yet run.
    const [latest] = await core.db.query<{ state: OrderState }>('SELECT state FROM tmf_product_order WHERE id = $1', [input.id]);
    if (latest?.state === 'cancelled') break;
    try {
      const charged = await runItem(core, { ...ctx, idempotencyKey: `tmf622:${input.id}:${item.id}` }, sub.msisdn, item);
      outcomes.push({ ...item, state: 'completed', charged });
    } catch (e) {
      if (!isDomainError(e)) throw e;
      outcomes.push({ ...item, state: 'failed', error: { code: e.code, params: e.params } });
    }
  }
  const done = outcomes.filter((o) => o.state === 'completed').length;
  const state: OrderState = done === outcomes.length ? 'completed' : done === 0 ? 'failed' : 'partial';
  await core.db.query(
    `UPDATE tmf_product_order SET state = CASE WHEN state = 'cancelled' THEN state ELSE $2 END, items = $3, updated_at = $4 WHERE id = $1`,
    [input.id, state, JSON.stringify(outcomes), core.clock.now()],
  );
  return mustExist((await listProductOrders(core, ctx, { id: input.id }))[0], 'product order');
}

/** Removes an order that has finished (its effects stay: they are in the ledger and the audit). */
export async function deleteProductOrder(core: Core, ctx: Ctx, input: { id: string }): Promise<ProductOrderRecord> {
  requireOperator(ctx);
  const [order] = await listProductOrders(core, ctx, { id: input.id });
  if (!order) throw new DomainError('NOT_FOUND', { id: input.id });
  if (order.state === 'inProgress' || order.state === 'acknowledged') throw new DomainError('CONFLICT', { id: input.id, state: order.state });
  await core.db.tx(async (tx) => {
    await tx.query('DELETE FROM tmf_product_order WHERE id = $1', [input.id]);
    await recordAudit(tx, core, ctx, { action: 'tmf.order.delete', details: { id: input.id, state: order.state } });
  });
  return order;
}

/** Changes what an order says about itself (description, external id, notes); never its items. */
export async function annotateProductOrder(core: Core, ctx: Ctx, input: { id: string; patch: Record<string, unknown> }): Promise<ProductOrderRecord> {
  requireOperator(ctx);
  const [order] = await listProductOrders(core, ctx, { id: input.id });
  if (!order) throw new DomainError('NOT_FOUND', { id: input.id });
  await core.db.tx(async (tx) => {
    await tx.query('UPDATE tmf_product_order SET request = $2, updated_at = $3 WHERE id = $1', [input.id, JSON.stringify({ ...order.request, ...input.patch }), core.clock.now()]);
    await recordAudit(tx, core, ctx, { action: 'tmf.order.update', details: { id: input.id, changed: Object.keys(input.patch) } });
  });
  return mustExist((await listProductOrders(core, ctx, { id: input.id }))[0], 'product order');
}

export type CancelState = 'acknowledged' | 'inProgress' | 'done' | 'terminatedWithError';

export interface OrderCancellation {
  id: string;
  orderId: string;
  state: CancelState;
  reason: string | null;
  body: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export async function listOrderCancellations(core: Core, ctx: Ctx, input: { id?: string; orderId?: string; filter?: SqlFilter } = {}, page?: StorePage): Promise<Paged<OrderCancellation>> {
  requireOperator(ctx);
  const params: unknown[] = [input.id ?? null, input.orderId ?? null];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<OrderCancellation>(
    core.db,
    `SELECT * FROM (SELECT id, order_id AS "orderId", state, reason, body, created_at AS "createdAt", updated_at AS "updatedAt" FROM tmf_order_cancel
      WHERE ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR order_id = $2)) x WHERE ${where}`,
    params,
    `"createdAt", id`,
    page,
  );
}

/**
 * TMF622 cancelProductOrder: an order not yet finished (acknowledged, inProgress) becomes cancelled
 * and its items not yet run never run; one that has finished cannot be undone this way (its effects
 * are in the ledger), so the cancellation ends terminatedWithError with the reason. Idempotent by id.
 */
export async function cancelProductOrder(
  core: Core,
  ctx: Ctx,
  input: { id: string; orderId: string; body: Record<string, unknown> },
): Promise<{ cancellation: OrderCancellation; order: ProductOrderRecord; changed: boolean }> {
  requireOperator(ctx);
  const [prior] = await listOrderCancellations(core, ctx, { id: input.id });
  if (prior) return { cancellation: prior, order: mustExist((await listProductOrders(core, ctx, { id: prior.orderId }))[0], 'product order'), changed: false };
  const [order] = await listProductOrders(core, ctx, { id: input.orderId });
  if (!order) throw new DomainError('NOT_FOUND', { id: input.orderId });
  const now = core.clock.now();
  const changed = await core.db.tx(async (tx) => {
    const cancelled = await tx.query(
      `UPDATE tmf_product_order SET state = 'cancelled', updated_at = $2 WHERE id = $1 AND state IN ('acknowledged', 'inProgress') RETURNING id`,
      [input.orderId, now],
    );
    const [current] = await tx.query<{ state: OrderState }>('SELECT state FROM tmf_product_order WHERE id = $1', [input.orderId]);
    const ok = cancelled.length > 0;
    const reason = ok ? null : `the order is already ${current?.state ?? order.state}`;
    const inserted = await tx.query(
      `INSERT INTO tmf_order_cancel (id, order_id, state, reason, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [input.id, input.orderId, ok ? 'done' : 'terminatedWithError', reason, JSON.stringify(input.body), now],
    );
    if (inserted.length === 0) return false;
    await recordAudit(tx, core, ctx, {
      action: 'tmf.order.cancel',
      outcome: ok ? 'ok' : 'refused',
      details: { id: input.id, order: input.orderId, ...(reason ? { reason } : {}) },
    });
    return ok;
  });
  const [cancellation] = await listOrderCancellations(core, ctx, { id: input.id });
  return { cancellation: mustExist(cancellation, 'order cancellation'), order: mustExist((await listProductOrders(core, ctx, { id: input.orderId }))[0], 'product order'), changed };
}
