// How the rating and balance-read rates change with 1, 2 and 3 Abonent instances over one
// PostgreSQL on this machine (`BENCH_ONLY=instances npm run bench`, needs DATABASE_URL; not in the
// default run: it takes two to three minutes). Each instance is a process of its own with
// its own connection pool (bench/instance-child.ts), all on the same schema, as the instances of a
// cluster are. All instances run a phase at the same time, and their rates are added up:
//   balance reads — the balance request below HTTP (resolve the session, getBalance), 50 callers
//                   an instance over the same 200 numbers;
//   rating        — ingestUsage batches of 1,000 records one after another, each instance over its
//                   own share of the usage numbers (as switches or regions deliver files apart);
//                   one instance rates them all.
// BENCH_INSTANCE_SECONDS (default 8) is the length of each measured phase, after a warm-up of a quarter of it (2 s at most).
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { usageSubscribers } from './billing.ts';
import type { InstanceStart, Phase, PhaseResult } from './instance-child.ts';
import { ms, rate, ratio, table } from './report.ts';
import { loggedInSubscribers, openBenchEnv } from './setup.ts';

const childScript = fileURLToPath(new URL('./instance-child.ts', import.meta.url));
const log = (msg: string) => console.log(`… ${msg}`);
const load = () => loadavg().map((n) => n.toFixed(2)).join(' / ');

interface Instance {
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
}

/** Forks one instance and waits for its first message. */
function forkInstance(): Promise<Instance> {
  const child = fork(childScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: Record<string, unknown>[] = [];
  const waiting: { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (msg: Record<string, unknown>) => {
    const w = waiting.shift();
    if (msg.error) (w?.reject ?? ((e: Error) => console.error(e.message)))(new Error(`instance: ${String(msg.error)}`));
    else if (w) w.resolve(msg);
    else queue.push(msg);
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`instance exited with code ${code}`));
  });
  const next = () => {
    const m = queue.shift();
    return m ? Promise.resolve(m) : new Promise<Record<string, unknown>>((resolve, reject) => waiting.push({ resolve, reject }));
  };
  return next().then(() => ({ child, next }));
}

interface Measured {
  instances: number;
  result: PhaseResult[];
  loadBefore: string;
  loadAfter: string;
}

export async function runInstancesBench(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('BENCH_ONLY=instances needs DATABASE_URL: a PostgreSQL server that every instance connects to');
  const seconds = Number(process.env.BENCH_INSTANCE_SECONDS ?? 8);
  if (!(seconds > 0)) throw new Error('BENCH_INSTANCE_SECONDS must be a positive number');
  const warmup = Math.min(2, seconds / 4);
  const env = await openBenchEnv();
  const schema = env.schema!;
  try {
    console.log(`\nInstances: rating and balance reads with 1, 2 and 3 instances — store: ${env.storeLabel}`);
    log('provisioning 200 numbers with sessions (balance reads) and the usage numbers (rating)');
    const t0 = performance.now();
    const readers = await loggedInSubscribers(env.core, 200);
    const raters = await usageSubscribers(env.core);
    log(`provisioned in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${seconds} s per phase`);

    const balance: Measured[] = [];
    const rating: Measured[] = [];
    for (const n of [1, 2, 3]) {
      log(`${n} instance(s): starting`);
      const instances = await Promise.all(Array.from({ length: n }, forkInstance));
      try {
        const started = instances.map((inst, index) => {
          const start: InstanceStart = { url: process.env.DATABASE_URL!, schema, poolSize: env.config.DATABASE_POOL_SIZE, index, of: n, readers, raters };
          inst.child.send({ start });
          return inst.next();
        });
        await Promise.all(started);
        const run = async (p: Phase) => {
          for (const inst of instances) inst.child.send({ run: p });
          return (await Promise.all(instances.map((i) => i.next()))).map((m) => m.result as PhaseResult);
        };
        // A fresh process runs its code cold: a short unmeasured round of both first.
        log(`${n} instance(s): warm-up`);
        await run({ phase: 'balance', seconds: warmup });
        await run({ phase: 'rating', seconds: warmup, tag: `w${n}` });
        const phase = async (p: Phase, into: Measured[]) => {
          const loadBefore = load();
          const result = await run(p);
          into.push({ instances: n, result, loadBefore, loadAfter: load() });
        };
        log(`${n} instance(s): balance reads`);
        await phase({ phase: 'balance', seconds }, balance);
        log(`${n} instance(s): rating`);
        await phase({ phase: 'rating', seconds, tag: `i${n}` }, rating);
      } finally {
        for (const inst of instances) {
          const exited = new Promise((resolve) => inst.child.once('exit', resolve));
          inst.child.send({ stop: true });
          await exited;
        }
      }
    }

    const rows = (measured: Measured[], unit: string) => {
      const one = measured[0]!.result.reduce((s, r) => s + r.rate, 0);
      return measured.map((m) => {
        const total = m.result.reduce((s, r) => s + r.rate, 0);
        const p99 = Math.max(...m.result.map((r) => r.p99));
        return [String(m.instances), rate(total), m.result.map((r) => rate(r.rate)).join(' + '), ratio(total / one), ms(p99), `${m.loadBefore} → ${m.loadAfter}`, unit];
      });
    };
    console.log(
      '\n' +
        table(
          ['instances', 'per second', 'per instance', 'vs 1 instance', `p99 ms`, 'load avg 1/5/15 min before → after', 'unit'],
          [...rows(balance, 'balance reads (session + balance)'), ...rows(rating, 'usage records rated (p99 of a batch of 1,000)')],
        ),
    );
    console.log('\nAll instances, the load generators (each instance drives itself) and PostgreSQL share this machine\'s cores.');
  } finally {
    await env.close();
  }
}
