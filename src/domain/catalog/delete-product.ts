import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { requireCatalogEditor, saveTmfAttributes } from './create-product.ts';

/**
 * Removes a product from the catalog (TMF620 productOffering delete). A product nobody ever had is
 * deleted; one with instances (even past ones) is retired and hidden, so their history still
 * names it. Either way it can no longer be connected.
 */
export async function deleteProduct(core: Core, ctx: Ctx, input: { code: string }): Promise<{ deleted: boolean }> {
  requireCatalogEditor(ctx);
  return runUseCase(core, ctx, 'catalog.product.delete', async (tx) => {
    const rows = await tx.query<{ body: Record<string, unknown> | null }>(
      `SELECT t.body FROM product p LEFT JOIN tmf_resource t ON t.kind = 'productOffering' AND t.id = p.code
        WHERE p.code = $1 FOR UPDATE OF p`,
      [input.code],
    );
    const row = rows[0];
    if (!row || row.body?.deleted) throw new DomainError('PRODUCT_NOT_FOUND', { product: input.code });
    const used = await tx.query('SELECT 1 FROM product_instance WHERE product_code = $1 LIMIT 1', [input.code]);
    const now = core.clock.now();
    let deleted = false;
    if (used.length === 0) {
      await tx.query("DELETE FROM tmf_resource WHERE kind = 'productOffering' AND id = $1", [input.code]);
      await tx.query('DELETE FROM product WHERE code = $1', [input.code]);
      deleted = true;
    } else {
      await tx.query("UPDATE product SET status = 'retired', updated_at = $2 WHERE code = $1", [input.code, now]);
      await saveTmfAttributes(tx, input.code, { ...(row.body ?? {}), deleted: true, lifecycleStatus: 'Retired' }, now);
    }
    await recordAudit(tx, core, ctx, { action: 'catalog.product.delete', details: { product: input.code, deleted } });
    return { deleted };
  });
}
