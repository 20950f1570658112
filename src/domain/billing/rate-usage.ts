import type { Product, Rates, Tariff } from '../catalog/schema.ts';
import type { EntryCategory } from '../ledger/post-entry.ts';
import { roundMinor } from '../shared/money.ts';
import type { QuotaUnit } from '../subscribers/quotas.ts';

export type UsageKind = 'voice' | 'sms' | 'mms' | 'data';
export type Zone = 'home' | 'intercity' | 'roaming';

export interface UsageEvent {
  kind: UsageKind;
  zone: Zone;
  startedAt: Date;
  durationSeconds?: number | null;
  bytes?: number | null;
  /** For roaming usage: the zone of the country the number is attached in, when known. */
  roamingZone?: string | null;
}

/** A quota row as rating sees it; `remaining` is decremented as records consume it. */
export interface QuotaState {
  id: number;
  unit: QuotaUnit;
  source: string;
  periodStart: Date;
  periodEnd: Date;
  remaining: number;
  /** A roaming package's zone: drawn only by roaming usage there. */
  zone?: string;
}

export interface Rated {
  billedUnits: number;
  quotaUnits: number;
  consumed: { quotaId: number; source: string; units: number }[];
  charged: number;
  category: EntryCategory;
}

const MB = 1024 * 1024;

/**
 * Rates one usage event. Order: the tariff's quotas of the period first, then those of connected
 * packages and options (soonest to end first), then `shared` ones in the same order, then money at the tariff's unit prices, changed by
 * connected options. Roaming and MMS never draw on home quotas: roaming usage draws only on the
 * roaming packages of its zone (`e.roamingZone`), then pays the `rates` the caller gives for it. Calls are billed per started
 * minute unless the tariff bills per second; data per started 1 KB or 100 KB as the tariff says.
 * Rates may be fractional kopecks; the charge is rounded once, here, half away from zero.
 */
export function rateUsage(
  e: UsageEvent,
  tariff: Tariff,
  options: Pick<Product, 'rateOverrides' | 'intercityAsHome'>[],
  quotas: QuotaState[],
  /** `effectiveRates(tariff, options)`, when the caller has it already (a batch works it out once per number). */
  rates: Rates = effectiveRates(tariff, options),
  /** Another number's quotas this one may draw on once its own are used up (a family head's shared packages). */
  shared: QuotaState[] = [],
): Rated {
  let billedUnits: number;
  let unit: QuotaUnit | null;
  switch (e.kind) {
    case 'voice': {
      const d = Math.max(0, Math.floor(e.durationSeconds ?? 0));
      billedUnits = tariff.callRounding === 'minute' ? Math.ceil(d / 60) * 60 : d;
      unit = 'seconds';
      break;
    }
    case 'sms':
      billedUnits = 1;
      unit = 'sms';
      break;
    case 'mms':
      billedUnits = 1;
      unit = null;
      break;
    case 'data': {
      const step = tariff.dataRoundingKb * 1024;
      billedUnits = Math.ceil(Math.max(0, e.bytes ?? 0) / step) * step;
      unit = 'bytes';
      break;
    }
  }
  const consumed: Rated['consumed'] = [];
  let left = billedUnits;
  const zone = e.zone === 'roaming' ? e.roamingZone ?? null : undefined;
  if (unit && zone !== null && left > 0) {
    const t = e.startedAt.getTime();
    const usableOf = (list: QuotaState[]) =>
      list
        .filter((q) => q.unit === unit && q.zone === zone && q.remaining > 0 && q.periodStart.getTime() <= t && t < q.periodEnd.getTime())
        .sort((a, b) => Number(b.source.startsWith('tariff:')) - Number(a.source.startsWith('tariff:')) || a.periodEnd.getTime() - b.periodEnd.getTime() || a.id - b.id);
    const usable = shared.length ? [...usableOf(quotas), ...usableOf(shared)] : usableOf(quotas);
    for (const q of usable) {
      if (left === 0) break;
      // Calls billed per minute draw whole minutes from a quota.
      const grain = e.kind === 'voice' && tariff.callRounding === 'minute' ? 60 : 1;
      const take = Math.min(left, Math.floor(q.remaining / grain) * grain);
      if (take <= 0) continue;
      q.remaining -= take;
      left -= take;
      consumed.push({ quotaId: q.id, source: q.source, units: take });
    }
  }
  let money: number;
  switch (e.kind) {
    case 'voice': {
      const perMinute = e.zone === 'roaming' ? rates.roamingMinute : e.zone === 'intercity' ? rates.intercityMinute : rates.homeMinute;
      money = (left / 60) * perMinute;
      break;
    }
    case 'sms':
      money = left * rates.sms;
      break;
    case 'mms':
      money = left * rates.mms;
      break;
    case 'data':
      money = (left / MB) * rates.dataMb;
      break;
  }
  const category: EntryCategory =
    e.zone === 'roaming' ? 'roaming' : e.kind === 'voice' ? 'calls' : e.kind === 'data' ? 'internet' : 'sms';
  return { billedUnits, quotaUnits: billedUnits - left, consumed, charged: roundMinor(money), category };
}

/** The tariff's prices with connected options applied: the lowest price any of them gives. */
export function effectiveRates(tariff: Tariff, options: Pick<Product, 'rateOverrides' | 'intercityAsHome'>[]): Rates {
  const r: Rates = { ...tariff.rates };
  for (const o of options) {
    if (o.intercityAsHome) r.intercityMinute = Math.min(r.intercityMinute, tariff.rates.homeMinute);
    for (const [k, v] of Object.entries(o.rateOverrides ?? {}) as [keyof Rates, number][]) r[k] = Math.min(r[k], v);
  }
  return r;
}
