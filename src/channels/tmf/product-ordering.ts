import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../domain/core.ts';
import type { Lang } from '../../domain/shared/context.ts';
import { isoInstant } from '../../domain/shared/strict-input.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import {
  annotateProductOrder,
  cancelProductOrder,
  deleteProductOrder,
  listOrderCancellations,
  listProductOrders,
  placeProductOrder,
  type OrderCancellation,
  type OrderItemInput,
  type ProductOrderRecord,
} from './place-product-order.ts';
import { getInventoryItem } from './inventory-items.ts';
import { acceptedFilters, apiBase, compact, fieldsQuery, idParams, iso, listQuery, money, selectFields, sendList, storePage, tmfCtx } from './conventions.ts';
import { filterNames, sqlFilter, type FilterColumn, type FilterColumns } from './filter-sql.ts';
import { refusalWords } from '../../domain/actions/refusal-words.ts';
import { describeRefusal } from './errors.ts';
import { hubRoutes, publish } from './hub.ts';
import { arr, msisdnFrom } from './parties.ts';

export const ORDERING_BASE = '/tmf-api/productOrderingManagement/v4';
const API = 'productOrderingManagement';
const tag = 'TMF622 Product Ordering';
const OWNED = ['id', 'href', 'state', 'orderDate', 'completionDate', '@type'];

/** Each refused item's reason in words, with catalog names (refusalWords), by item id. */
async function itemWords(core: Core, o: ProductOrderRecord, lang: Lang): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const i of o.items) if (i.error) out.set(i.id, await refusalWords(core.db, i.error, lang));
  return out;
}

async function renderOrder(core: Core, o: ProductOrderRecord, base: string, lang: Lang): Promise<Record<string, unknown>> {
  const words = await itemWords(core, o, lang);
  const requested = arr(o.request.productOrderItem) as Record<string, unknown>[];
  const finished = o.state === 'completed' || o.state === 'failed' || o.state === 'partial' || o.state === 'cancelled';
  const notes = o.items
    .filter((i) => i.error)
    .map((i) => ({ id: `item-${i.id}`, author: 'abonent', date: iso(o.updatedAt), text: `item ${i.id}: ${i.error!.code} — ${describeRefusal(i.error!.code, i.error!.params, lang, words.get(i.id)).message}` }));
  return compact({
    ...Object.fromEntries(Object.entries(o.request).filter(([k]) => !OWNED.includes(k) && k !== 'productOrderItem')),
    id: o.id,
    href: `${base}/productOrder/${o.id}`,
    state: o.state,
    orderDate: iso(o.createdAt),
    completionDate: finished ? iso(o.updatedAt) : undefined,
    note: [...arr(o.request.note), ...notes],
    productOrderItem: requested.map((item) => {
      const outcome = o.items.find((i) => i.id === item.id);
      return compact({
        ...item,
        state: outcome?.state ?? 'acknowledged',
        itemTotalPrice: outcome?.charged ? [{ priceType: 'oneTime', price: { taxIncludedAmount: money(outcome.charged) } }] : undefined,
        errorMessage: outcome?.error ? { code: outcome.error.code, ...describeRefusal(outcome.error.code, outcome.error.params, lang, words.get(outcome.id)), '@type': 'ProductOrderItemErrorMessage' } : undefined,
      });
    }),
    '@type': 'ProductOrder',
  });
}

/** An element of the order request's array `name` (none when it is no array) has `key` = $v. */
const inRequest = (name: string, key: string): FilterColumn => ({
  sql: `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(x.request->'${name}') = 'array' THEN x.request->'${name}' ELSE '[]'::jsonb END) e WHERE e${key} = $v)`,
  cast: 'text',
});
const FINISHED = `x.state IN ('completed', 'failed', 'partial', 'cancelled')`;

/** The filters TMF622 productOrder takes, each applied by the store to what the order shows. */
const ORDER_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'text' },
  state: { sql: 'x.state', cast: 'text' },
  orderDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  completionDate: { sql: `CASE WHEN ${FINISHED} THEN x."updatedAt" END`, cast: 'timestamptz', date: true },
  externalId: { sql: `x.request->>'externalId'`, cast: 'text' },
  description: { sql: `x.request->>'description'`, cast: 'text' },
  category: { sql: `x.request->>'category'`, cast: 'text' },
  priority: { sql: `x.request->>'priority'`, cast: 'text' },
  'relatedParty.id': inRequest('relatedParty', `->>'id'`),
  'relatedParty.role': inRequest('relatedParty', `->>'role'`),
  'productOrderItem.id': inRequest('productOrderItem', `->>'id'`),
  'productOrderItem.action': inRequest('productOrderItem', `->>'action'`),
  'productOrderItem.productOffering.id': inRequest('productOrderItem', `->'productOffering'->>'id'`),
  '@type': { sql: `'ProductOrder'`, cast: 'text' },
};

