import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { catalogSchema, regionSchema, type Catalog, type Region } from './schema.ts';

export class CatalogError extends Error {}

export interface CatalogFiles {
  catalog: Catalog;
  regions: Region[];
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CatalogError(`${path}: cannot read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CatalogError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Names the entry a problem sits in: `products[3] "weather" → fee.amount: …`. */
function describe(path: string, data: unknown, issues: z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, 20).map((i) => {
    const p = i.path;
    let where = p.join('.');
    if (p.length >= 2 && typeof p[1] === 'number') {
      const list = (data as Record<string, unknown[]>)[String(p[0])];
      const entry = Array.isArray(list) ? (list[p[1]] as { code?: unknown } | undefined) : undefined;
      const name = entry && typeof entry.code === 'string' ? ` "${entry.code}"` : '';
      where = `${String(p[0])}[${p[1]}]${name} → ${p.slice(2).join('.') || '(entry)'}`;
    } else if (p.length >= 1 && typeof p[0] === 'number') {
      const entry = (data as { code?: unknown }[])[p[0]];
      const name = entry && typeof entry.code === 'string' ? ` "${entry.code}"` : '';
      where = `[${p[0]}]${name} → ${p.slice(1).join('.') || '(entry)'}`;
    }
    return `  ${where}: ${i.message}`;
  });
  return `${path}: invalid catalog\n${lines.join('\n')}`;
}

export function parseCatalog(data: unknown, path = 'catalog'): Catalog {
  const res = catalogSchema.safeParse(data);
  if (!res.success) throw new CatalogError(describe(path, data, res.error.issues));
  const cat = res.data;
  const problems: string[] = [];
  const tariffCodes = new Set<string>();
  for (const t of cat.tariffs) {
    if (tariffCodes.has(t.code)) problems.push(`tariff "${t.code}" is defined twice`);
    tariffCodes.add(t.code);
  }
  const productCodes = new Set<string>();
  for (const p of cat.products) {
    if (productCodes.has(p.code)) problems.push(`product "${p.code}" is defined twice`);
    productCodes.add(p.code);
  }
  const ussd = new Map<string, string>();
  const sms = new Map<string, string>();
  for (const p of cat.products) {
    for (const c of [...p.incompatibleWith, ...p.requires]) {
      if (!productCodes.has(c)) problems.push(`product "${p.code}" refers to unknown product "${c}"`);
    }
    for (const t of p.tariffs) {
      if (!tariffCodes.has(t)) problems.push(`product "${p.code}" refers to unknown tariff "${t}"`);
    }
    if (p.ussdCode) {
      const other = ussd.get(p.ussdCode);
      if (other) problems.push(`products "${other}" and "${p.code}" share USSD code ${p.ussdCode}`);
      ussd.set(p.ussdCode, p.code);
    }
    if (p.smsKeyword) {
      const other = sms.get(p.smsKeyword);
      if (other) problems.push(`products "${other}" and "${p.code}" share SMS keyword ${p.smsKeyword}`);
      sms.set(p.smsKeyword, p.code);
    }
  }
  for (const i of cat.settings.locator?.includedIn ?? []) {
    if (!productCodes.has(i.product)) problems.push(`settings.locator refers to unknown product "${i.product}"`);
  }
  const melodyCodes = new Set<string>();
  for (const m of cat.melodies) {
    if (melodyCodes.has(m.code)) problems.push(`melody "${m.code}" is defined twice`);
    melodyCodes.add(m.code);
  }
  if (problems.length) throw new CatalogError(`${path}: invalid catalog\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return cat;
}

export function parseRegions(data: unknown, path = 'regions'): Region[] {
  const res = z.array(regionSchema).min(1).safeParse(data);
  if (!res.success) throw new CatalogError(describe(path, data, res.error.issues));
  const seen = new Set<string>();
  for (const r of res.data) {
    if (seen.has(r.code)) throw new CatalogError(`${path}: region code ${r.code} is defined twice`);
    seen.add(r.code);
  }
  return res.data;
}

const defaultDir = new URL('../../../catalog/', import.meta.url);

export function loadCatalogFiles(dir: URL | string = defaultDir): CatalogFiles {
  const base = typeof dir === 'string' ? dir.replace(/\/?$/, '/') : dir.pathname;
  const catalogPath = `${base}catalog.json`;
  const regionsPath = `${base}regions.json`;
  return {
    catalog: parseCatalog(readJson(catalogPath), catalogPath),
    regions: parseRegions(readJson(regionsPath), regionsPath),
  };
}
