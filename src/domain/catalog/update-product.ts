import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { requireCatalogEditor, requireRoamingZone, saveTmfAttributes, validateProduct } from './create-product.ts';
import type { Product } from './schema.ts';

/**
 * Changes a catalog product (TMF620 productOffering patch): the patch is merged into the spec and
 * the result validated as a whole; the code never changes. Connected instances keep running.
 */
export async function updateProduct(
  core: Core,
  ctx: Ctx,
  input: { code: string; patch: Partial<Product>; active?: boolean; attributes?: Record<string, unknown> },
): Promise<{ spec: Product; status: 'active' | 'retired'; changed: string[] }> {
  requireCatalogEditor(ctx);
  return runUseCase(core, ctx, 'catalog.product.update', async (tx) => {
    const rows = await tx.query<{ spec: Product; status: 'active' | 'retired'; deleted: boolean | null }>(
      `SELECT p.spec, p.status, (t.body->>'deleted')::boolean AS deleted FROM product p
         LEFT JOIN tmf_resource t ON t.kind = 'productOffering' AND t.id = p.code
        WHERE p.code = $1 FOR UPDATE OF p`,
      [input.code],
    );
    const row = rows[0];
    if (!row || row.deleted) throw new DomainError('PRODUCT_NOT_FOUND', { product: input.code });
    const spec = validateProduct({ ...row.spec, ...input.patch, code: row.spec.code });
    await requireRoamingZone(tx, spec);
    const status = input.active === undefined ? row.status : input.active ? 'active' : 'retired';
    const changed = Object.keys(input.patch).filter((k) => JSON.stringify((row.spec as Record<string, unknown>)[k]) !== JSON.stringify((spec as Record<string, unknown>)[k]));
    if (status !== row.status) changed.push('status');
    const now = core.clock.now();
    await tx.query('UPDATE product SET spec = $2, status = $3, updated_at = $4 WHERE code = $1', [input.code, JSON.stringify(spec), status, now]);
    if (input.attributes) await saveTmfAttributes(tx, input.code, input.attributes, now);
    await recordAudit(tx, core, ctx, { action: 'catalog.product.update', details: { product: input.code, changed, status } });
    return { spec, status, changed };
  });
}
