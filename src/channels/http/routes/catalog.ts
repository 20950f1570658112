import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listProducts, listRegions, listTariffs } from '../../../domain/catalog/read-catalog.ts';
import type { Core } from '../../../domain/core.ts';
import { z } from 'zod';
import { productSchema, regionSchema, tariffSchema } from '../schemas/catalog.ts';

const tag = { tags: ['catalog'] };

/** The public catalog: what anyone may see before logging in. */
export async function catalogRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/catalog/tariffs', { schema: { ...tag, summary: 'Tariff plans on sale', response: { 200: z.object({ items: z.array(tariffSchema) }) } } }, async () => ({ items: await listTariffs(core.reads) }));
  r.get('/catalog/products', { schema: { ...tag, summary: 'Options, subscriptions, services and packages', response: { 200: z.object({ items: z.array(productSchema) }) } } }, async () => ({
    items: await listProducts(core.reads),
  }));
  r.get('/catalog/regions', { schema: { ...tag, summary: 'Regions with their time zones', response: { 200: z.object({ items: z.array(regionSchema) }) } } }, async () => ({ items: await listRegions(core.reads) }));
}
