// Spending control's benchmark (issue 19, Speed): usage rating through `ingestUsage` with alerts and
// caps switched on for every subscriber against the same with them off, in one run on one store,
// batches alternating on/off so both see the same store state. `BENCH_ONLY=spending npm run bench`.
// BENCH_SPENDING_BATCHES (default 20, at least 5) measured batches of 1,000 records each way, in two
// scenarios on the same store:
// - firing: a store where nobody has been told anything yet; about one record in ten crosses a
//   threshold (a hundred times a real month's density), and each alert raised is a row, its words
//   in both languages and an SMS queued;
// - armed: every alert a number could get this period raised already, so the on side does all the
//   checking (caps judged per record against the month's spending, package and low-balance alerts
//   looked up) and raises next to nothing.
// The target is judged on the lower of the two ratios.
import { performance } from 'node:perf_hooks';
import { raiseUsageAlerts } from '../src/domain/alerts/raise-alerts.ts';
import { ingestUsage } from '../src/domain/billing/ingest-usage.ts';
import { systemCtx } from '../src/domain/shared/context.ts';
import { usageBatch, usageSubscribers } from './billing.ts';
import { ms, rate, ratio, table, verdict } from './report.ts';
import { openBenchEnv } from './setup.ts';

const TARGET = 0.9;
const RECORDS = 1000;

export async function runSpendingControlBench(): Promise<void> {
  const measured = Number(process.env.BENCH_SPENDING_BATCHES ?? 20);
  if (!(Number.isInteger(measured) && measured >= 5)) throw new Error('BENCH_SPENDING_BATCHES must be a whole number ≥ 5');
  const env = await openBenchEnv();
  try {
    console.log(`\nSpending control: usage rating with alerts and caps on vs off — store: ${env.storeLabel}`);
    const subs = await usageSubscribers(env.core);
    const db = env.core.db;
    // On: every number asks for every alert (a low-balance threshold most will cross, 80%/100% of
    // packages, the digest, SMS and the app) and has a monthly and a roaming cap high enough that
    // no record is refused, so both sides write the same rows.
    const on = async () => {
      await db.query(
        `INSERT INTO alert_setting (subscriber_id, low_balance, package_80, package_100, daily_digest, via_sms, via_app, allow_night)
         SELECT id, 990000, true, true, true, true, true, true FROM subscriber ON CONFLICT DO NOTHING`,
      );
      await db.query('INSERT INTO spending_cap (subscriber_id, monthly, roaming, data_hard) SELECT id, 100000000, 100000000, false FROM subscriber ON CONFLICT DO NOTHING');
    };
    const off = async () => {
      await db.query('DELETE FROM alert_setting');
      await db.query('DELETE FROM spending_cap');
    };
    const ctx = systemCtx('bench-spending');
    const at = new Date();
    const alertCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM alert'))[0]!.n;
    const run = async (scenario: string) => {
      const times = { on: [] as number[], off: [] as number[] };
      const warmup = 2;
      let before = 0;
      for (let i = 0; i < warmup + measured; i++) {
        if (i === warmup) before = await alertCount();
        for (const side of (i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as ('on' | 'off')[]) {
          await (side === 'on' ? on() : off());
          const records = usageBatch(subs, 1000 + i * 2 + (side === 'on' ? 1 : 0), at, `sc-${scenario}-${side}`);
          const t = performance.now();
          const res = await ingestUsage(env.core, ctx, records);
          const elapsed = performance.now() - t;
          if (res.accepted !== RECORDS || res.refused) throw new Error(`batch ${i} (${side}): accepted ${res.accepted}, refused ${res.refused?.length ?? 0}`);
          if (i >= warmup) times[side].push(elapsed);
        }
      }
      return { times, alerts: (await alertCount()) - before };
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const perSecond = (xs: number[]) => (RECORDS * xs.length) / (sum(xs) / 1000);

    // Firing first, on a store where nobody has been told anything yet.
    const firing = await run('firing');
    // Armed: every alert a number could get this period is raised already (released, nothing
    // left to send), so the measured batches only check.
    await on();
    const accounts = await db.query<{ id: number }>('SELECT id FROM account');
    const quotas = await db.query<{ account_id: number; id: number }>('SELECT account_id, id FROM quota');
    await db.query(
      `INSERT INTO alert (subscriber_id, key, kind, params, via_sms, via_app, created_at, release_at, released_at)
       SELECT q.subscriber_id, 'quota:' || q.id || ':' || l.level, 'package_' || l.level, '{}', false, false, $1, $1, $1
         FROM quota q CROSS JOIN (VALUES (80), (100)) AS l(level) ON CONFLICT DO NOTHING`,
      [at],
    );
    await db.tx((tx) => raiseUsageAlerts(tx, at, { quotaAccounts: quotas.map((q) => q.account_id), quotaIds: quotas.map((q) => q.id), chargedAccounts: accounts.map((a) => a.id) }));
    const armed = await run('armed');

    const rows: string[][] = [];
    for (const [name, r] of [['armed', armed], ['firing', firing]] as const) {
      rows.push([`${name}: alerts and caps off (no settings rows)`, String(measured), rate(perSecond(r.times.off)), ms(p50(r.times.off)), '']);
      rows.push([`${name}: alerts and caps on for every subscriber`, String(measured), rate(perSecond(r.times.on)), ms(p50(r.times.on)), r.alerts.toLocaleString('en-US')]);
    }
    console.log('\n' + table(['ingestUsage, batches of 1,000, alternating', 'batches', 'records/s', 'p50 per batch', 'alerts raised'], rows));
    const armedShare = perSecond(armed.times.on) / perSecond(armed.times.off);
    const firingShare = perSecond(firing.times.on) / perSecond(firing.times.off);
    const share = Math.min(armedShare, firingShare);
    console.log(`\nratio on / off: firing ${ratio(firingShare)}, armed ${ratio(armedShare)} — target ≥ ${TARGET}× (the lower): ${verdict(share >= TARGET)}`);
  } finally {
    await env.close();
  }
}
