import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createProduct } from '../../domain/catalog/create-product.ts';
import { deleteProduct } from '../../domain/catalog/delete-product.ts';
import { listOfferings, type Offering } from '../../domain/catalog/list-offerings.ts';
import type { Product } from '../../domain/catalog/schema.ts';
import { updateProduct } from '../../domain/catalog/update-product.ts';
import type { Core } from '../../domain/core.ts';
import type { Lang } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import {
  createCatalogResource,
  deleteCatalogResource,
  getCatalogResource,
  listCatalogResources,
  patchCatalogResource,
  type CatalogResource,
  type CatalogResourceKind,
} from './catalog-resources.ts';
import { apiBase, compact, fieldsQuery, idParams, iso, listQuery, selectFields, sendList, tmfCtx, toKopecks } from './conventions.ts';
import { hubRoutes, publish } from './hub.ts';
import { echoGivenPrices, offeringFacts, offeringPrices, priceGaps } from './offering-prices.ts';

export const CATALOG_BASE = '/tmf-api/productCatalogManagement/v4';
const API = 'productCatalogManagement';
const tag = 'TMF620 Product Catalog';
const KINDS = ['option', 'subscription', 'service', 'package'] as const;
const ACTIVE = new Set(['Active', 'Launched']);
/** Attributes the server owns: never taken from a request body. */
const OWNED = ['id', 'href', 'lastUpdate', '@type', 'abonentBillable', 'abonentMissingForBilling'];

type Body = Record<string, unknown>;
const without = (b: Body, keys: string[]): Body => Object.fromEntries(Object.entries(b).filter(([k]) => !keys.includes(k)));

function renderOffering(o: Offering, base: string, lang: Lang): Body {
  const a = o.attributes;
  const kind = o.kind === 'tariff' ? 'tariff' : o.spec.kind;
  const id = o.kind === 'tariff' ? `tariff-${o.spec.code}` : o.spec.code;
  const givenCategories = Array.isArray(a.category) ? (a.category as Body[]) : [];
  const kindCategory = givenCategories.find((c) => c.id === kind) ?? {};
  const extraCategories = givenCategories.filter((c) => c.id !== kind);
  return compact({
    ...without(a, ['deleted', 'category', 'productOfferingPrice', ...OWNED]),
    id,
    href: `${base}/productOffering/${id}`,
    name: o.spec.name[lang],
    description: o.spec.description[lang],
    version: typeof a.version === 'string' ? a.version : '1.0',
    lastUpdate: iso(o.updatedAt),
    lifecycleStatus: typeof a.lifecycleStatus === 'string' ? a.lifecycleStatus : o.status === 'active' ? 'Active' : 'Retired',
    isBundle: false,
    isSellable: o.spec.connectable && o.status === 'active',
    category: [{ ...kindCategory, id: kind, href: `${base}/category/${kind}`, '@referredType': 'Category' }, ...extraCategories],
    productOfferingPrice: echoGivenPrices(offeringPrices(offeringFacts(o), o.kind, lang), a.productOfferingPrice),
    abonentSpec: o.spec,
    '@type': 'ProductOffering',
  });
}

/**
 * A productOfferingPrice says whether it can price an offering: `abonentBillable`, and while it
 * cannot, `abonentMissingForBilling` names what it lacks.
 */
function billability(kind: CatalogResourceKind, body: Body): Body {
  if (kind !== 'productOfferingPrice') return {};
  const { missing, invalid } = priceGaps(body);
  const lacks = [...missing, ...invalid.map((i) => i.field)];
  return lacks.length ? { abonentBillable: false, abonentMissingForBilling: lacks } : { abonentBillable: true };
}

