import { listProducts, listTariffs } from '../catalog/read-catalog.ts';
import type { Queryable } from '../../store/db.ts';
import type { Lang } from '../shared/context.ts';
import { errorMessage } from '../shared/error-messages.ts';
import type { Refusal } from './types.ts';

/** Parameters that name a catalog entry by its code. */
const PRODUCT_KEYS = ['product', 'conflictsWith', 'requires'] as const;

/**
 * A refusal's parameters as a subscriber reads them: catalog names in place of product and tariff
 * codes («Везде как дома», not `everywhere_home`). The refusal itself keeps its codes, for API
 * clients and the audit; every channel that puts a refusal into words does it through here, so a
 * reason reads the same on the web, USSD, SMS, voice, TMF and in a bulk operation's report.
 */
export async function namedParams(q: Queryable, params: Refusal['params'], lang: Lang): Promise<Refusal['params']> {
  const wanted = PRODUCT_KEYS.some((k) => typeof params[k] === 'string') || typeof params.tariff === 'string';
  if (!wanted) return params;
  const out = { ...params };
  const products = new Map((await listProducts(q, { includeRetired: true })).map((p) => [p.code, p.name[lang]]));
  for (const k of PRODUCT_KEYS) {
    const v = out[k];
    if (typeof v === 'string' && products.has(v)) out[k] = products.get(v)!;
  }
  if (typeof out.tariff === 'string') {
    const tariffs = new Map((await listTariffs(q, { includeRetired: true })).map((t) => [t.code, t.name[lang]]));
    if (tariffs.has(out.tariff)) out.tariff = tariffs.get(out.tariff)!;
  }
  return out;
}

/** The refusal's reason in words: the error code's message, with catalog names. */
export async function refusalWords(q: Queryable, r: Refusal, lang: Lang): Promise<string> {
  return errorMessage(r.code, await namedParams(q, r.params, lang), lang);
}
