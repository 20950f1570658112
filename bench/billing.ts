// The billing core's benchmark (issue "Billing core"): usage rating through `ingestUsage` against
// the store's raw bulk-insert rate, and one daily-fee run over many subscribers. Run by run.ts
// (`BENCH_ONLY=billing npm run bench` runs only this part). BENCH_USAGE_BATCHES (default 30, at least
// 20) sets the measured usage batches; BENCH_USAGE_SUBSCRIBERS (default 1,000) how many numbers they
// draw from; BENCH_FEE_SUBSCRIBERS (default 100,000) the fee run's size.
import { performance } from 'node:perf_hooks';
import { ingestUsage, type UsageInput } from '../src/domain/billing/ingest-usage.ts';
import { FEE_BATCH_SIZE, runRecurringFees, type FeeRunStats } from '../src/domain/billing/run-recurring-fees.ts';
import { listProducts, requireTariff } from '../src/domain/catalog/read-catalog.ts';
import type { Core } from '../src/domain/core.ts';
import { provisionSubscriber } from '../src/domain/provisioning/provision-subscriber.ts';
import { connectProduct } from '../src/domain/services/connect-product.ts';
import { systemCtx } from '../src/domain/shared/context.ts';
import { localDayOfMonth, startOfLocalDay } from '../src/domain/shared/local-time.ts';
import { rng } from '../src/seed/random.ts';
import type { Db, ParamType, Prepared, Queryable } from '../src/store/db.ts';
import { ms, rate, ratio, table, verdict } from './report.ts';
import { openBenchEnv } from './setup.ts';

const BATCH = 1000;
/** How many numbers the usage batches draw from (BENCH_USAGE_SUBSCRIBERS, default 1,000). */
const USAGE_SUBSCRIBERS = positiveInt('BENCH_USAGE_SUBSCRIBERS', 1000, 10);
const WARMUP_BATCHES = 2;
const INGEST_TARGET = 20_000;
const RAW_SHARE_TARGET = 0.3;
const FEE_TARGET_SUBSCRIBERS = 1_000_000;
const FEE_TARGET_SECONDS = 120;

const log = (msg: string) => console.log(`… ${msg}`);
const sec = (msValue: number) => `${(msValue / 1000).toFixed(2)} s`;
const pct = (part: number, whole: number) => `${whole > 0 ? ((100 * part) / whole).toFixed(1) : '0.0'}%`;

function positiveInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}`);
  return n;
}

// ——— Statement timing: the same Db, with the time of every statement added up by its text ———

class StatementTimer {
  private readonly by = new Map<string, { calls: number; ms: number }>();
  total = 0;

  add(sql: string, elapsed: number): void {
    const key = sql.replace(/\s+/g, ' ').trim();
    const cur = this.by.get(key) ?? { calls: 0, ms: 0 };
    cur.calls++;
    cur.ms += elapsed;
    this.by.set(key, cur);
    this.total += elapsed;
  }

  reset(): void {
    this.by.clear();
    this.total = 0;
  }

  /** Milliseconds spent in statements whose text matches. */
  msOf(match: RegExp): number {
    let sum = 0;
    for (const [sql, v] of this.by) if (match.test(sql)) sum += v.ms;
    return sum;
  }

  callsOf(match: RegExp): number {
    let sum = 0;
    for (const [sql, v] of this.by) if (match.test(sql)) sum += v.calls;
    return sum;
  }

  /** The statements by time spent, and what was spent outside them, as table rows. */
  rows(wallMs: number, top = 12): string[][] {
    const sorted = [...this.by].sort((a, b) => b[1].ms - a[1].ms);
    const shown = sorted.slice(0, top);
    const rest = sorted.slice(top).reduce((s, [, v]) => ({ calls: s.calls + v.calls, ms: s.ms + v.ms }), { calls: 0, ms: 0 });
    const label = (sql: string) => (sql.length > 96 ? `${sql.slice(0, 95)}…` : sql);
    const out = shown.map(([sql, v]) => [label(sql), rate(v.calls), ms(v.ms), ms(v.ms / v.calls), pct(v.ms, wallMs)]);
    if (rest.calls) out.push([`(${sorted.length - top} other statements)`, rate(rest.calls), ms(rest.ms), ms(rest.ms / rest.calls), pct(rest.ms, wallMs)]);
    const outside = Math.max(0, wallMs - this.total);
    out.push(['outside the statements: JS in the use case (checks, rating, dates, arrays), driver, BEGIN/COMMIT', '', ms(outside), '', pct(outside, wallMs)]);
    return out;
  }
}

const timerHeader = ['statement (whitespace collapsed)', 'calls', 'total ms', 'ms/call', 'share'];

function timedQueryable(q: Queryable, timer: StatementTimer): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      const t = performance.now();
      try {
        return await q.query<T>(sql, params);
      } finally {
        timer.add(sql, performance.now() - t);
      }
    },
    async exec(sql: string): Promise<void> {
      const t = performance.now();
      try {
        await q.exec(sql);
      } finally {
        timer.add(sql, performance.now() - t);
      }
    },
  };
}

/** The same core, its store wrapped so that every statement's time is added to `timer`. */
function timedCore(core: Core, timer: StatementTimer): Core {
  const inner = core.db;
  const outer = timedQueryable(inner, timer);
  const db: Db = {
    kind: inner.kind,
    query: outer.query,
    exec: outer.exec,
    tryLock: (name) => inner.tryLock(name),
    prepare<T>(name: string, sql: string, types: readonly ParamType[]): Prepared<T> {
      const run = inner.prepare<T>(name, sql, types);
      return async (params) => {
        const t = performance.now();
        try {
          return await run(params);
        } finally {
          timer.add(sql, performance.now() - t);
        }
      };
    },
    tx: (fn) => inner.tx((tx) => fn(timedQueryable(tx, timer))),
    close: () => inner.close(),
  };
  return { ...core, db };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

interface BatchRun {
  rows: number;
  ms: number;
  perSecond: number;
  p50: number;
  max: number;
}

function summarize(times: number[], rowsPerBatch: number): BatchRun {
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  const rows = rowsPerBatch * times.length;
  return { rows, ms: total, perSecond: rows / (total / 1000), p50: percentile(sorted, 50), max: sorted[sorted.length - 1] ?? 0 };
}

// ——— (1)–(3): usage rating against the raw bulk insert ———

interface UsageSub {
  msisdn: string;
  subscriberId: number;
  accountId: number;
}

/** Tariffs and regions of the usage subscribers: monthly and daily plans, per-minute and per-second billing, no-quota basic. */
const tariffMix: [string, number][] = [['smart', 35], ['smart_mini', 20], ['super_day', 20], ['basic', 15], ['premium', 10]];
const usageRegions = ['77', '78', '39', '63', '66', '54', '24', '25'];

function tariffFor(i: number): string {
  let slot = i % 100;
  for (const [code, share] of tariffMix) {
    if (slot < share) return code;
    slot -= share;
  }
  return 'smart';
}

/**
 * Provisions the usage subscribers the way the operator does, connects "everywhere at home" for
 * one in ten (so rating applies options), gives one in forty little money (so some get blocked on
 * the way), and uses up the quotas partly: a third fully used (money only), a third nearly used
 * (quota, then money), a third untouched.
 */
export async function usageSubscribers(core: Core): Promise<UsageSub[]> {
  const ctx = systemCtx('bench');
  const subs: UsageSub[] = [];
  for (let i = 0; i < USAGE_SUBSCRIBERS; i++) {
    const msisdn = `7957${String(i + 1).padStart(7, '0')}`;
    const tariffCode = tariffFor(i);
    const { subscriberId, accountId } = await provisionSubscriber(core, ctx, {
      msisdn,
      iccid: `89701${msisdn}`,
      regionCode: usageRegions[i % usageRegions.length]!,
      tariffCode,
      openingBalance: i % 40 === 7 ? 3_000 : 1_000_000,
    });
    if (i % 10 === 3 && i % 40 !== 7) {
      await connectProduct(core, { actor: { kind: 'subscriber', subscriberId }, channel: 'web', requestId: `bench-${i}`, lang: 'ru' }, { msisdn: 'me', productCode: 'everywhere_home' });
    }
    subs.push({ msisdn, subscriberId, accountId });
  }
  await core.db.query(
    `UPDATE quota SET used = CASE subscriber_id % 3
        WHEN 0 THEN included
        WHEN 1 THEN GREATEST(0, included - CASE unit WHEN 'seconds' THEN 600 WHEN 'sms' THEN 5 ELSE 200 * 1048576 END)
        ELSE 0 END`,
  );
  return subs;
}

/** A realistic batch: calls of a few minutes, SMS, data sessions; mostly home, some intercity, a little roaming. */
export function usageBatch(subs: UsageSub[], batch: number, at: Date, tag: string): UsageInput[] {
  const r = rng(0x5eed + batch);
  const out: UsageInput[] = [];
  for (let i = 0; i < BATCH; i++) {
    const { msisdn } = r.pick(subs);
    const roll = r.next();
    const zone = roll < 0.85 ? 'home' : roll < 0.97 ? 'intercity' : 'roaming';
    const kindRoll = r.next();
    const startedAt = new Date(at.getTime() - r.int(0, 59) * 1000);
    const recordId = `${tag}-${batch}-${i}`;
    const counterpart = `79${r.int(100000000, 999999999)}`;
    if (kindRoll < 0.45) out.push({ recordId, msisdn, kind: 'voice', zone, startedAt, durationSeconds: Math.round(-Math.log(1 - r.next()) * 150), counterpart });
    else if (kindRoll < 0.65) out.push({ recordId, msisdn, kind: 'sms', zone, startedAt, counterpart });
    else out.push({ recordId, msisdn, kind: 'data', zone, startedAt, bytes: Math.round(-Math.log(1 - r.next()) * 40 * 1024 * 1024) });
  }
  return out;
}

/** The 13 column arrays `ingestUsage` binds to its INSERT, filled for the same records. */
function rawColumns(records: UsageInput[], subs: Map<string, UsageSub>, prefix: string): unknown[] {
  const c = Array.from({ length: 13 }, () => [] as unknown[]);
  records.forEach((rec, i) => {
    const s = subs.get(rec.msisdn)!;
    const billed = rec.kind === 'voice' ? Math.ceil((rec.durationSeconds ?? 0) / 60) * 60 : rec.kind === 'data' ? Math.ceil((rec.bytes ?? 0) / 102_400) * 102_400 : 1;
    const quota = i % 2 === 0 ? billed : 0;
    const values = [
      s.accountId, `${prefix}${rec.recordId}`, s.subscriberId, rec.kind, rec.zone, new Date(rec.startedAt).toISOString(),
      rec.kind === 'voice' ? rec.durationSeconds ?? 0 : null, rec.kind === 'data' ? rec.bytes ?? 0 : null, rec.counterpart ?? null,
      billed, quota, JSON.stringify(quota ? [{ quotaId: 1000 + (i % 3000), source: 'tariff:smart', units: quota }] : []), quota ? 0 : 250,
    ];
    values.forEach((v, k) => c[k]!.push(v));
  });
  return c;
}

/** `ingestUsage`'s own INSERT statement, into `table`. */
const rawInsertSql = (tableName: string) =>
  `INSERT INTO ${tableName} (account_id, record_id, subscriber_id, kind, zone, started_at, duration_seconds, bytes, counterpart,
                             billed_units, quota_units, consumed, charged, rated_at)
   SELECT a, r, s, k, z, t, d, b, c, bu, qu, co::jsonb, ch, $14
     FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::bigint[],
                 $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::bigint[]) AS u(a, r, s, k, z, t, d, b, c, bu, qu, co, ch)`;

async function rawInsert(db: Db, tableName: string, batches: UsageInput[][], subs: Map<string, UsageSub>, prefix: string): Promise<BatchRun> {
  const sql = rawInsertSql(tableName);
  const params = batches.map((b) => [...rawColumns(b, subs, prefix), new Date()]);
  const times: number[] = [];
  for (const [i, p] of params.entries()) {
    const t = performance.now();
    await db.query(sql, p);
    if (i >= WARMUP_BATCHES) times.push(performance.now() - t);
  }
  return summarize(times, BATCH);
}

export interface UsageBenchResult {
  store: string;
  kind: Db['kind'];
  ingest: BatchRun;
  raw: BatchRun;
  /** The same raw insert into usage_record itself (its key, index and reference check). */
  rawReal: BatchRun;
}

async function benchUsage(measuredBatches: number): Promise<UsageBenchResult> {
  const env = await openBenchEnv();
  try {
    console.log(`\nBilling (1)–(3): usage rating — store: ${env.storeLabel}`);
    log(`provisioning ${rate(USAGE_SUBSCRIBERS)} subscribers (${tariffMix.map(([c, s]) => `${c} ${s}%`).join(', ')}; ${usageRegions.length} regions)`);
    const t0 = performance.now();
    const subs = await usageSubscribers(env.core);
    log(`provisioned in ${sec(performance.now() - t0)}; quotas: 1/3 used up, 1/3 nearly, 1/3 fresh; 10% with "everywhere at home"; 2.5% with little money`);

    const total = WARMUP_BATCHES + measuredBatches;
    const at = new Date();
    const batches = Array.from({ length: total }, (_, b) => usageBatch(subs, b, at, 'cdr'));
    const bySub = new Map(subs.map((s) => [s.msisdn, s]));

    log(`(1) ingestUsage: ${WARMUP_BATCHES} warm-up + ${measuredBatches} measured batches of ${rate(BATCH)} records, one caller`);
    const timer = new StatementTimer();
    const core = timedCore(env.core, timer);
    const ctx = systemCtx('bench-usage');
    const times: number[] = [];
    let charged = 0;
    for (const [i, records] of batches.entries()) {
      if (i === WARMUP_BATCHES) timer.reset();
      const t = performance.now();
      const res = await ingestUsage(core, ctx, records);
      const elapsed = performance.now() - t;
      if (res.accepted !== records.length) throw new Error(`batch ${i}: accepted ${res.accepted} of ${records.length}: ${JSON.stringify(res.rejected.slice(0, 3))}`);
      if (i >= WARMUP_BATCHES) {
        times.push(elapsed);
        charged += res.charged;
      }
    }
    const ingest = summarize(times, BATCH);

    const mix = (
      await env.core.db.query<Record<string, number>>(
        `SELECT count(*)::int AS records,
                count(*) FILTER (WHERE kind = 'voice')::int AS voice, count(*) FILTER (WHERE kind = 'sms')::int AS sms,
                count(*) FILTER (WHERE kind = 'data')::int AS data,
                count(*) FILTER (WHERE zone = 'intercity')::int AS intercity, count(*) FILTER (WHERE zone = 'roaming')::int AS roaming,
                count(*) FILTER (WHERE quota_units > 0 AND charged = 0)::int AS quota_only,
                count(*) FILTER (WHERE quota_units > 0 AND charged > 0)::int AS quota_and_money,
                count(*) FILTER (WHERE quota_units = 0 AND charged > 0)::int AS money_only,
                (SELECT count(*)::int FROM subscriber WHERE status = 'blocked') AS blocked
           FROM usage_record`,
      )
    )[0]!;

    log(`(2) raw bulk insert: ${total} statements of ${rate(BATCH)} rows (${WARMUP_BATCHES} warm-up) into bench_usage_raw (LIKE usage_record INCLUDING DEFAULTS INCLUDING IDENTITY)`);
    await env.core.db.query('CREATE TABLE bench_usage_raw (LIKE usage_record INCLUDING DEFAULTS INCLUDING IDENTITY)');
    const raw = await rawInsert(env.core.db, 'bench_usage_raw', batches, bySub, 'raw-');
    log('(diag) the same statements into usage_record itself (its primary key (account, record id), subscriber/time index and reference-check trigger), fresh record ids');
    const rawReal = await rawInsert(env.core.db, 'usage_record', batches, bySub, 'raw-');

    const perBatch = (r: BatchRun) => [rate(r.perSecond), ms(r.p50), ms(r.max)];
    console.log(
      '\n' +
        table(
          ['measurement', 'batches × rows', 'rows per second', 'p50 batch ms', 'max batch ms'],
          [
            ['(1) ingestUsage: rate, write usage, quotas, ledger, points, balance rules, audit — one transaction', `${times.length} × ${rate(BATCH)}`, ...perBatch(ingest)],
            ['(2) raw INSERT … SELECT FROM unnest(…) into bench_usage_raw (no index, no key, no check)', `${times.length} × ${rate(BATCH)}`, ...perBatch(raw)],
            ['(diag) same raw INSERT into usage_record (key, index, reference check)', `${times.length} × ${rate(BATCH)}`, ...perBatch(rawReal)],
          ],
        ),
    );
    const m = mix;
    const n = m.records!;
    console.log(
      `mix of the ${rate(n)} rated records: voice ${pct(m.voice!, n)}, SMS ${pct(m.sms!, n)}, data ${pct(m.data!, n)}; intercity ${pct(m.intercity!, n)}, roaming ${pct(m.roaming!, n)}; ` +
        `quota only ${pct(m.quota_only!, n)}, quota then money ${pct(m.quota_and_money!, n)}, money only ${pct(m.money_only!, n)}; ` +
        `${rate(charged / 100)} ₽ charged in the measured batches; ${m.blocked} subscribers blocked on the way`,
    );
    console.log(`\n(3) ratio: ingestUsage / raw insert = ${ratio(ingest.perSecond / raw.perSecond)} (vs raw into usage_record itself: ${ratio(ingest.perSecond / rawReal.perSecond)})`);
    console.log(`\n(diag) where ingestUsage's time goes, ${times.length} measured batches (${ms(ingest.ms)} ms in all):`);
    console.log(table(timerHeader, timer.rows(ingest.ms)));
    return { store: env.storeLabel, kind: env.core.db.kind, ingest, raw, rawReal };
  } finally {
    await env.close();
  }
}

