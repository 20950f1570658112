import { randomUUID } from 'node:crypto';
import { recordAudit } from '../../domain/audit/record-audit.ts';
import { requireCatalogEditor } from '../../domain/catalog/create-product.ts';
import type { Core } from '../../domain/core.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { runUseCase } from '../../domain/shared/run-use-case.ts';

/** TMF620 resources the catalog keeps as documents: they describe, they do not price or connect. */
export type CatalogResourceKind = 'category' | 'catalog' | 'productSpecification' | 'productOfferingPrice';

export interface CatalogResource {
  id: string;
  body: Record<string, unknown>;
  updatedAt: Date;
}

/** Categories that name the kinds of catalog products; products point at them, so they stay. */
const BUILT_IN = new Set(['category:tariff', 'category:option', 'category:subscription', 'category:service', 'category:package', 'catalog:abonent']);

export async function listCatalogResources(core: Core, kind: CatalogResourceKind): Promise<CatalogResource[]> {
  return core.db.query<CatalogResource>('SELECT id, body, updated_at AS "updatedAt" FROM tmf_resource WHERE kind = $1 ORDER BY updated_at, id', [kind]);
}

export async function getCatalogResource(core: Core, kind: CatalogResourceKind, id: string): Promise<CatalogResource> {
  const rows = await core.db.query<CatalogResource>('SELECT id, body, updated_at AS "updatedAt" FROM tmf_resource WHERE kind = $1 AND id = $2', [kind, id]);
  if (!rows[0]) throw new DomainError('NOT_FOUND', { id });
  return rows[0];
}

export async function createCatalogResource(core: Core, ctx: Ctx, input: { kind: CatalogResourceKind; body: Record<string, unknown> }): Promise<CatalogResource> {
  requireCatalogEditor(ctx);
  return runUseCase(core, ctx, `catalog.${input.kind}.create`, async (tx) => {
    const id = randomUUID();
    const now = core.clock.now();
    await tx.query('INSERT INTO tmf_resource (kind, id, body, updated_at) VALUES ($1, $2, $3, $4)', [input.kind, id, JSON.stringify(input.body), now]);
    await recordAudit(tx, core, ctx, { action: `catalog.${input.kind}.create`, details: { id, name: String(input.body.name ?? '') } });
    return { id, body: input.body, updatedAt: now };
  });
}

/** Merge-patches a resource (RFC 7396: null removes an attribute). */
export async function patchCatalogResource(
  core: Core,
  ctx: Ctx,
  input: { kind: CatalogResourceKind; id: string; patch: Record<string, unknown> },
): Promise<CatalogResource & { previous: Record<string, unknown> }> {
  requireCatalogEditor(ctx);
  return runUseCase(core, ctx, `catalog.${input.kind}.update`, async (tx) => {
    const rows = await tx.query<{ body: Record<string, unknown> }>('SELECT body FROM tmf_resource WHERE kind = $1 AND id = $2 FOR UPDATE', [input.kind, input.id]);
    const previous = rows[0]?.body;
    if (!previous) throw new DomainError('NOT_FOUND', { id: input.id });
    const body: Record<string, unknown> = { ...previous };
    for (const [k, v] of Object.entries(input.patch)) {
      if (v === null) delete body[k];
      else body[k] = v;
    }
    const now = core.clock.now();
    await tx.query('UPDATE tmf_resource SET body = $3, updated_at = $4 WHERE kind = $1 AND id = $2', [input.kind, input.id, JSON.stringify(body), now]);
    await recordAudit(tx, core, ctx, { action: `catalog.${input.kind}.update`, details: { id: input.id, changed: Object.keys(input.patch) } });
    return { id: input.id, body, updatedAt: now, previous };
  });
}

export async function deleteCatalogResource(core: Core, ctx: Ctx, input: { kind: CatalogResourceKind; id: string }): Promise<CatalogResource> {
  requireCatalogEditor(ctx);
  return runUseCase(core, ctx, `catalog.${input.kind}.delete`, async (tx) => {
    if (BUILT_IN.has(`${input.kind}:${input.id}`)) throw new DomainError('CONFLICT', { id: input.id, reason: 'built_in' });
    const rows = await tx.query<CatalogResource>(
      'DELETE FROM tmf_resource WHERE kind = $1 AND id = $2 RETURNING id, body, updated_at AS "updatedAt"',
      [input.kind, input.id],
    );
    if (!rows[0]) throw new DomainError('NOT_FOUND', { id: input.id });
    await recordAudit(tx, core, ctx, { action: `catalog.${input.kind}.delete`, details: { id: input.id } });
    return rows[0];
  });
}