function renderResource(kind: CatalogResourceKind, r: CatalogResource, base: string): Body {
  return {
    ...billability(kind, r.body),
    ...without(r.body, OWNED),
    id: r.id,
    href: `${base}/${kind}/${r.id}`,
    lifecycleStatus: typeof r.body.lifecycleStatus === 'string' ? r.body.lifecycleStatus : 'Active',
    version: typeof r.body.version === 'string' ? r.body.version : '1.0',
    lastUpdate: iso(r.updatedAt),
    '@type': kind[0]!.toUpperCase() + kind.slice(1),
  };
}

/**
 * The fee model and amounts a TMF offering's prices describe (inline values or stored prices), and
 * the prices as given with each stored one's priceType added (kept to echo them: echoGivenPrices).
 * A price that is not complete for billing (priceGaps) cannot price an offering.
 */
async function feeFromPrices(core: Core, prices: unknown): Promise<{ fee: Partial<Product>; given?: Body[] }> {
  if (!Array.isArray(prices) || prices.length === 0) return { fee: {} };
  const values: Body[] = [];
  const given: Body[] = [];
  for (const p of prices as Body[]) {
    const value = p.price === undefined && typeof p.id === 'string' ? (await getCatalogResource(core, 'productOfferingPrice', p.id)).body : p;
    const { missing, invalid } = priceGaps(value);
    if (invalid[0]) throw new DomainError('VALIDATION', { field: `productOfferingPrice.${invalid[0].field}`, message: invalid[0].message });
    if (missing.length) throw new DomainError('VALIDATION', { field: 'productOfferingPrice', message: `${typeof p.id === 'string' ? `price ${p.id}` : 'a price'} is not complete for billing: it lacks ${missing.join(', ')}` });
    values.push(value);
    given.push(value === p ? p : { ...p, priceType: value.priceType });
  }
  const amount = (p: Body) => toKopecks((p.price as Body | undefined)?.value, 'productOfferingPrice.price.value');
  const recurring = values.find((p) => p.priceType === 'recurring');
  const once = values.filter((p) => p.priceType === 'oneTime');
  const out: Partial<Product> = {};
  if (recurring) {
    const period = recurring.recurringChargePeriodType ?? recurring.recurringChargePeriod;
    out.fee = { model: period === 'month' ? 'monthly' : 'daily', amount: amount(recurring) };
    if (once[0]) out.connectionFee = amount(once[0]);
  } else if (once[0]) {
    // A one-off price first, then its connection fee: the order offeringPrices states them in.
    out.fee = { model: 'per_use', amount: amount(once[0]) };
    if (once[1]) out.connectionFee = amount(once[1]);
  }
  return { fee: out, given };
}

const offeringCreate = z.looseObject({
  name: z.string().min(1).max(500),
  description: z.string().max(2000).optional(),
  lifecycleStatus: z.string().max(50).optional(),
  isSellable: z.boolean().optional(),
  category: z.array(z.looseObject({ id: z.string().max(200) })).optional(),
  productOfferingPrice: z.array(z.looseObject({})).optional(),
  abonentSpec: z.looseObject({}).optional().describe('catalog fields beyond TMF (kind, includes, compatibility, USSD code…), as in catalog.json'),
});
const offeringPatch = offeringCreate.partial();
const resourceCreate = z.looseObject({ name: z.string().min(1).max(500), lifecycleStatus: z.string().max(50).optional() });
const resourcePatch = z.looseObject({ name: z.string().min(1).max(500).optional() });

/** A price may lack what billing needs (it says so), but what it states must be right. */
function refuseInvalidPrice(body: Body): void {
  const [bad] = priceGaps(body).invalid;
  if (bad) throw new DomainError('VALIDATION', { field: bad.field, message: bad.message });
}

function refuseOwned(body: Body): void {
  for (const k of ['id', 'href']) if (k in body) throw new DomainError('VALIDATION', { field: k, message: 'set by the server' });
}

