import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { getSettings } from './read-catalog.ts';
import { productSchema, type Product } from './schema.ts';

/** Operators' integrations and staff edit the catalog; subscribers and businesses never do. */
export function requireCatalogEditor(ctx: Ctx): void {
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  if (!['operator_api', 'staff', 'system'].includes(ctx.actor.kind)) throw new DomainError('FORBIDDEN');
}

/** The catalog's own schema decides: an error names the field, like `catalog check` does. */
export function validateProduct(spec: unknown): Product {
  const parsed = productSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DomainError('VALIDATION', { field: issue.path.join('.') || 'product', message: issue.message });
  }
  return parsed.data;
}

/** A roaming package must name a zone of the catalog's `settings.roaming` (as `catalog check` requires of the file). */
export async function requireRoamingZone(tx: Tx, spec: Product): Promise<void> {
  if (!spec.roaming) return;
  const zones = (await getSettings(tx)).roaming?.zones ?? [];
  if (!zones.some((z) => z.code === spec.roaming!.zone)) throw new DomainError('VALIDATION', { field: 'roaming.zone', message: 'not a zone of settings.roaming' });
}

/** TM Forum attributes a product carries besides its spec (lifecycle, validity, categories…). */
export async function saveTmfAttributes(tx: Tx, code: string, attrs: Record<string, unknown>, at: Date): Promise<void> {
  await tx.query(
    `INSERT INTO tmf_resource (kind, id, body, updated_at) VALUES ('productOffering', $1, $2, $3)
     ON CONFLICT (kind, id) DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at`,
    [code, JSON.stringify(attrs), at],
  );
}

/**
 * Adds a product to the catalog (TMF620 productOffering create). It is validated by the same schema
 * as the catalog file and is at once what every channel can connect, unless it is not `active`.
 */
export async function createProduct(
  core: Core,
  ctx: Ctx,
  input: { spec: unknown; active: boolean; attributes?: Record<string, unknown> },
): Promise<Product> {
  requireCatalogEditor(ctx);
  const spec = validateProduct(input.spec);
  return runUseCase(core, ctx, 'catalog.product.create', async (tx) => {
    await requireRoamingZone(tx, spec);
    const now = core.clock.now();
    const inserted = await tx.query(
      `INSERT INTO product (code, spec, status, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING RETURNING code`,
      [spec.code, JSON.stringify(spec), input.active ? 'active' : 'retired', now],
    );
    if (inserted.length === 0) throw new DomainError('CONFLICT', { product: spec.code });
    await saveTmfAttributes(tx, spec.code, input.attributes ?? {}, now);
    await recordAudit(tx, core, ctx, { action: 'catalog.product.create', details: { product: spec.code, status: input.active ? 'active' : 'retired' } });
    return spec;
  });
}
