import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../domain/core.ts';
import { connectProductAction, disableProductAction, perform, productFacts, tariffListFacts } from '../../domain/actions/registry.ts';
import type { Lang } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { getInventoryItem, listProductInventory, type InventoryItem } from './inventory-items.ts';
import { acceptedFilters, apiBase, compact, fieldsQuery, idParams, iso, listQuery, money, selectFields, sendList, storePage, tmfCtx } from './conventions.ts';
import { bool, filterNames, sqlFilter, wholeId, type FilterColumns } from './filter-sql.ts';
import { hubRoutes, publish } from './hub.ts';
import { arr, msisdnFrom, partiesOf } from './parties.ts';

export const INVENTORY_BASE = '/tmf-api/productInventory/v4';
const CATALOG_PATH = '/tmf-api/productCatalogManagement/v4';
const API = 'productInventory';
const tag = 'TMF637 Product Inventory';

const STATUS: Record<string, string> = { active: 'active', suspended: 'suspended', limit_suspended: 'suspended', disabled: 'terminated', blocked: 'suspended' };

export function renderInventoryItem(p: InventoryItem, base: string, origin: string, lang: Lang): Record<string, unknown> {
  const offeringId = p.kind === 'tariff' ? `tariff-${p.spec.code}` : p.spec.code;
  // What the product goes on costing: the registry's price and period (its connection fee is paid).
  const facts = p.kind === 'tariff' ? tariffListFacts(p.spec) : productFacts(p.spec);
  const prices: Record<string, unknown>[] = [
    facts.period === 'once'
      ? { priceType: 'oneTime', price: { taxIncludedAmount: money(facts.price) } }
      : { priceType: 'recurring', recurringChargePeriod: facts.period, price: { taxIncludedAmount: money(facts.price) } },
  ];
  return compact({
    id: p.id,
    href: `${base}/product/${p.id}`,
    name: p.spec.name[lang],
    description: p.spec.description[lang],
    isBundle: false,
    isCustomerVisible: true,
    status: p.kind === 'tariff' ? (p.status === 'active' ? 'active' : 'suspended') : (STATUS[p.status] ?? p.status),
    startDate: iso(p.startDate),
    terminationDate: iso(p.terminationDate),
    productSerialNumber: p.msisdn,
    productOffering: { id: offeringId, href: `${origin}${CATALOG_PATH}/productOffering/${offeringId}`, name: p.spec.name[lang], '@referredType': 'ProductOffering' },
    productPrice: prices,
    productCharacteristic: [
      { name: 'msisdn', valueType: 'string', value: p.msisdn },
      { name: 'kind', valueType: 'string', value: p.kind === 'tariff' ? 'tariff' : p.spec.kind },
      ...(p.nextChargeAt ? [{ name: 'nextChargeAt', valueType: 'dateTime', value: iso(p.nextChargeAt) }] : []),
    ],
    billingAccount: { id: String(p.accountId), '@referredType': 'BillingAccount' },
    relatedParty: partiesOf(p),
    '@type': 'Product',
  });
}

/** The filters TMF637 product takes, each applied by the store to what the item shows. */
function productFilters(lang: Lang): FilterColumns {
  return {
    id: { sql: 'x.id', cast: 'text' },
    name: { sql: `x.spec->'name'->>'${lang}'`, cast: 'text' },
    status: { sql: 'x."tmfStatus"', cast: 'text' },
    productSerialNumber: { sql: 'x.msisdn', cast: 'text' },
    'relatedParty.id': { sql: `$v IN (x.msisdn, x."customerId"::text)`, cast: 'text' },
    'relatedParty.role': { sql: `$v IN ('subscriber', 'customer')`, cast: 'text' },
    'productOffering.id': { sql: 'x."offeringId"', cast: 'text' },
    'productOffering.name': { sql: `x.spec->'name'->>'${lang}'`, cast: 'text' },
    'billingAccount.id': { sql: 'x."accountId"', cast: 'bigint', value: wholeId },
    startDate: { sql: 'x."startDate"', cast: 'timestamptz', date: true },
    terminationDate: { sql: 'x."terminationDate"', cast: 'timestamptz', date: true },
    isBundle: { sql: 'FALSE', cast: 'boolean', value: bool },
    isCustomerVisible: { sql: 'TRUE', cast: 'boolean', value: bool },
    '@type': { sql: `'Product'`, cast: 'text' },
  };
}

