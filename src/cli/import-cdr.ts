import { Presets, SingleBar } from 'cli-progress';
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ingestUsage, type UsageInput } from '../domain/billing/ingest-usage.ts';
import type { Core } from '../domain/core.ts';
import { systemCtx } from '../domain/shared/context.ts';

const KINDS = new Set(['voice', 'sms', 'mms', 'data']);
const ZONES = new Set(['home', 'intercity', 'roaming']);

/**
 * Reads a CDR file: a header line, then `record_id,msisdn,kind,zone,started_at,duration_seconds,bytes,counterpart`
 * (comma or semicolon separated). Rated in batches of 1,000; each record id is charged once, so an
 * interrupted import is simply run again.
 */
export async function importCdrFile(core: Core, path: string, opts: { progress?: boolean; batchSize?: number; onBatch?: (n: number, accepted: number) => void; onRejected?: (r: { recordId: string; reason: string }) => void } = {}) {
  const size = statSync(path).size;
  const bar = opts.progress ? new SingleBar({ format: 'cdr {bar} {percentage}% {value}/{total} bytes' }, Presets.shades_classic) : null;
  bar?.start(size, 0);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  const totals = { accepted: 0, duplicates: 0, rejected: 0, charged: 0 };
  let header: string[] | null = null;
  let batch: UsageInput[] = [];
  let bytesRead = 0;
  let batches = 0;
  const ctx = systemCtx('import-cdr', 'cli');
  const flush = async () => {
    if (!batch.length) return;
    const res = await ingestUsage(core, ctx, batch);
    totals.accepted += res.accepted;
    totals.duplicates += res.duplicates;
    totals.rejected += res.rejected.length;
    totals.charged += res.charged;
    opts.onBatch?.(++batches, res.accepted);
    for (const r of res.rejected.slice(0, 5)) core.log.warn({ record: r.recordId, reason: r.reason }, 'cdr record rejected');
    for (const r of res.rejected) opts.onRejected?.(r);
    batch = [];
    bar?.update(Math.min(bytesRead, size));
  };
  for await (const raw of lines) {
    bytesRead += Buffer.byteLength(raw) + 1;
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (!line) continue;
    const cells = line.split(/[;,]/).map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      continue;
    }
    const get = (name: string) => cells[header!.indexOf(name)] ?? '';
    const kind = get('kind');
    const zone = get('zone') || 'home';
    // Digits only: Number() would take "0x10" or "1e3"; anything else is refused by the use case as NaN.
    const num = (v: string) => (v === '' ? null : /^\d{1,16}$/.test(v) ? Number(v) : Number.NaN);
    batch.push({
      recordId: get('record_id'),
      msisdn: get('msisdn'),
      kind: (KINDS.has(kind) ? kind : 'invalid') as UsageInput['kind'],
      zone: (ZONES.has(zone) ? zone : 'home') as UsageInput['zone'],
      startedAt: get('started_at'),
      durationSeconds: num(get('duration_seconds')),
      bytes: num(get('bytes')),
      counterpart: get('counterpart') || null,
    });
    if (batch.length >= (opts.batchSize ?? 1000)) await flush();
  }
  await flush();
  bar?.update(size);
  bar?.stop();
  return totals;
}
