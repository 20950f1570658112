import type { Queryable } from '../../store/db.ts';
import type { Product, Tariff } from './schema.ts';

/** A catalog entry as the TM Forum catalog shows it: the spec, its status and its TMF attributes. */
export type Offering =
  | { kind: 'product'; spec: Product; status: 'active' | 'retired'; updatedAt: Date; attributes: Record<string, unknown> }
  | { kind: 'tariff'; spec: Tariff; status: 'active' | 'retired'; updatedAt: Date; attributes: Record<string, unknown> };

interface Row {
  kind: 'product' | 'tariff';
  spec: Product & Tariff;
  status: 'active' | 'retired';
  updatedAt: Date;
  attributes: Record<string, unknown> | null;
}

/** Every tariff and product, retired ones too, except products deleted through the TM Forum API. */
export async function listOfferings(q: Queryable, opts: { code?: string; kind?: 'product' | 'tariff' } = {}): Promise<Offering[]> {
  const rows = await q.query<Row>(
    `SELECT * FROM (
       SELECT 'tariff' AS kind, t.code, t.spec, t.status, t.updated_at AS "updatedAt", NULL::jsonb AS attributes FROM tariff_plan t
       UNION ALL
       SELECT 'product', p.code, p.spec, p.status, p.updated_at, r.body FROM product p
         LEFT JOIN tmf_resource r ON r.kind = 'productOffering' AND r.id = p.code
     ) o
     WHERE COALESCE((o.attributes->>'deleted')::boolean, false) = false
       AND ($1::text IS NULL OR o.code = $1) AND ($2::text IS NULL OR o.kind = $2)
     ORDER BY o.kind DESC, o.code`,
    [opts.code ?? null, opts.kind ?? null],
  );
  return rows.map((r) => ({ ...r, attributes: r.attributes ?? {} }) as Offering);
}
