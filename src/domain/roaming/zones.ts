import type { CatalogSettings, Rates, RoamingZone } from '../catalog/schema.ts';

/** The roaming zone a country is in: the zone naming it, else the `"*"` zone; null without zones (or outside them). */
export function zoneOf(settings: Pick<CatalogSettings, 'roaming'>, country: string | null): RoamingZone | null {
  if (!country || !settings.roaming) return null;
  const zones = settings.roaming.zones;
  return zones.find((z) => z.countries !== '*' && z.countries.includes(country)) ?? zones.find((z) => z.countries === '*') ?? null;
}

/** The prices a roaming record pays: the zone's, or the tariff's roaming prices when the zone is unknown. */
export function roamingRates(rates: Rates, zone: RoamingZone | null): Rates {
  if (!zone) return rates;
  return { ...rates, roamingMinute: zone.rates.minute, sms: zone.rates.sms, mms: zone.rates.mms, dataMb: zone.rates.dataMb };
}
