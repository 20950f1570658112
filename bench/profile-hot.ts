// Diagnostic (not part of `npm run bench`): one hot path under load from a child process, for
// `node --import tsx bench/profile-hot.ts balance|ussd|bare [out.cpuprofile]` (PROFILE_SECONDS, default 8):
// the CPU profile covers the measured load only, not the setup.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { runLoadIn } from './http-load.ts';
import { startBare, startServer } from './servers.ts';
import { loggedInSubscribers, openBenchEnv } from './setup.ts';

const which = process.argv[2] ?? 'balance';
const seconds = Number(process.env.PROFILE_SECONDS ?? 8);
const env = await openBenchEnv();
const subs = await loggedInSubscribers(env.core, 200);
const path = which === 'ussd' ? '/gateways/ussd/http' : '/api/v1/subscribers/me/balance';
const server = which === 'bare' ? await startBare() : await startServer(env, path);
const spec = { url: server.url, connections: 50, seconds, warmupSeconds: 1 };
const inspector = new Session();
inspector.connect();
await inspector.post('Profiler.enable');
await inspector.post('Profiler.start');
const r = await runLoadIn(
  'child process',
  which === 'ussd' ? { ...spec, ussd: { msisdns: subs.map((s) => s.msisdn), dial: '*111*5#' } } : { ...spec, tokens: subs.map((s) => s.token) },
);
const { profile } = await inspector.post('Profiler.stop');
if (process.argv[3]) writeFileSync(process.argv[3], JSON.stringify(profile));
console.log(`${which}: ${r.ok} requests, ${Math.round(r.rate)}/s p50 ${r.p50} ms p99 ${r.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors`);
await server.close();
await env.close();
