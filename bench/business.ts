// The business portal's part of `npm run bench` (BENCH_ONLY=business): the analytics dashboard of a
// customer with 10,000 numbers (BENCH_BUSINESS_NUMBERS) and three months of usage, beside the store's
// raw scan of the same rows (count and sum over the same ledger entries and usage records) in the
// same run, and the ratio.
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { getDashboard } from '../src/domain/business/dashboard.ts';
import { BUSINESS_ZONE, monthOf, previousMonth } from '../src/domain/business/period.ts';
import type { Ctx } from '../src/domain/shared/context.ts';
import { ms, rate, ratio, table } from './report.ts';
import { openBenchEnv } from './setup.ts';

const log = (msg: string) => console.log(`… ${msg}`);

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runBusinessBench(): Promise<void> {
  const numbers = positiveInt('BENCH_BUSINESS_NUMBERS', 10_000);
  const usagePerMonth = positiveInt('BENCH_BUSINESS_USAGE_PER_MONTH', 6);
  const runs = positiveInt('BENCH_BUSINESS_RUNS', 5);
  const env = await openBenchEnv();
  const { core } = env;
  console.log(`\nBusiness analytics: ${rate(numbers)} numbers, 3 months — store: ${env.storeLabel}`);
  try {
    const now = core.clock.now();
    const month = monthOf(now);
    const start = DateTime.fromJSDate(month.start, { zone: BUSINESS_ZONE }).minus({ months: 2 }).toJSDate();
    const span = now.getTime() - start.getTime();

    log(`generating the customer, ${rate(numbers)} numbers and their charges and usage (set-based SQL)`);
    const t0 = performance.now();
    const customerId = (await core.db.query<{ id: number }>("INSERT INTO customer (kind, name) VALUES ('business', 'ООО «Бенчмарк»') RETURNING id"))[0]!.id;
    const regions = ['77', '78', '16', '54', '23'];
    const contracts: number[] = [];
    for (const r of regions) contracts.push((await core.db.query<{ id: number }>('INSERT INTO contract (customer_id, number, region_code) VALUES ($1, $2, $3) RETURNING id', [customerId, `B-${r}`, r]))[0]!.id);
    const depts: number[] = [];
    for (let d = 1; d <= 8; d++) depts.push((await core.db.query<{ id: number }>('INSERT INTO department (customer_id, name) VALUES ($1, $2) RETURNING id', [customerId, `Отдел ${d}`]))[0]!.id);
    const adminId = (await core.db.query<{ id: number }>(
      "INSERT INTO business_admin (customer_id, email, phone, name, role, password_hash) VALUES ($1, 'bench@b.example', '79000000000', 'Bench', 'contract_admin', 'x') RETURNING id",
      [customerId],
    ))[0]!.id;
    await core.db.query(
      `WITH a AS (INSERT INTO account (customer_id, credit_limit) SELECT $1, 0 FROM generate_series(1, $2) RETURNING id),
            n AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM a)
       INSERT INTO subscriber (account_id, customer_id, contract_id, department_id, msisdn, iccid, region_code, tariff_code, billing_day, employee_name)
       SELECT n.id, $1, ($3::bigint[])[1 + (k % 5)], ($4::bigint[])[1 + (k % 8)], (79700000000 + k)::text, '897019' || lpad(k::text, 13, '0'),
              ($5::text[])[1 + (k % 5)], 'business_smart', 1, 'Сотрудник ' || k FROM n`,
      [customerId, numbers, contracts, depts, regions],
    );
    // Charges: a monthly fee and `usagePerMonth` usage charges per number and month, spread over the three months.
    await core.db.query(
      `INSERT INTO ledger_entry (account_id, amount, kind, subscriber_id, idempotency_key, category, created_at)
       SELECT s.account_id, -(1000 + (s.id * 7 + g * 13) % 90000), CASE WHEN g % ($2 + 1) = 0 THEN 'fee' ELSE 'usage' END, s.id, 'b:' || s.id || ':' || g,
              (ARRAY['subscription','calls','sms','internet','roaming','content'])[1 + CASE WHEN g % ($2 + 1) = 0 THEN 0 ELSE 1 + (s.id + g) % 5 END],
              $3::timestamptz + (((s.id * 31 + g * 997) % 1000) / 1000.0) * ($4::bigint * interval '1 millisecond')
         FROM subscriber s CROSS JOIN generate_series(1, 3 * ($2 + 1)) g WHERE s.customer_id = $1`,
      [customerId, usagePerMonth, start, span],
    );
    await core.db.query(
      `INSERT INTO usage_record (account_id, record_id, subscriber_id, kind, zone, started_at, duration_seconds, bytes, billed_units, charged, rated_at)
       SELECT s.account_id, 'u:' || s.id || ':' || g, s.id, (ARRAY['voice','sms','data'])[1 + (s.id + g) % 3], 'home',
              $3::timestamptz + (((s.id * 17 + g * 389) % 1000) / 1000.0) * ($4::bigint * interval '1 millisecond'),
              CASE WHEN (s.id + g) % 3 = 0 THEN 30 + (s.id * g) % 600 END, CASE WHEN (s.id + g) % 3 = 2 THEN 1000000 + (s.id * g) % 50000000 END,
              1, 0, now()
         FROM subscriber s CROSS JOIN generate_series(1, 3 * $2) g WHERE s.customer_id = $1`,
      [customerId, usagePerMonth, start, span],
    );
    const [counts] = await core.db.query<{ ledger: number; usage: number }>(
      `SELECT (SELECT count(*)::int FROM ledger_entry l JOIN subscriber s ON s.account_id = l.account_id WHERE s.customer_id = $1) AS ledger,
              (SELECT count(*)::int FROM usage_record u JOIN subscriber s ON s.account_id = u.account_id WHERE s.customer_id = $1) AS usage`,
      [customerId],
    );
    await core.db.query('ANALYZE');
    log(`${rate(counts!.ledger)} ledger entries and ${rate(counts!.usage)} usage records in ${(performance.now() - t0).toFixed(0)} ms`);

    const ctx: Ctx = { actor: { kind: 'business_admin', adminId, customerId, role: 'contract_admin', departmentId: null }, channel: 'business', requestId: 'bench', lang: 'ru' };
    const prev = previousMonth(month);
    const trendStart = DateTime.fromJSDate(month.start, { zone: BUSINESS_ZONE }).minus({ months: 5 }).toJSDate();
    // The raw scan reads the rows the dashboard reads: the charges of the trend's six months (all three generated here)
    // and the month's usage records, counted and summed with nothing else.
    const raw = async () => {
      const [l] = await core.db.query<{ n: number; s: number }>(
        `SELECT count(*)::int AS n, COALESCE(sum(l.amount), 0)::bigint AS s FROM subscriber s JOIN ledger_entry l ON l.account_id = s.account_id
          WHERE s.customer_id = $1 AND l.created_at >= $2 AND l.created_at < $3`,
        [customerId, trendStart, month.end],
      );
      const [u] = await core.db.query<{ n: number; s: number }>(
        `SELECT count(*)::int AS n, COALESCE(sum(u.bytes), 0)::bigint AS s FROM subscriber s JOIN usage_record u ON u.account_id = s.account_id
          WHERE s.customer_id = $1 AND u.started_at >= $2 AND u.started_at < $3`,
        [customerId, month.start, month.end],
      );
      return { ledger: l!.n, usage: u!.n };
    };
    const dash = await getDashboard(core, ctx, {});
    const check = await raw();
    if (dash.numbers !== numbers || check.ledger !== counts!.ledger) throw new Error(`bench data check failed: ${dash.numbers} numbers, ${check.ledger} of ${counts!.ledger} entries`);
    if (dash.total <= 0 || dash.previousTotal <= 0) throw new Error('bench data check failed: no spending in the month or the month before');

    const dashTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await raw();
      rawTimes.push(performance.now() - t);
      t = performance.now();
      await getDashboard(core, ctx, {});
      dashTimes.push(performance.now() - t);
    }
    const d = median(dashTimes);
    const r = median(rawTimes);
    console.log(
      '\n' +
        table(
          ['measurement', 'rows', 'median ms', 'min ms', 'max ms'],
          [
            [`(a) dashboard: getDashboard for ${prev.month}…${month.month} (7 statements)`, `${rate(check.ledger)} + ${rate(check.usage)}`, ms(d), ms(Math.min(...dashTimes)), ms(Math.max(...dashTimes))],
            ['(b) raw scan: count + sum of the same ledger entries and usage records', `${rate(check.ledger)} + ${rate(check.usage)}`, ms(r), ms(Math.min(...rawTimes)), ms(Math.max(...rawTimes))],
          ],
        ),
    );
    console.log(table(['ratio', 'value'], [['dashboard time / raw scan time', ratio(d / r)]]));
    console.log(`${runs} runs each, alternating; the dashboard answers ${rate(dash.numbers)} numbers, total ${dash.total} kopecks, ${dash.trafficByDay.length} days of traffic.`);
  } finally {
    await env.close();
  }
}
