// `npm run bench`: the platform spine's throughput on this machine. BENCH_SECONDS shortens the runs
// (default 10: HTTP runs of 10 s, store runs of 5 s). DATABASE_URL benchmarks PostgreSQL instead of PGlite.
// The billing core's part follows (bench/billing.ts); BENCH_ONLY=spine or BENCH_ONLY=billing runs one part.
// BENCH_ONLY=instances (PostgreSQL only, not in the default run) measures 1, 2 and 3 instances (bench/instances.ts).
import { availableParallelism, cpus } from 'node:os';
import { runLoadIn, type LoadMode, type LoadResult } from './http-load.ts';
import { ms, rate, ratio, table, verdict } from './report.ts';
import { openBenchEnv, loggedInSubscribers } from './setup.ts';
import { benchBalanceUseCase, benchPrimaryKeySelect, storeCallers } from './store.ts';
import { startApi, startBare } from './servers.ts';
import { runBillingBench } from './billing.ts';
import { runSmppBench } from './smpp.ts';
import { runUssdBench } from './ussd.ts';
import { runBusinessBench } from './business.ts';
import { runVoiceBench } from './voice.ts';
import { runSpendingControlBench } from './spending-control.ts';
import { runInstancesBench } from './instances.ts';

const benchSeconds = Number(process.env.BENCH_SECONDS ?? 10);
if (!(benchSeconds > 0)) throw new Error('BENCH_SECONDS must be a positive number');
const httpSeconds = Math.max(1, Math.round(benchSeconds));
const storeSeconds = Math.max(0.5, benchSeconds / 2);
const warmupSeconds = Math.max(1, Math.round(benchSeconds / 5));
const connections = 50;
const subscriberCount = 200;
const modes: LoadMode[] = ['child process', 'in-process'];
const only = process.env.BENCH_ONLY ?? '';
const parts = ['spine', 'billing', 'spending', 'ussd', 'smpp', 'voice', 'business', 'instances'];
if (only !== '' && !parts.includes(only)) throw new Error(`BENCH_ONLY must be one of ${parts.join(', ')}`);

const log = (msg: string) => console.log(`… ${msg}`);

console.log(`Abonent benchmark — Node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'})`);
if (only === '' || only === 'spine') {
  const env = await openBenchEnv();
  console.log(`store: ${env.storeLabel}`);
  console.log(`HTTP: ${connections} connections, ${httpSeconds} s per run after ${warmupSeconds} s warm-up; store: ${storeSeconds} s per run\n`);

  log(`provisioning ${subscriberCount} subscribers with sessions`);
  const subs = await loggedInSubscribers(env.core, subscriberCount);

  const api = await startApi(env);
  const bare = await startBare();
  try {
    // The API answers what the load will ask, before anything is measured.
    const check = await fetch(api.url, { headers: { authorization: `Bearer ${subs[0]!.token}` } });
    const body = (await check.json()) as { balance?: number };
    if (check.status !== 200 || body.balance !== 100_000) throw new Error(`balance check failed: ${check.status} ${JSON.stringify(body)}`);

    const callers = storeCallers(env.core);
    const callersLabel = callers === 1 ? 'sequential awaited' : `${callers} concurrent callers`;
    log(`(a) raw primary-key select, ${callersLabel}`);
    const select = await benchPrimaryKeySelect(env.core, subs, storeSeconds);
    log('(diag) balance use case without HTTP');
    const useCase = await benchBalanceUseCase(env.core, subs, storeSeconds);

    const http = {} as Record<LoadMode, { api: LoadResult; bare: LoadResult }>;
    for (const mode of modes) {
      const spec = { connections, seconds: httpSeconds, warmupSeconds };
      log(`(c) bare Fastify, load from ${mode}`);
      const bareRes = await runLoadIn(mode, { ...spec, url: bare.url });
      log(`(b) balance API, load from ${mode}`);
      const apiRes = await runLoadIn(mode, { ...spec, url: api.url, tokens: subs.map((s) => s.token) });
      http[mode] = { api: apiRes, bare: bareRes };
    }

    const problems = (r: LoadResult) => {
      const bad = [r.non2xx && `${r.non2xx} non-2xx`, r.errors && `${r.errors} errors`, r.timeouts && `${r.timeouts} timeouts`].filter(Boolean);
      return bad.length ? bad.join(', ') : 'all 2xx';
    };
    const rows: string[][] = [
      ['(a) store: SELECT balance FROM account WHERE id = $1', callersLabel, rate(select.rate), ms(select.p50), ms(select.p99), `${rate(select.ops)} queries`],
      ['(diag) resolveSession + getBalance, no HTTP (2 statements: session, balance)', callersLabel, rate(useCase.rate), ms(useCase.p50), ms(useCase.p99), `${rate(useCase.ops)} calls`],
    ];
    for (const mode of modes) {
      const { api: a, bare: b } = http[mode];
      rows.push([`(b) GET /api/v1/subscribers/me/balance`, `autocannon ${mode}`, rate(a.rate), ms(a.p50), ms(a.p99), `${rate(a.ok)} ok, ${problems(a)}`]);
      rows.push([`(c) bare Fastify GET /bare`, `autocannon ${mode}`, rate(b.rate), ms(b.p50), ms(b.p99), `${rate(b.ok)} ok, ${problems(b)}`]);
    }
    console.log('\n' + table(['measurement', 'load', 'per second', 'p50 ms', 'p99 ms', 'notes'], rows));

    console.log('\n' + table(
      ['(d) ratio', ...modes.map((m) => `load from ${m}`)],
      [
        ['balance API / raw store select', ...modes.map((m) => ratio(http[m].api.rate / select.rate))],
        ['balance API / bare Fastify', ...modes.map((m) => ratio(http[m].api.rate / http[m].bare.rate))],
        ['balance API / use case without HTTP', ...modes.map((m) => ratio(http[m].api.rate / useCase.rate))],
      ],
    ));

    const primary = http['child process'].api;
    const rateOk = primary.rate >= 0.5 * select.rate;
    const p99Ok = primary.p99 < 25;
    console.log(`\nTargets (balance API measured with autocannon in a child process):`);
    console.log(table(
      ['target', 'measured', 'verdict'],
      [
        ['balance API ≥ 0.5× raw store select rate', `${rate(primary.rate)}/s vs ${rate(0.5 * select.rate)}/s (${ratio(primary.rate / select.rate)})`, verdict(rateOk)],
        ['balance API p99 < 25 ms', `${ms(primary.p99)} ms`, verdict(p99Ok)],
      ],
    ));
    console.log('\nautocannon latencies are whole milliseconds; in-process runs share one event loop with the server.');
  } finally {
    await api.close();
    await bare.close();
    await env.close();
  }
}

if (only === '' || only === 'billing') await runBillingBench();
if (only === '' || only === 'spending') await runSpendingControlBench();
if (only === '' || only === 'ussd') await runUssdBench({ seconds: httpSeconds, warmupSeconds, connections });
if (only === '' || only === 'smpp') await runSmppBench();
if (only === '' || only === 'voice') await runVoiceBench();
if (only === '' || only === 'business') await runBusinessBench();
// Two to three minutes, and PostgreSQL only: not part of the default run.
if (only === 'instances') await runInstancesBench();