// ——— (4): the daily-fee run ———

export interface FeeBenchResult {
  subscribers: number;
  runMs: number;
  checksOk: boolean;
}

/**
 * `n` subscribers on the daily tariff, created with a handful of set statements: customers,
 * accounts, subscribers spread over regions in different time zones with the fee due since the
 * local midnight, the default free services, yesterday's tariff quotas, and an opening payment
 * booked through ledger_entry (whose trigger moves the balance). One in fifty cannot pay today's fee.
 */
export async function createFeeSubscribers(db: Db, n: number, now: Date): Promise<{ regions: number; zones: number }> {
  if (n > 9_999_999) throw new Error('BENCH_FEE_SUBSCRIBERS is at most 9,999,999');
  const tariff = await requireTariff(db, 'super_day');
  const defaults = (await listProducts(db)).filter((p) => p.default).map((p) => p.code);
  // One region per time zone, Moscow twice (most numbers live there).
  const regionRows = await db.query<{ code: string; time_zone: string }>('SELECT DISTINCT ON (time_zone) code, time_zone FROM region ORDER BY time_zone, code');
  const regions = [{ code: '77', time_zone: 'Europe/Moscow' }, ...regionRows.filter((r) => r.code !== '77')];
  const activated = new Date(now.getTime() - 40 * 86_400_000);
  const due = regions.map((r) => startOfLocalDay(now, r.time_zone));
  const yesterday = regions.map((r, i) => startOfLocalDay(new Date(due[i]!.getTime() - 1), r.time_zone));
  const tag = 'Fee bench ';

  await db.query(`INSERT INTO customer (kind, name, created_at) SELECT 'person', $1::text || g, $2 FROM generate_series(1, $3::int) g`, [tag, activated, n]);
  await db.query('INSERT INTO account (customer_id, created_at) SELECT id, $2 FROM customer WHERE name LIKE $1 ORDER BY id', [`${tag}%`, activated]);
  await db.query(
    `INSERT INTO subscriber (account_id, customer_id, msisdn, iccid, region_code, tariff_code, tariff_since, tariff_next_charge_at, billing_day, activated_at)
     SELECT a.id, c.id, '7970' || lpad(c.g::text, 7, '0'), '897017970' || lpad(c.g::text, 7, '0'), r.code, $2, $3, r.due, r.day, $3
       FROM (SELECT id, substr(name, length($1::text) + 1)::int AS g FROM customer WHERE name LIKE $1::text || '%') c
       JOIN account a ON a.customer_id = c.id
       JOIN unnest($4::text[], $5::timestamptz[], $6::int[]) WITH ORDINALITY AS r(code, due, day, k) ON r.k = 1 + c.g % $7::int
      ORDER BY a.id`,
    [tag, tariff.code, activated, regions.map((r) => r.code), due.map((d) => d.toISOString()), regions.map((r) => localDayOfMonth(activated, r.time_zone)), regions.length],
  );
  await db.query(
    `INSERT INTO product_instance (account_id, subscriber_id, product_code, status, connected_at, anchor_day)
     SELECT s.account_id, s.id, p.code, 'active', s.activated_at, s.billing_day FROM subscriber s CROSS JOIN unnest($1::text[]) AS p(code)
      WHERE s.tariff_code = $2`,
    [defaults, tariff.code],
  );
  const units: [string, number][] = [['seconds', (tariff.included.minutes ?? 0) * 60], ['sms', tariff.included.sms ?? 0], ['bytes', (tariff.included.dataMb ?? 0) * 1024 * 1024]];
  await db.query(
    `INSERT INTO quota (account_id, subscriber_id, unit, source, period_start, period_end, included, used)
     SELECT s.account_id, s.id, q.unit, 'tariff:' || s.tariff_code, y.start, r.due, q.included, q.included / (1 + s.id % 4)
       FROM subscriber s
       JOIN unnest($1::text[], $2::timestamptz[]) AS r(code, due) ON r.code = s.region_code
       JOIN unnest($1::text[], $3::timestamptz[]) AS y(code, start) ON y.code = s.region_code
      CROSS JOIN unnest($4::text[], $5::bigint[]) AS q(unit, included)
      WHERE s.tariff_code = $6 AND q.included > 0`,
    [regions.map((r) => r.code), due.map((d) => d.toISOString()), yesterday.map((d) => d.toISOString()), units.map((u) => u[0]), units.map((u) => u[1]), tariff.code],
  );
  await db.query(
    `INSERT INTO ledger_entry (account_id, amount, kind, subscriber_id, idempotency_key, category, description, created_at)
     SELECT s.account_id, CASE WHEN s.id % 50 = 0 THEN 1000 ELSE 50000 END, 'payment', s.id, 'opening:' || s.id, 'payment', 'opening balance', $2
       FROM subscriber s WHERE s.tariff_code = $1`,
    [tariff.code, activated],
  );
  // Production tables have planner statistics; a freshly filled one has none until autovacuum runs.
  await db.exec('ANALYZE');
  return { regions: new Set(regions.map((r) => r.code)).size, zones: new Set(regions.map((r) => r.time_zone)).size };
}

