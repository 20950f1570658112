import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { requirePoolOperator, type PoolStatus } from './access.ts';

export interface PoolRegion {
  regionCode: string;
  regionName: string;
  free: number;
  reserved: number;
  quarantined: number;
  /** Quarantined numbers whose rest is over (released by `releaseQuarantine`). */
  quarantineEnded: number;
}

export interface PoolNumber {
  msisdn: string;
  regionCode: string;
  status: PoolStatus;
  availableAt: string | null;
}

/** The pool by region with counts per status, and a page of its numbers (by region and status). */
export async function listNumberPool(
  core: Core,
  ctx: Ctx,
  input: { region?: string; status?: PoolStatus; after?: string; limit?: number } = {},
): Promise<{ regions: PoolRegion[]; total: { free: number; reserved: number; quarantined: number }; items: PoolNumber[] }> {
  requirePoolOperator(ctx);
  const limit = input.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new DomainError('VALIDATION', { field: 'limit' });
  const now = core.clock.now();
  const rows = await core.db.query<{ region_code: string; name_ru: string; name_en: string; free: number; reserved: number; quarantined: number; ended: number }>(
    `SELECT p.region_code, r.name_ru, r.name_en,
            count(*) FILTER (WHERE p.status = 'free')::int AS free,
            count(*) FILTER (WHERE p.status = 'reserved')::int AS reserved,
            count(*) FILTER (WHERE p.status = 'quarantined')::int AS quarantined,
            count(*) FILTER (WHERE p.status = 'quarantined' AND p.available_at <= $1)::int AS ended
       FROM number_pool p JOIN region r ON r.code = p.region_code
      GROUP BY p.region_code, r.name_ru, r.name_en ORDER BY p.region_code`,
    [now],
  );
  const params: unknown[] = [];
  const where: string[] = ['TRUE'];
  if (input.region) {
    params.push(input.region);
    where.push(`region_code = $${params.length}`);
  }
  if (input.status) {
    params.push(input.status);
    where.push(`status = $${params.length}`);
  }
  if (input.after) {
    params.push(input.after);
    where.push(`msisdn > $${params.length}`);
  }
  const items = await core.db.query<{ msisdn: string; region_code: string; status: PoolStatus; available_at: Date | null }>(
    `SELECT msisdn, region_code, status, available_at FROM number_pool WHERE ${where.join(' AND ')} ORDER BY msisdn LIMIT ${limit}`,
    params,
  );
  const regions = rows.map((r) => ({
    regionCode: r.region_code,
    regionName: ctx.lang === 'en' ? r.name_en : r.name_ru,
    free: r.free,
    reserved: r.reserved,
    quarantined: r.quarantined,
    quarantineEnded: r.ended,
  }));
  return {
    regions,
    total: {
      free: regions.reduce((s, r) => s + r.free, 0),
      reserved: regions.reduce((s, r) => s + r.reserved, 0),
      quarantined: regions.reduce((s, r) => s + r.quarantined, 0),
    },
    items: items.map((i) => ({ msisdn: i.msisdn, regionCode: i.region_code, status: i.status, availableAt: i.available_at ? new Date(i.available_at).toISOString() : null })),
  };
}
