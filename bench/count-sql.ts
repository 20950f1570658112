// Diagnostic (not part of `npm run bench`): how many store statements one request of each hot
import { performance } from 'node:perf_hooks';
// path issues, and which. `node --import tsx bench/count-sql.ts` (DATABASE_URL for PostgreSQL).
import { buildServer } from '../src/server.ts';
import { handleMoClaimed } from '../src/channels/sms/handle-mo.ts';
import { sendClaimed, type SmsTransport } from '../src/jobs/sms-outbox.ts';
import type { Db, Tx } from '../src/store/db.ts';
import { loggedInSubscribers, openBenchEnv } from './setup.ts';

const env = await openBenchEnv();
const subs = await loggedInSubscribers(env.core, 3);
const seen: string[] = [];
/** Time spent awaiting each statement (requests run one at a time, so this is its own cost). */
const spent = new Map<string, number>();
const timed = <T>(key: string, p: Promise<T>): Promise<T> => {
  const t = performance.now();
  return p.finally(() => spent.set(key, (spent.get(key) ?? 0) + performance.now() - t));
};
const db = env.core.db as Db & Record<string, unknown>;
const short = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 110);
const wrapQ = (q: Tx, tag: string): Tx => ({
  query: (sql, params) => (seen.push(`${tag}query ${short(sql)}`), timed(`${tag}query ${short(sql)}`, q.query(sql, params))),
  exec: (sql) => (seen.push(`${tag}exec ${short(sql)}`), q.exec(sql)),
});
const orig = { query: db.query.bind(db), exec: db.exec.bind(db), prepare: db.prepare.bind(db), tx: db.tx.bind(db) };
Object.assign(db, {
  ...wrapQ({ query: orig.query, exec: orig.exec }, ''),
  prepare: (name: string, sql: string, types: never[]) => {
    const p = orig.prepare(name, sql, types);
    return (params: never[]) => (seen.push(`prepared ${name}`), timed(`prepared ${name}`, p(params)));
  },
  tx: <T>(fn: (tx: Tx) => Promise<T>) => (seen.push('tx BEGIN'), orig.tx((t) => fn(wrapQ(t, '  tx.')))),
});
const app = await buildServer(env.core, env.config);
await app.ready();

async function count(label: string, n: number, run: (i: number) => Promise<{ statusCode: number; body: string }>) {
  await run(-1); // warm: first-call statements (PREPARE, catalog loads) out of the count
  seen.length = 0;
  spent.clear();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await run(i);
    if (r.statusCode !== 200) throw new Error(`${label}: ${r.statusCode} ${r.body}`);
  }
  const wall = (performance.now() - t0) / n;
  const tally = new Map<string, number>();
  for (const s of seen) tally.set(s, (tally.get(s) ?? 0) + 1);
  const inStore = [...spent.values()].reduce((a, b) => a + b, 0) / n;
  console.log(`\n${label}: ${(seen.length / n).toFixed(2)} statements, ${wall.toFixed(3)} ms per request one at a time, ${inStore.toFixed(3)} ms of it awaiting the store`);
  for (const [s, c] of tally) console.log(`  ${(c / n).toFixed(2)}× ${((spent.get(s) ?? 0) / c).toFixed(3)} ms  ${s}`);
}

const N = Number(process.env.COUNT_REQUESTS ?? 500);
await count('GET /api/v1/subscribers/me/balance', N, (i) =>
  app.inject({ method: 'GET', url: '/api/v1/subscribers/me/balance', headers: { authorization: `Bearer ${subs[(i + 3) % 3]!.token}` } }),
);
await count('POST /gateways/ussd/http *111*5# (new session)', N, (i) =>
  app.inject({
    method: 'POST',
    url: '/gateways/ussd/http',
    remoteAddress: '127.0.0.1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ sessionId: `count-${i}`, serviceCode: '*111*5#', phoneNumber: subs[(i + 3) % 3]!.msisdn, text: '' }).toString(),
  }),
);
// An SMS MO "БАЛАНС" to 8111 as the SMPP gateway runs it: recorded, answered, the reply queued
// and submitted at once (a transport that accepts everything stands in for the link).
const accept: SmsTransport = { name: 'count', send: async () => ({ status: 'sent' }) };
let umr = 0;
await count('SMS MO БАЛАНС → 8111 → reply submitted at once (SMPP gateway path)', Math.min(N, 15), async (i) => {
  const sub = subs[(i + 3) % 3]!;
  const r = await handleMoClaimed(env.core, { from: sub.msisdn, to: '8111', text: 'БАЛАНС', smscId: `count-${++umr}`, gateway: 'smpp' }, `count-${umr}`);
  if (!r.reply?.claimed) return { statusCode: 500, body: JSON.stringify(r) };
  await sendClaimed(env.core, accept, r.reply);
  return { statusCode: 200, body: '' };
});
await app.close();
await env.close();
