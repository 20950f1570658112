import type { Db } from '../../store/db.ts';
import type { CatalogFiles } from './load-catalog.ts';

/**
 * Writes the catalog files into the store: regions, tariffs, products, ringback melodies and settings are upserted;
 * entries missing from the files are left as they are (they may have come from the TM Forum API).
 */
export async function syncCatalog(db: Db, files: CatalogFiles): Promise<{ regions: number; tariffs: number; products: number }> {
  const { catalog, regions } = files;
  return db.tx(async (tx) => {
    for (const r of regions) {
      await tx.query(
        `INSERT INTO region (code, iso, name_ru, name_en, center_ru, center_en, time_zone)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (code) DO UPDATE SET iso = EXCLUDED.iso, name_ru = EXCLUDED.name_ru, name_en = EXCLUDED.name_en,
           center_ru = EXCLUDED.center_ru, center_en = EXCLUDED.center_en, time_zone = EXCLUDED.time_zone`,
        [r.code, r.iso, r.nameRu, r.nameEn, r.centerRu, r.centerEn, r.timeZone],
      );
    }
    for (const t of catalog.tariffs) {
      await tx.query(
        `INSERT INTO tariff_plan (code, spec) VALUES ($1, $2)
         ON CONFLICT (code) DO UPDATE SET spec = EXCLUDED.spec, updated_at = now()`,
        [t.code, JSON.stringify(t)],
      );
    }
    for (const p of catalog.products) {
      await tx.query(
        `INSERT INTO product (code, spec) VALUES ($1, $2)
         ON CONFLICT (code) DO UPDATE SET spec = EXCLUDED.spec, updated_at = now()`,
        [p.code, JSON.stringify(p)],
      );
    }
    for (const m of catalog.melodies) {
      await tx.query(
        `INSERT INTO ringback_melody (code, spec) VALUES ($1, $2)
         ON CONFLICT (code) DO UPDATE SET spec = EXCLUDED.spec, updated_at = now()`,
        [m.code, JSON.stringify(m)],
      );
    }
    await tx.query(
      `INSERT INTO catalog_setting (key, value) VALUES ('settings', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [JSON.stringify(catalog.settings)],
    );
    return { regions: regions.length, tariffs: catalog.tariffs.length, products: catalog.products.length };
  });
}