interface FeeRun extends FeeBenchResult {
  setupMs: number;
  stats: FeeRunStats;
  batchTimes: number[];
  timer: StatementTimer;
  idleScanMs: number;
  check: { fees: number; mismatched: number; accounts: number; still_due: number; blocked: number };
}

/** Creates `n` due subscribers on a fresh store, times one runRecurringFees run, checks what it booked. */
async function feeRun(n: number, verbose: boolean): Promise<FeeRun> {
  const env = await openBenchEnv();
  try {
    const now = new Date();
    if (verbose) log(`creating ${rate(n)} super_day subscribers with set-based SQL (generate_series), fee due since their local midnight`);
    const t0 = performance.now();
    const spread = await createFeeSubscribers(env.core.db, n, now);
    const setupMs = performance.now() - t0;
    if (verbose) {
      log(`created in ${sec(setupMs)} (${spread.regions} regions in ${spread.zones} time zones; 3 free services, 3 quotas and an opening payment each)`);
      log('(4) one runRecurringFees run, default batch size');
    }
    const timer = new StatementTimer();
    const batchTimes: number[] = [];
    let last = performance.now();
    const t = performance.now();
    const stats = await runRecurringFees(timedCore(env.core, timer), systemCtx('bench-fees'), {
      now,
      onBatch: () => {
        const at = performance.now();
        batchTimes.push(at - last);
        last = at;
      },
    });
    const runMs = performance.now() - t;

    const check = (
      await env.core.db.query<FeeRun['check']>(
        `SELECT (SELECT count(*)::int FROM ledger_entry WHERE kind = 'fee' AND category = 'subscription' AND idempotency_key LIKE 'tariff:%' AND created_at = $1) AS fees,
                (SELECT count(*)::int FROM account a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_entry GROUP BY account_id) e ON e.account_id = a.id
                  WHERE a.balance <> COALESCE(e.total, 0)) AS mismatched,
                (SELECT count(*)::int FROM account) AS accounts,
                (SELECT count(*)::int FROM subscriber WHERE tariff_next_charge_at <= $1) AS still_due,
                (SELECT count(*)::int FROM subscriber WHERE status = 'blocked') AS blocked`,
        [now],
      )
    )[0]!;
    const checksOk = check.fees === n && stats.tariffFees === n && check.mismatched === 0 && check.still_due === 0;

    // Runs with nothing left due: only the due-set query, on the charged tables — the scan alone.
    const idle = new StatementTimer();
    if (verbose) for (let i = 0; i < 5; i++) await runRecurringFees(timedCore(env.core, idle), systemCtx('bench-fees'), { now });
    const idleScanMs = idle.msOf(dueQuery) / Math.max(1, idle.callsOf(dueQuery));
    return { subscribers: n, runMs, checksOk, setupMs, stats, batchTimes, timer, idleScanMs, check };
  } finally {
    await env.close();
  }
}