/** TMF620: productOffering over the catalog's tariffs and products; the other resources as documents. */
export async function productCatalogRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, CATALOG_BASE);

  const findOffering = async (id: string): Promise<Offering> => {
    const tariff = id.startsWith('tariff-');
    const [o] = await listOfferings(core.db, { code: tariff ? id.slice(7) : id, kind: tariff ? 'tariff' : 'product' });
    if (!o) throw new DomainError('NOT_FOUND', { id });
    return o;
  };
  const productId = (id: string): string => {
    if (id.startsWith('tariff-')) throw new DomainError('CONFLICT', { id, reason: 'tariffs are edited in the catalog file' });
    return id;
  };

  r.get('/productOffering', { schema: { tags: [tag], summary: 'List product offerings (tariffs and products)', querystring: listQuery } }, async (req, reply) => {
    const all = (await listOfferings(core.db)).map((o) => renderOffering(o, base(req), req.lang));
    return sendList(reply, req.query, all);
  });
  r.get('/productOffering/:id', { schema: { tags: [tag], summary: 'Retrieve a product offering', params: idParams, querystring: fieldsQuery } }, async (req) =>
    selectFields(renderOffering(await findOffering(req.params.id), base(req), req.lang), req.query.fields),
  );
  r.post('/productOffering', { schema: { tags: [tag], summary: 'Create a product offering: a catalog product every channel can connect', body: offeringCreate } }, async (req, reply) => {
    const b = req.body as Body & z.infer<typeof offeringCreate>;
    const extra = b.abonentSpec ?? {};
    const kind = b.category?.map((c) => c.id).find((c): c is (typeof KINDS)[number] => (KINDS as readonly string[]).includes(c)) ?? extra.kind ?? 'option';
    const lifecycleStatus = b.lifecycleStatus ?? 'Active';
    const priced = await feeFromPrices(core, b.productOfferingPrice);
    const text = { ru: b.name, en: b.name };
    const spec = {
      code: `tmf_${randomBytes(5).toString('hex')}`,
      kind,
      name: text,
      description: b.description ? { ru: b.description, en: b.description } : text,
      fee: { model: 'none', amount: 0 },
      ...(b.isSellable === false ? { connectable: false } : {}),
      ...priced.fee,
      ...extra,
    };
    // Every attribute given is kept and echoed; those the catalog owns (name, prices…) are rendered from it.
    const attributes = { ...without(b, ['name', 'description', 'isSellable', 'productOfferingPrice', 'abonentSpec', 'lastUpdate', ...OWNED]), lifecycleStatus, ...(priced.given ? { productOfferingPrice: priced.given } : {}) };
    const created = await createProduct(core, tmfCtx(req), { spec, active: ACTIVE.has(lifecycleStatus), attributes });
    const out = renderOffering(await findOffering(created.code), base(req), req.lang);
    publish(core, API, 'productOfferingCreateEvent', 'productOffering', out);
    return reply.status(201).send(out);
  });
  r.patch('/productOffering/:id', { schema: { tags: [tag], summary: 'Update a product offering (JSON or merge-patch+json)', params: idParams, body: offeringPatch } }, async (req) => {
    const b = req.body as Body & z.infer<typeof offeringPatch>;
    refuseOwned(b);
    const before = await findOffering(productId(req.params.id));
    const priced = await feeFromPrices(core, b.productOfferingPrice);
    const patch: Partial<Product> = { ...priced.fee, ...(b.abonentSpec ?? {}) };
    if (b.name !== undefined) patch.name = { ru: b.name, en: b.name };
    if (b.description !== undefined) patch.description = { ru: b.description, en: b.description };
    if (b.isSellable !== undefined) patch.connectable = b.isSellable;
    const kindRef = b.category?.map((c) => c.id).find((c) => (KINDS as readonly string[]).includes(c));
    if (kindRef) patch.kind = kindRef as Product['kind'];
    const rest = { ...without(b, ['name', 'description', 'isSellable', 'productOfferingPrice', 'abonentSpec', 'lastUpdate', ...OWNED]), ...(priced.given ? { productOfferingPrice: priced.given } : {}) };
    const attributes = Object.keys(rest).length ? { ...before.attributes, ...rest } : undefined;
    const lifecycleStatus = typeof b.lifecycleStatus === 'string' ? b.lifecycleStatus : undefined;
    await updateProduct(core, tmfCtx(req), { code: req.params.id, patch, ...(lifecycleStatus ? { active: ACTIVE.has(lifecycleStatus) } : {}), ...(attributes ? { attributes } : {}) });
    const out = renderOffering(await findOffering(req.params.id), base(req), req.lang);
    publish(core, API, 'productOfferingAttributeValueChangeEvent', 'productOffering', out);
    if (out.lifecycleStatus !== renderOffering(before, base(req), req.lang).lifecycleStatus) publish(core, API, 'productOfferingStateChangeEvent', 'productOffering', out);
    return out;
  });
  r.delete('/productOffering/:id', { schema: { tags: [tag], summary: 'Delete a product offering (retired if anyone ever had it)', params: idParams } }, async (req, reply) => {
    const before = renderOffering(await findOffering(productId(req.params.id)), base(req), req.lang);
    await deleteProduct(core, tmfCtx(req), { code: req.params.id });
    publish(core, API, 'productOfferingDeleteEvent', 'productOffering', before);
    return reply.status(204).send();
  });

  const kinds: CatalogResourceKind[] = ['productSpecification', 'productOfferingPrice', 'category', 'catalog'];
  for (const kind of kinds) {
    const name = kind;
    r.get(`/${kind}`, { schema: { tags: [tag], summary: `List ${kind}`, querystring: listQuery } }, async (req, reply) =>
      sendList(reply, req.query, (await listCatalogResources(core, kind)).map((x) => renderResource(kind, x, base(req)))),
    );
    r.get(`/${kind}/:id`, { schema: { tags: [tag], summary: `Retrieve a ${kind}`, params: idParams, querystring: fieldsQuery } }, async (req) =>
      selectFields(renderResource(kind, await getCatalogResource(core, kind, req.params.id), base(req)), req.query.fields),
    );
    r.post(`/${kind}`, { schema: { tags: [tag], summary: `Create a ${kind}`, body: resourceCreate } }, async (req, reply) => {
      const body = { ...without(req.body, ['lastUpdate', ...OWNED]), lifecycleStatus: req.body.lifecycleStatus ?? 'Active' };
      if (kind === 'productOfferingPrice') refuseInvalidPrice(body);
      const out = renderResource(kind, await createCatalogResource(core, tmfCtx(req), { kind, body }), base(req));
      publish(core, API, `${name}CreateEvent`, name, out);
      return reply.status(201).send(out);
    });
    r.patch(`/${kind}/:id`, { schema: { tags: [tag], summary: `Update a ${kind} (JSON or merge-patch+json)`, params: idParams, body: resourcePatch } }, async (req) => {
      refuseOwned(req.body);
      if (kind === 'productOfferingPrice') refuseInvalidPrice(Object.fromEntries(Object.entries({ ...(await getCatalogResource(core, kind, req.params.id)).body, ...req.body }).filter(([, v]) => v !== null)));
      const res = await patchCatalogResource(core, tmfCtx(req), { kind, id: req.params.id, patch: without(req.body, ['lastUpdate', '@type']) });
      const out = renderResource(kind, res, base(req));
      publish(core, API, `${name}AttributeValueChangeEvent`, name, out);
      if ((res.previous.lifecycleStatus ?? 'Active') !== out.lifecycleStatus) publish(core, API, `${name}StateChangeEvent`, name, out);
      return out;
    });
    r.delete(`/${kind}/:id`, { schema: { tags: [tag], summary: `Delete a ${kind}`, params: idParams } }, async (req, reply) => {
      const res = await deleteCatalogResource(core, tmfCtx(req), { kind, id: req.params.id });
      publish(core, API, `${name}DeleteEvent`, name, renderResource(kind, res, base(req)));
      return reply.status(204).send();
    });
  }
  hubRoutes(app, core, API, tag);
}
