// USSD part of `npm run bench`: balance requests through the HTTP aggregator gateway, each a new
// session dialled as *111*5#, beside a bare Fastify route under the same load.
import { runLoadIn } from './http-load.ts';
import { ms, rate, ratio, table, verdict } from './report.ts';
import { startBare, startServer } from './servers.ts';
import { loggedInSubscribers, openBenchEnv } from './setup.ts';

export async function runUssdBench(opts: { seconds: number; warmupSeconds: number; connections: number }): Promise<void> {
  const env = await openBenchEnv();
  console.log(`\nUSSD: balance through POST /gateways/ussd/http — store: ${env.storeLabel}`);
  const subs = await loggedInSubscribers(env.core, 200);
  const msisdns = subs.map((s) => s.msisdn);
  const server = await startServer(env, '/gateways/ussd/http');
  const bare = await startBare();
  try {
    const check = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ sessionId: 'check-1', serviceCode: '*111*5#', phoneNumber: msisdns[0]!, text: '' }).toString(),
    });
    const text = await check.text();
    if (check.status !== 200 || !text.startsWith('END ') || !/1000/.test(text.replace(/\s/g, ''))) throw new Error(`USSD check failed: ${check.status} ${text}`);
    const spec = { connections: opts.connections, seconds: opts.seconds, warmupSeconds: opts.warmupSeconds };
    const bareRes = await runLoadIn('child process', { ...spec, url: bare.url });
    const ussdRes = await runLoadIn('child process', { ...spec, url: server.url, ussd: { msisdns, dial: '*111*5#' } });
    const bad = ussdRes.non2xx + ussdRes.errors + ussdRes.timeouts;
    console.log(
      table(
        ['measurement', 'per second', 'p50 ms', 'p99 ms', 'notes'],
        [
          ['USSD *111*5# (new session each, balance, END)', rate(ussdRes.rate), ms(ussdRes.p50), ms(ussdRes.p99), `${rate(ussdRes.ok)} ok${bad ? `, ${bad} not ok` : ''}`],
          ['bare Fastify GET /bare', rate(bareRes.rate), ms(bareRes.p50), ms(bareRes.p99), `${rate(bareRes.ok)} ok`],
        ],
      ),
    );
    const r = ussdRes.rate / bareRes.rate;
    console.log(
      table(
        ['target', 'measured', 'verdict'],
        [
          ['USSD round trips ≥ 0.4× bare Fastify', ratio(r), verdict(r >= 0.4)],
          [`USSD p99 < 25 ms at ${opts.connections} connections`, `${ms(ussdRes.p99)} ms`, verdict(ussdRes.p99 < 25)],
        ],
      ),
    );
  } finally {
    await server.close();
    await bare.close();
    await env.close();
  }
}
