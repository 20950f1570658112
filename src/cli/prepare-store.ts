import type { Config } from '../config.ts';
import type { Core } from '../domain/core.ts';
import { loadCatalogFiles } from '../domain/catalog/load-catalog.ts';
import { syncCatalog } from '../domain/catalog/sync-catalog.ts';
import { isSeeded, seedDemoAccounts, seedSubscribers } from '../seed/seed-demo.ts';

async function any(core: Core, table: 'tariff_plan' | 'staff_user' | 'api_key'): Promise<boolean> {
  return (await core.db.query(`SELECT 1 FROM ${table} LIMIT 1`)).length > 0;
}

/**
 * What `abonent start` puts into a store before serving. In demo mode an empty store gets the
 * catalog, the demo logins and generated subscribers; otherwise (production) only the catalog and
 * regions: no account with a known password ever exists there. Tells whether the first staff
 * account and an API key are still to be made, so the start can say how.
 */
export async function prepareStore(core: Core, config: Pick<Config, 'DEMO_MODE'>, opts: { demoSubscribers: number; progress: boolean }): Promise<{ needsStaff: boolean; needsApiKey: boolean }> {
  if (config.DEMO_MODE) {
    if (!(await isSeeded(core))) {
      console.log('Empty store: loading the catalog and demo data (once)…');
      await syncCatalog(core.db, loadCatalogFiles());
      await seedDemoAccounts(core);
      await seedSubscribers(core, { count: opts.demoSubscribers, progress: opts.progress });
    }
  } else if (!(await any(core, 'tariff_plan'))) {
    console.log('Empty store: loading the catalog and regions (once)…');
    await syncCatalog(core.db, loadCatalogFiles());
  }
  return { needsStaff: !(await any(core, 'staff_user')), needsApiKey: !(await any(core, 'api_key')) };
}
