import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogError, loadCatalogFiles, parseCatalog, parseRegions } from '../../src/domain/catalog/load-catalog.ts';
import { WELCOME_MAX_PARTS, welcomeText } from '../../src/domain/roaming/welcome-text.ts';
import { zoneOf } from '../../src/domain/roaming/zones.ts';
import { smsParts } from '../../src/text/gsm7.ts';

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

test('roaming zones: a country in two zones, two "*" zones and a package of an unknown zone are refused; zoneOf finds a named country, else "*"', () => {
  const twice = structuredClone(files.catalog);
  (twice.settings.roaming!.zones[0]!.countries as string[]).push('DE');
  assert.throws(() => parseCatalog(twice), /a country is in one zone at most/);
  const stars = structuredClone(files.catalog);
  stars.settings.roaming!.zones[0]!.countries = '*';
  assert.throws(() => parseCatalog(stars), /at most one zone has "\*"/);
  const unknown = structuredClone(files.catalog);
  unknown.products.find((p) => p.roaming)!.roaming!.zone = 'mars';
  assert.throws(() => parseCatalog(unknown), /a roaming package names a zone of settings.roaming/);
  const s = files.catalog.settings;
  assert.deepEqual([zoneOf(s, 'KZ')?.code, zoneOf(s, 'TR')?.code, zoneOf(s, 'TH')?.code, zoneOf(s, null), zoneOf({}, 'TR')], ['cis', 'europe', 'world', null, null]);
});

test('the roaming welcome SMS lists the packages that fit in its parts and says the rest are in the app', () => {
  const zone = files.catalog.settings.roaming!.zones.find((z) => z.code === 'europe')!;
  const pack = (i: number) => ({ name: { ru: `Европа пакет номер ${i} на 7 дней`, en: `Europe package number ${i} for 7 days` }, fee: { model: 'per_use' as const, amount: 49_000 }, smsKeyword: `EUPACK${i}` });
  const w = { country: 'DE', zone, rates: files.catalog.tariffs[0]!.rates, packages: [1, 2, 3, 4, 5].map(pack), roamingCap: 500_000 };
  for (const lang of ['ru', 'en'] as const) {
    const text = welcomeText(lang, w);
    assert.ok(smsParts(text) <= WELCOME_MAX_PARTS, `${smsParts(text)} parts: ${text}`);
    assert.ok(text.includes('EUPACK1') && !text.includes('EUPACK5'), text);
    assert.ok(text.includes(lang === 'ru' ? 'другие — в приложении' : 'more in the app'), text);
  }
  assert.equal(smsParts('a'.repeat(160)), 1);
  assert.equal(smsParts('a'.repeat(161)), 2);
  assert.equal(smsParts('я'.repeat(70)), 1);
  assert.equal(smsParts('я'.repeat(135)), 3);
});