const dueQuery = /^WITH due AS \( SELECT account_id FROM \( \(SELECT account_id FROM subscriber WHERE account_id > \$3 AND tariff_next_charge_at/;

export interface FeeExtrapolation {
  linearMs: number;
  /** From T(n) = a·n + b·n² through the two runs; b ≥ 0. */
  fittedMs: number;
}

/** Extrapolates to FEE_TARGET_SUBSCRIBERS: linearly from the big run, and through both runs allowing a quadratic term. */
export function extrapolate(small: { n: number; ms: number }, big: { n: number; ms: number }): FeeExtrapolation {
  const target = FEE_TARGET_SUBSCRIBERS;
  const linearMs = (big.ms * target) / big.n;
  const b = Math.max(0, (big.ms / big.n - small.ms / small.n) / (big.n - small.n));
  const a = big.ms / big.n - b * big.n;
  return { linearMs, fittedMs: a * target + b * target * target };
}

async function benchFees(n: number): Promise<FeeBenchResult & FeeExtrapolation> {
  const smallN = Math.max(1000, Math.round(n / 4));
  console.log(`\nBilling (4): daily-fee run — store: ${process.env.DATABASE_URL ? 'PostgreSQL, a schema of its own per run' : 'PGlite in memory, in-process, a fresh one per run'}`);
  log(`(4, for the fit) the same at ${rate(smallN)} subscribers first, on a store of its own`);
  const small = await feeRun(smallN, false);
  log(`${rate(smallN)} subscribers: ${sec(small.runMs)} (${rate(smallN / (small.runMs / 1000))} fees/s), checks ${small.checksOk ? 'OK' : 'FAILED'}`);
  const big = await feeRun(n, true);
  const { timer, batchTimes, check, stats, runMs } = big;

  const scanMs = timer.msOf(dueQuery);
  const scanCalls = timer.callsOf(dueQuery);
  const tenth = Math.max(1, Math.floor(batchTimes.length / 10));
  const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
  console.log(
    '\n' +
      table(
        ['(4) daily-fee run', 'value'],
        [
          ['subscribers on super_day, fee due', rate(n)],
          ['setup with set-based SQL (not part of the run)', sec(big.setupMs)],
          [`one runRecurringFees run (default batchSize ${rate(FEE_BATCH_SIZE)})`, `${sec(runMs)} in ${batchTimes.length} batches`],
          ['tariff fees booked per second', rate(stats.tariffFees / (runMs / 1000))],
          ['batch time, first tenth → last tenth of the run', `${ms(avg(batchTimes.slice(0, tenth)))} → ${ms(avg(batchTimes.slice(-tenth)))} ms`],
          ['  of which the due-set query and its lock (walks subscriber, product_instance)', `${sec(scanMs)} (${pct(scanMs, runMs)}), ${ms(scanMs / Math.max(1, scanCalls))} ms per call`],
          ['  the same query once nothing is due (the scan alone)', `${ms(big.idleScanMs)} ms per call`],
          [`the same run at ${rate(smallN)} subscribers (for the fit below)`, `${sec(small.runMs)} (${rate(smallN / (small.runMs / 1000))} fees/s)`],
        ],
      ),
  );
  const checksOk = big.checksOk && small.checksOk;
  console.log(
    `check (one SQL): ${rate(check.fees)} tariff fees booked at the run's time (run says ${rate(stats.tariffFees)}, expected ${rate(n)}); ` +
      `${check.mismatched} of ${rate(check.accounts)} accounts with balance ≠ sum of entries; ${check.still_due} still due; ` +
      `${rate(check.blocked)} blocked for want of money — ${big.checksOk ? 'OK' : 'FAILED'}`,
  );
  console.log(`\n(diag) where runRecurringFees' time goes (${ms(runMs)} ms in all):`);
  console.log(table(timerHeader, timer.rows(runMs)));
  const x = extrapolate({ n: smallN, ms: small.runMs }, { n, ms: runMs });
  if (n >= FEE_TARGET_SUBSCRIBERS) console.log(`\nMEASURED, not extrapolated — one run over ${rate(n)} subscribers: ${sec(runMs)}`);
  else console.log(
    `\nEXTRAPOLATED, not measured — ${rate(FEE_TARGET_SUBSCRIBERS)} subscribers:` +
      `\n  linear from the ${rate(n)} run (×${(FEE_TARGET_SUBSCRIBERS / n).toFixed(1)}): ${sec(x.linearMs)}` +
      `\n  through both runs, T(n) = a·n + b·n² (statements that scan whole tables once per batch grow with n²): ${sec(x.fittedMs)}`,
  );
  if (!checksOk) process.exitCode = 1;
  return { subscribers: n, runMs, checksOk, ...x };
}

export async function runBillingBench(): Promise<void> {
  const measuredBatches = positiveInt('BENCH_USAGE_BATCHES', 30, 20);
  const feeSubscribers = positiveInt('BENCH_FEE_SUBSCRIBERS', 100_000);
  const usage = await benchUsage(measuredBatches);
  const fees = await benchFees(feeSubscribers);

  const share = usage.ingest.perSecond / usage.raw.perSecond;
  const onPglite = usage.kind === 'pglite';
  console.log(`\nBilling targets (${usage.store}):`);
  console.log(
    table(
      ['target', 'measured', 'verdict'],
      [
        [
          `usage rating ≥ ${rate(INGEST_TARGET)} records/s on PGlite`,
          `${rate(usage.ingest.perSecond)} records/s`,
          onPglite ? verdict(usage.ingest.perSecond >= INGEST_TARGET) : 'n/a (target is for PGlite)',
        ],
        [`usage rating ≥ ${RAW_SHARE_TARGET}× raw bulk insert (into a copy without key or index)`, `${rate(usage.ingest.perSecond)} vs ${rate(usage.raw.perSecond)} rows/s (${ratio(share)})`, verdict(share >= RAW_SHARE_TARGET)],
        [
          `  the same ratio against the raw insert into usage_record itself (its key and index)`,
          `${rate(usage.ingest.perSecond)} vs ${rate(usage.rawReal.perSecond)} rows/s (${ratio(usage.ingest.perSecond / usage.rawReal.perSecond)})`,
          `${verdict(usage.ingest.perSecond / usage.rawReal.perSecond >= RAW_SHARE_TARGET)} (for information: the target is the line above)`,
        ],
        ...(fees.subscribers >= FEE_TARGET_SUBSCRIBERS
          ? [[`daily fees for ${rate(fees.subscribers)} subscribers < 2 min — MEASURED`, sec(fees.runMs), verdict(fees.runMs < FEE_TARGET_SECONDS * 1000)]]
          : [
              [
                `daily fees for ${rate(FEE_TARGET_SUBSCRIBERS)} subscribers < 2 min — EXTRAPOLATED linearly from ${rate(fees.subscribers)}`,
                `${sec(fees.linearMs)} (measured ${sec(fees.runMs)})`,
                `${verdict(fees.linearMs < FEE_TARGET_SECONDS * 1000)} (extrapolated)`,
              ],
              [
                `same, EXTRAPOLATED through two runs with an n² term (a·n + b·n²)`,
                sec(fees.fittedMs),
                `${verdict(fees.fittedMs < FEE_TARGET_SECONDS * 1000)} (extrapolated)`,
              ],
            ]),
        [`fee run books exactly one fee per subscriber, balances = sum of entries`, fees.checksOk ? 'yes' : 'no', fees.checksOk ? 'OK' : 'FAILED'],
      ],
    ),
  );
}
