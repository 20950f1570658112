// One Abonent instance of the instances benchmark (bench/instances.ts): its own process, its own
// connection pool, the same PostgreSQL schema as the others. It opens the store (as an instance
// starting against a migrated store does), then runs each phase the parent sends it and reports.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { ingestUsage } from '../src/domain/billing/ingest-usage.ts';
import { systemCtx } from '../src/domain/shared/context.ts';
import { createCore } from '../src/runtime.ts';
import { openPostgres } from '../src/store/postgres.ts';
import { usageBatch } from './billing.ts';
import { closedLoop, type LoopResult } from './closed-loop.ts';
import type { BenchSubscriber } from './setup.ts';
import { benchBalanceUseCase } from './store.ts';

export interface InstanceStart {
  url: string;
  schema: string;
  poolSize: number;
  /** This instance's place among `of` instances: it rates the usage subscribers whose index ≡ index (mod of). */
  index: number;
  of: number;
  readers: BenchSubscriber[];
  raters: { msisdn: string; subscriberId: number; accountId: number }[];
}

export type Phase = { phase: 'balance'; seconds: number } | { phase: 'rating'; seconds: number; tag: string };

export interface PhaseResult {
  ops: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
}

const send = (msg: unknown): Promise<void> => new Promise((resolve) => process.send!(msg, () => resolve()));

let start: InstanceStart | null = null;
const config = loadConfig({ NODE_ENV: 'production', SECRET_KEY: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent', STORE: 'memory' } as NodeJS.ProcessEnv);

process.on('message', (msg: { start?: InstanceStart; run?: Phase; stop?: true }) => {
  void handle(msg).catch(async (err: unknown) => {
    await send({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
    process.exit(1);
  });
});

let core: Awaited<ReturnType<typeof createCore>> | null = null;

async function handle(msg: { start?: InstanceStart; run?: Phase; stop?: true }): Promise<void> {
  if (msg.start) {
    start = msg.start;
    const db = await openPostgres({ url: start.url, schema: start.schema, poolSize: start.poolSize });
    core = await createCore(config, { db, log: pino({ level: 'silent' }) });
    await send({ ready: true });
  } else if (msg.run) {
    const result = msg.run.phase === 'balance' ? await benchBalanceUseCase(core!, start!.readers, msg.run.seconds) : await rate(msg.run.seconds, msg.run.tag);
    await send({ result: summary(result) });
  } else if (msg.stop) {
    await core?.db.close();
    process.disconnect();
  }
}

/** Usage batches of 1,000 records, one after another, over this instance's own numbers. */
async function rate(seconds: number, tag: string): Promise<LoopResult> {
  const mine = start!.raters.filter((_, i) => i % start!.of === start!.index);
  const ctx = systemCtx(`bench-instance-${start!.index}`);
  let batch = 0;
  let records = 0;
  const loop = await closedLoop(seconds, 1, async () => {
    const input = usageBatch(mine, batch++, new Date(), `${tag}-${start!.index}`);
    const res = await ingestUsage(core!, ctx, input);
    if (res.accepted !== input.length) throw new Error(`accepted ${res.accepted} of ${input.length}: ${JSON.stringify(res.rejected.slice(0, 2))}`);
    records += res.accepted;
  });
  // Records per second; the latencies stay those of whole batches.
  return { ...loop, ops: records, rate: records / loop.seconds };
}

function summary(r: LoopResult): PhaseResult {
  return { ops: r.ops, seconds: r.seconds, rate: r.rate, p50: r.p50, p99: r.p99 };
}

await send({ booted: true });
