import type { Queryable } from '../../store/db.ts';
import type { PriceFacts } from '../../text/price-facts.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { Localized } from '../catalog/schema.ts';

export interface LocatePrice {
  /** Kopecks one successful request costs this number for this target: 0 when free or included. */
  charge: number;
  /** The catalog's price of a request (0 when the catalog sets none). */
  requestPrice: number;
  /** The connected product that includes the request, when one does. */
  includedIn: { code: string; name: Localized } | null;
}

/**
 * What locating `targetId` costs the number `sub` (the catalog's `settings.locator`): nothing when
 * the catalog prices no request, or when an active product of `includedIn` covers it (any number,
 * or a child number the requester placed under permanent consent); else the price of a request.
 * Without a target, whether a product covers every request.
 */
export async function locatePrice(q: Queryable, sub: { id: number; accountId: number }, targetId: number | null): Promise<LocatePrice> {
  const settings = (await getSettings(q)).locator;
  const requestPrice = settings?.requestPrice ?? 0;
  const free: LocatePrice = { charge: 0, requestPrice, includedIn: null };
  if (!settings || requestPrice === 0) return free;
  const active = await q.query<{ code: string; name: Localized }>(
    `SELECT i.product_code AS code, p.spec->'name' AS name FROM product_instance i JOIN product p ON p.code = i.product_code
      WHERE i.account_id = $1 AND i.subscriber_id = $2 AND i.status = 'active' AND i.product_code = ANY($3::text[])`,
    [sub.accountId, sub.id, (settings.includedIn ?? []).map((i) => i.product)],
  );
  const child =
    targetId !== null &&
    (await q.query("SELECT 1 FROM locator_consent WHERE requester_id = $1 AND target_id = $2 AND child AND status = 'granted'", [sub.id, targetId])).length > 0;
  for (const rule of settings.includedIn ?? []) {
    const p = active.find((a) => a.code === rule.product);
    if (p && (rule.targets === 'any' || child)) return { charge: 0, requestPrice, includedIn: p };
  }
  return { charge: requestPrice, requestPrice, includedIn: null };
}

/** The price of one request as every channel states it: nothing when it costs nothing. */
export function locateFacts(p: LocatePrice): PriceFacts | null {
  return p.charge > 0 ? { price: p.charge, period: 'once', connectionFee: 0, commission: 0, chargedToday: p.charge } : null;
}