const productCreate = z.looseObject({
  status: z.string().min(1).max(40),
  productOffering: z.looseObject({ id: z.string().min(1).max(200) }),
  relatedParty: z.array(z.looseObject({ id: z.string().max(200) })).min(1),
});
const productPatch = z.looseObject({ status: z.string().max(40).optional() });

/** TMF637: a subscriber's tariff and connected products. Creating one connects it, deleting one disables it. */
export async function productInventoryRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, INVENTORY_BASE);
  const render = (req: FastifyRequest, p: InventoryItem) => renderInventoryItem(p, base(req), apiBase(req, opts.publicUrl, ''), req.lang);

  r.get('/product', { schema: { tags: [tag], summary: `List products, paged by the store; filters: ${filterNames(productFilters('en')).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const columns = productFilters(req.lang);
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(columns)), columns);
    const items = await listProductInventory(core, tmfCtx(req), { filter }, storePage(req.query));
    return sendList(reply, req.query, items.map((p) => render(req, p)), items.total);
  });
  r.get('/product/:id', { schema: { tags: [tag], summary: 'Retrieve a product', params: idParams, querystring: fieldsQuery } }, async (req) =>
    selectFields(render(req, await getInventoryItem(core, tmfCtx(req), req.params)), req.query.fields),
  );
  r.post('/product', { schema: { tags: [tag], summary: 'Connect a product offering to a number (as TMF622 add does)', body: productCreate } }, async (req, reply) => {
    if (req.body.status !== 'active' && req.body.status !== 'created') throw new DomainError('VALIDATION', { field: 'status', message: 'active or created' });
    const msisdn = msisdnFrom(arr(req.body.relatedParty), 'relatedParty');
    const res = await perform(core, tmfCtx(req), connectProductAction, msisdn, { productCode: req.body.productOffering.id });
    const sub = await listProductInventory(core, tmfCtx(req), { msisdn });
    const out = render(req, sub.find((p) => p.kind === 'product' && p.instanceId === res.instanceId)!);
    publish(core, API, 'productCreateEvent', 'product', out);
    return reply.status(201).send(out);
  });
  /**
   * Ending a product is the registry's product.disable for the number and the product's code: the
   * offer decides (not connected, cannot be disabled, …), `perform` audits a refusal and runs it.
   * The channel only maps its id: an id names one instance, so an instance already terminated is
   * not the one connected now (a later connection of the same product is another item).
   */
  const terminate = async (req: FastifyRequest, id: string) => {
    const ctx = tmfCtx(req);
    const item = await getInventoryItem(core, ctx, { id });
    if (item.kind === 'tariff') throw new DomainError('CONFLICT', { id, reason: 'a tariff is changed by a product order, not terminated' });
    if (item.status === 'disabled') throw new DomainError('PRODUCT_NOT_CONNECTED', { product: item.spec.code });
    await perform(core, ctx, disableProductAction, item.msisdn, { productCode: item.spec.code });
    return render(req, await getInventoryItem(core, ctx, { id }));
  };
  r.patch('/product/:id', { schema: { tags: [tag], summary: 'Update a product: status terminated disables it', params: idParams, body: productPatch } }, async (req) => {
    const keys = Object.keys(req.body);
    if (keys.some((k) => k !== 'status') || req.body.status !== 'terminated') throw new DomainError('VALIDATION', { field: keys.find((k) => k !== 'status') ?? 'status', message: 'only status: terminated can be patched' });
    const out = await terminate(req, req.params.id);
    publish(core, API, 'productStateChangeEvent', 'product', out);
    publish(core, API, 'productAttributeValueChangeEvent', 'product', out);
    return out;
  });
  r.delete('/product/:id', { schema: { tags: [tag], summary: 'Disable a product (fees stop; the record stays as terminated)', params: idParams } }, async (req, reply) => {
    const out = await terminate(req, req.params.id);
    publish(core, API, 'productDeleteEvent', 'product', out);
    return reply.status(204).send();
  });
  hubRoutes(app, core, API, tag);
}
