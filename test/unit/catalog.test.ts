import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogError, loadCatalogFiles, parseCatalog, parseRegions } from '../../src/domain/catalog/load-catalog.ts';

const files = loadCatalogFiles();

test('the default catalog loads and covers what the product needs', () => {
  const { catalog, regions } = files;
  assert.equal(regions.length, 85);
  assert.ok(catalog.tariffs.length >= 4 && catalog.tariffs.length <= 6);
  const codes = new Set(catalog.products.map((p) => p.code));
  for (const c of ['ringback', 'everywhere_home', 'child_location', 'all_russia_business', 'internet_plus', 'weather', 'dating', 'news', 'caller_id', 'balance_check', 'promised_payment']) {
    assert.ok(codes.has(c), c);
  }
  assert.ok(catalog.products.filter((p) => p.content).length >= 3);
  assert.ok(catalog.tariffs.some((t) => t.fee.model === 'daily') && catalog.tariffs.some((t) => t.fee.model === 'monthly'));
});

test('an invalid entry is named in the error', () => {
  const bad = structuredClone(files.catalog) as unknown as { products: Record<string, unknown>[] };
  bad.products[3] = { ...bad.products[3], fee: { model: 'monthly', amount: 12.5 } };
  assert.throws(
    () => parseCatalog(bad, 'catalog.json'),
    (e: unknown) => e instanceof CatalogError && /products\[3\] "ringback" → fee\.amount/.test(e.message),
  );
});

test('dangling references and shared codes are refused', () => {
  const dangling = structuredClone(files.catalog);
  dangling.products[3]!.incompatibleWith = ['no_such_thing'];
  assert.throws(() => parseCatalog(dangling), /refers to unknown product "no_such_thing"/);
  const shared = structuredClone(files.catalog);
  shared.products[4]!.ussdCode = shared.products[3]!.ussdCode;
  assert.throws(() => parseCatalog(shared), /share USSD code/);
});

test('regions need a real time zone', () => {
  const bad = structuredClone(files.regions);
  bad[5] = { ...bad[5]!, timeZone: 'Mars/Olympus' };
  assert.throws(() => parseRegions(bad, 'regions.json'), (e: unknown) => e instanceof CatalogError && /\[5\].*timeZone: unknown IANA time zone/.test(e.message));
});