/** The filters TMF622 cancelProductOrder takes, each applied by the store to what the cancellation shows. */
const CANCEL_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'text' },
  state: { sql: 'x.state', cast: 'text' },
  'productOrder.id': { sql: 'x."orderId"', cast: 'text' },
  effectiveCancellationDate: { sql: `CASE WHEN x.state = 'done' THEN x."createdAt" END`, cast: 'timestamptz', date: true },
  lastUpdate: { sql: 'x."updatedAt"', cast: 'timestamptz', date: true },
  stateChangeReason: { sql: 'x.reason', cast: 'text' },
  cancellationReason: { sql: `x.body->>'cancellationReason'`, cast: 'text' },
  '@type': { sql: `'CancelProductOrder'`, cast: 'text' },
};

const CANCEL_OWNED = ['id', 'href', 'state', 'effectiveCancellationDate', 'productOrder', '@type'];

function renderCancel(c: OrderCancellation, base: string): Record<string, unknown> {
  return compact({
    ...c.body,
    id: c.id,
    href: `${base}/cancelProductOrder/${c.id}`,
    state: c.state,
    productOrder: { id: c.orderId, href: `${base}/productOrder/${c.orderId}`, '@referredType': 'ProductOrder' },
    effectiveCancellationDate: c.state === 'done' ? iso(c.createdAt) : undefined,
    stateChangeReason: c.reason ?? undefined,
    errorMessage: c.reason ? { code: 'CONFLICT', reason: 'The order cannot be cancelled', message: c.reason, status: 'terminatedWithError', '@type': 'CancelProductOrderErrorMessage' } : undefined,
    lastUpdate: iso(c.updatedAt),
    '@type': 'CancelProductOrder',
  });
}

const cancelCreate = z.looseObject({
  productOrder: z.looseObject({ id: z.string().min(1).max(200) }),
  cancellationReason: z.string().max(2000).optional(),
  requestedCancellationDate: isoInstant.optional(),
});

const orderItem = z.looseObject({
  id: z.string().min(1).max(100),
  action: z.enum(['add', 'modify', 'delete', 'noChange']),
  productOffering: z.looseObject({ id: z.string().max(200) }).optional(),
  product: z.looseObject({ id: z.string().max(200).optional() }).optional(),
});
const orderCreate = z.looseObject({
  productOrderItem: z.array(orderItem).min(1).max(50),
  relatedParty: z.array(z.looseObject({ id: z.string().max(200) })).optional(),
});
const orderPatch = z.looseObject({ description: z.string().max(2000).optional(), externalId: z.string().max(200).optional() });

