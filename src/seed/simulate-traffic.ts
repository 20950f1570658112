import { ingestUsage, type UsageInput } from '../domain/billing/ingest-usage.ts';
import type { Core } from '../domain/core.ts';
import { systemCtx } from '../domain/shared/context.ts';
import { rng } from './random.ts';

/**
 * Realistic usage for demo subscribers: calls of a few minutes, SMS, data sessions of a few to a
 * few hundred megabytes, mostly at home, some intercity and a little roaming — so quotas,
 * spending and reports move while someone watches.
 */
export function makeTraffic(msisdns: string[], count: number, at: Date, seed: number): UsageInput[] {
  const r = rng(seed);
  const out: UsageInput[] = [];
  for (let i = 0; i < count; i++) {
    const msisdn = r.pick(msisdns);
    const roll = r.next();
    const zone = roll < 0.85 ? 'home' : roll < 0.97 ? 'intercity' : 'roaming';
    const kindRoll = r.next();
    const startedAt = new Date(at.getTime() - r.int(0, 59) * 1000);
    const recordId = `sim-${seed}-${i}`;
    const counterpart = `79${r.int(100000000, 999999999)}`;
    if (kindRoll < 0.45) out.push({ recordId, msisdn, kind: 'voice', zone, startedAt, durationSeconds: Math.round(-Math.log(1 - r.next()) * 150), counterpart });
    else if (kindRoll < 0.65) out.push({ recordId, msisdn, kind: 'sms', zone, startedAt, counterpart });
    else out.push({ recordId, msisdn, kind: 'data', zone, startedAt, bytes: Math.round(-Math.log(1 - r.next()) * 40 * 1024 * 1024) });
  }
  return out;
}

export async function simulateTick(core: Core, opts: { msisdns: string[]; records: number; seed: number }) {
  return ingestUsage(core, systemCtx('simulate'), makeTraffic(opts.msisdns, opts.records, core.clock.now(), opts.seed));
}

/** Numbers to simulate: the demo subscriber always, and a sample of the others. */
export async function simulationNumbers(core: Core, sample = 200): Promise<string[]> {
  const rows = await core.db.query<{ msisdn: string }>("SELECT msisdn FROM subscriber WHERE status = 'active' ORDER BY id LIMIT $1", [sample]);
  return rows.map((r) => r.msisdn);
}