/** TMF622: orders to add, modify or delete a number's products, executed by the self-service use cases. */
export async function productOrderingRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, ORDERING_BASE);

  r.post('/productOrder', { schema: { tags: [tag], summary: 'Place a product order (relatedParty.id = the MSISDN); executed at once, item by item', body: orderCreate } }, async (req, reply) => {
    const ctx = tmfCtx(req);
    const body = req.body as Record<string, unknown> & z.infer<typeof orderCreate>;
    const items: OrderItemInput[] = [];
    const numbers: string[] = [];
    for (const it of body.productOrderItem) {
      let offering = it.productOffering?.id ?? ((it.product?.productOffering as Record<string, unknown> | undefined)?.id as string | undefined);
      if (!offering && it.product?.id) {
        const p = await getInventoryItem(core, ctx, { id: it.product.id });
        offering = p.kind === 'tariff' ? `tariff-${p.spec.code}` : p.spec.code;
        numbers.push(p.msisdn);
      }
      if (!offering && it.action !== 'noChange') throw new DomainError('VALIDATION', { field: `productOrderItem[${it.id}].productOffering`, message: 'name the product offering or the product' });
      items.push({ id: it.id, action: it.action, ...(offering?.startsWith('tariff-') ? { tariffCode: offering.slice(7) } : offering ? { productCode: offering } : {}) });
    }
    const msisdn = msisdnFrom([...arr(body.relatedParty), ...numbers], 'relatedParty');
    const id = ctx.idempotencyKey ? createHash('sha256').update(`tmf622:${ctx.idempotencyKey}`).digest('hex').slice(0, 32) : randomUUID();
    const request = Object.fromEntries(Object.entries(body).filter(([k]) => !OWNED.includes(k)));
    const order = await placeProductOrder(core, ctx, { id, msisdn, items, request });
    const out = await renderOrder(core, order, base(req), req.lang);
    publish(core, API, 'productOrderCreateEvent', 'productOrder', out);
    publish(core, API, 'productOrderStateChangeEvent', 'productOrder', out);
    return reply.status(201).send(out);
  });
  r.get('/productOrder', { schema: { tags: [tag], summary: `List product orders, oldest first, paged by the store; filters: ${filterNames(ORDER_FILTERS).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(ORDER_FILTERS)), ORDER_FILTERS);
    const orders = await listProductOrders(core, tmfCtx(req), { filter }, storePage(req.query));
    return sendList(reply, req.query, await Promise.all(orders.map((o) => renderOrder(core, o, base(req), req.lang))), orders.total);
  });
  r.get('/productOrder/:id', { schema: { tags: [tag], summary: 'Retrieve a product order', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [o] = await listProductOrders(core, tmfCtx(req), { id: req.params.id });
    if (!o) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(await renderOrder(core, o, base(req), req.lang), req.query.fields);
  });
  r.patch('/productOrder/:id', { schema: { tags: [tag], summary: 'Update what an order says about itself (description, externalId, note); items are immutable', params: idParams, body: orderPatch } }, async (req) => {
    const bad = Object.keys(req.body).find((k) => OWNED.includes(k) || k === 'productOrderItem');
    if (bad) throw new DomainError('VALIDATION', { field: bad, message: 'cannot be patched' });
    const out = await renderOrder(core, await annotateProductOrder(core, tmfCtx(req), { id: req.params.id, patch: req.body }), base(req), req.lang);
    publish(core, API, 'productOrderAttributeValueChangeEvent', 'productOrder', out);
    return out;
  });
  r.delete('/productOrder/:id', { schema: { tags: [tag], summary: 'Delete a finished order record (its effects stay)', params: idParams } }, async (req, reply) => {
    const o = await deleteProductOrder(core, tmfCtx(req), { id: req.params.id });
    publish(core, API, 'productOrderDeleteEvent', 'productOrder', await renderOrder(core, o, base(req), req.lang));
    return reply.status(204).send();
  });

  r.post('/cancelProductOrder', { schema: { tags: [tag], summary: 'Cancel an order not yet finished (a finished one cannot be: the request ends terminatedWithError)', body: cancelCreate } }, async (req, reply) => {
    const ctx = tmfCtx(req);
    const id = ctx.idempotencyKey ? createHash('sha256').update(`tmf622-cancel:${ctx.idempotencyKey}`).digest('hex').slice(0, 32) : randomUUID();
    const body = Object.fromEntries(Object.entries(req.body).filter(([k]) => !CANCEL_OWNED.includes(k)));
    const res = await cancelProductOrder(core, ctx, { id, orderId: req.body.productOrder.id, body });
    const out = renderCancel(res.cancellation, base(req));
    publish(core, API, 'cancelProductOrderCreateEvent', 'cancelProductOrder', out);
    publish(core, API, 'cancelProductOrderStateChangeEvent', 'cancelProductOrder', out);
    if (res.changed) publish(core, API, 'productOrderStateChangeEvent', 'productOrder', await renderOrder(core, res.order, base(req), req.lang));
    return reply.status(201).send(out);
  });
  r.get('/cancelProductOrder', { schema: { tags: [tag], summary: `List order cancellations, paged by the store; filters: ${filterNames(CANCEL_FILTERS).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(CANCEL_FILTERS)), CANCEL_FILTERS);
    const cancellations = await listOrderCancellations(core, tmfCtx(req), { filter }, storePage(req.query));
    return sendList(reply, req.query, cancellations.map((c) => renderCancel(c, base(req))), cancellations.total);
  });
  r.get('/cancelProductOrder/:id', { schema: { tags: [tag], summary: 'Retrieve an order cancellation', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [c] = await listOrderCancellations(core, tmfCtx(req), { id: req.params.id });
    if (!c) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderCancel(c, base(req)), req.query.fields);
  });
  hubRoutes(app, core, API, tag);
}
