import { DateTime } from 'luxon';
import type { Queryable } from '../../store/db.ts';
import type { Core } from '../core.ts';
import type { Ctx, Lang } from '../shared/context.ts';
import { requireBusinessAdmin, scopeOf } from './access.ts';
import { BUSINESS_ZONE, localSql, monthOf, parseMonth, previousMonth, SPENDING_ENTRY, type Month } from './period.ts';
import { USAGE_WITH_SUMMARIES } from '../reports/usage-history.ts';

export const CATEGORIES = ['subscription', 'calls', 'sms', 'internet', 'content', 'roaming', 'one_off', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Dashboard {
  month: string;
  previousMonth: string;
  currency: 'RUB';
  numbers: number;
  total: number;
  previousTotal: number;
  /** total − previousTotal, and the change in percent of the previous total (null when it was 0). */
  change: { amount: number; percent: number | null };
  byMonth: { month: string; amount: number }[];
  byCategory: { category: Category; amount: number; previous: number }[];
  byRegion: { regionCode: string; regionName: string; amount: number; previous: number; numbers: number }[];
  byDepartment: { departmentId: number | null; departmentName: string | null; amount: number; previous: number; numbers: number }[];
  topSpenders: { msisdn: string; employeeName: string | null; departmentName: string | null; amount: number; previous: number }[];
  trafficByDay: { date: string; minutes: number; sms: number; gb: number; charged: number }[];
  payments: { total: number; count: number; previousTotal: number; byDay: { date: string; amount: number }[] };
}

export interface DashboardFilter {
  region?: string;
  departmentId?: number;
}

/** The selection of numbers: an admin's reach, or a whole customer (the monthly report), narrowed by the filter. */
export interface Selection {
  where: string;
  params: unknown[];
}

function narrow(sel: Selection, f: DashboardFilter): Selection {
  const params = [...sel.params];
  let where = sel.where;
  if (f.region) {
    params.push(f.region);
    where += ` AND s.region_code = $${params.length}`;
  }
  if (f.departmentId !== undefined) {
    params.push(f.departmentId);
    where += ` AND s.department_id = $${params.length}`;
  }
  return { where, params };
}

/** `$n` placeholders of a selection moved up by `by`, so the selection can follow other parameters. */
function shift(sel: Selection, by: number): Selection {
  return { where: sel.where.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + by}`), params: sel.params };
}

/** A day either side: every Russian zone's month starts within it of Moscow's (UTC+2 … UTC+12). */
const SLACK = 24 * 3600_000;
const widen = (from: Date, to: Date): [Date, Date] => [new Date(from.getTime() - SLACK), new Date(to.getTime() + SLACK)];

/**
 * The selected numbers (alias `s`) with their own month's bounds: `$1` names the month (`YYYY-MM`),
 * and each number's months begin at midnight on the 1st in its region's time zone (`tz`).
 */
function numbersWithMonths(where: string): string {
  const at = (months: number) => localSql.namedStart('$1', 'r.time_zone', months);
  return `SELECT s.id, s.account_id, s.region_code, s.department_id, s.msisdn, s.employee_name, r.time_zone AS tz,
                 ${at(-5)} AS t_start, ${at(-1)} AS p_start, ${at(0)} AS m_start, ${at(1)} AS m_end
            FROM subscriber s JOIN region r ON r.code = s.region_code WHERE ${where}`;
}

/**
 * Expenses and traffic of a selection of numbers for a month beside the month before, each number's
 * months and days cut in its own region's time zone (a charge at 23:30 Moscow time on the 31st is
 * the next month in Vladivostok): SQL aggregates over the ledger and usage records, a handful of
 * statements whatever the number count. Spending is every charge (not payments, promised credit or
 * bonus moves).
 */
export async function computeDashboard(q: Queryable, base: Selection, month: Month, lang: Lang, f: DashboardFilter = {}, topN = 10): Promise<Dashboard> {
  const prev = previousMonth(month);
  const trendStart = DateTime.fromJSDate(month.start, { zone: BUSINESS_ZONE }).minus({ months: 5 }).toJSDate();
  const sel = shift(narrow(base, f), 3);
  const subs = numbersWithMonths(sel.where);
  // $1: the month; $2, $3: a constant outer window (the index's range) around the numbers' own bounds.
  const p = (from: Date, to: Date) => [month.month, ...widen(from, to), ...sel.params];

  // One scan of both months' ledger entries (charges and payments), grouped by category, region,
  // department, number and payment day, each split into this month and the month before.
  // The per-number bounds are read in the select list, not the join: the planner then counts the
  // rows of the constant window right and aggregates them in memory.
  const grouped = await q.query<{ g: number; cat: string | null; region_code: string | null; department_id: number | null; sid: number | null; payday: string | null; cur: boolean | null; amount: number | null; paid: number | null; payments: number }>(
    `WITH subs AS MATERIALIZED (${subs}),
          ch AS (SELECT s.id AS sid, s.region_code, s.department_id, COALESCE(l.category, 'other') AS cat, l.amount,
                        -- this month (true), the month before (false), or outside both where the number lives (null: left out)
                        CASE WHEN l.created_at >= s.p_start AND l.created_at < s.m_end THEN l.created_at >= s.m_start END AS cur,
                        ${SPENDING_ENTRY} AS spending, (l.kind = 'payment' AND l.amount > 0) AS payment,
                        CASE WHEN l.kind = 'payment' AND l.amount > 0 AND l.created_at >= s.m_start AND l.created_at < s.m_end THEN ${localSql.day('l.created_at', 's.tz')} END AS payday
                   FROM subs s JOIN ledger_entry l ON l.account_id = s.account_id
                  WHERE l.created_at >= $2 AND l.created_at < $3 AND (${SPENDING_ENTRY} OR (l.kind = 'payment' AND l.amount > 0)))
     SELECT GROUPING(cat, region_code, department_id, sid, payday)::int AS g, cat, region_code, department_id, sid, payday, cur,
            SUM(-amount) FILTER (WHERE spending)::bigint AS amount, SUM(amount) FILTER (WHERE payment)::bigint AS paid,
            (count(*) FILTER (WHERE payment))::int AS payments
       FROM ch GROUP BY GROUPING SETS ((cur, cat), (cur, region_code), (cur, department_id), (cur, sid), (cur, payday))`,
    p(prev.start, month.end),
  );
  // The four months before those two: totals only, by each number's own month.
  const older = await q.query<{ m: string; amount: number }>(
    `WITH subs AS MATERIALIZED (${subs})
     SELECT ${localSql.month('l.created_at', 's.tz')} AS m, SUM(-l.amount)::bigint AS amount
       FROM subs s JOIN ledger_entry l ON l.account_id = s.account_id
      WHERE l.created_at >= $2 AND l.created_at < $3 AND ${SPENDING_ENTRY}
      GROUP BY 1`,
    p(trendStart, prev.start),
  );
  const traffic = await q.query<{ d: string; seconds: number; sms: number; bytes: number; charged: number }>(
    `WITH subs AS MATERIALIZED (${subs})
     SELECT ${localSql.day('u.started_at', 's.tz')} AS d,
            COALESCE(SUM(u.duration_seconds) FILTER (WHERE u.kind = 'voice'), 0)::bigint AS seconds,
            COALESCE(SUM(u.records) FILTER (WHERE u.kind IN ('sms', 'mms')), 0)::bigint AS sms,
            COALESCE(SUM(u.bytes) FILTER (WHERE u.kind = 'data'), 0)::bigint AS bytes,
            COALESCE(SUM(u.charged), 0)::bigint AS charged
       FROM subs s JOIN ${USAGE_WITH_SUMMARIES} u ON u.account_id = s.account_id AND u.subscriber_id = s.id
      WHERE u.started_at >= $2 AND u.started_at < $3
      GROUP BY 1 ORDER BY 1`,
    p(month.start, month.end),
  );
  const numbers = await q.query<{ region_code: string; department_id: number | null; n: number }>(
    `SELECT s.region_code, s.department_id, count(*)::int AS n FROM subscriber s WHERE ${sel.where.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) - 3}`)} GROUP BY 1, 2`,
    sel.params,
  );
  const regionNames = new Map(
    (await q.query<{ code: string; name_ru: string; name_en: string }>('SELECT code, name_ru, name_en FROM region')).map((r) => [r.code, lang === 'en' ? r.name_en : r.name_ru]),
  );

  // GROUPING bits, left to right: cat, region_code, department_id, sid, payday (1 = not grouped by it).
  const G = { cat: 0b01111, region: 0b10111, dept: 0b11011, sid: 0b11101, payday: 0b11110 };
  const pair = () => ({ cur: 0, prev: 0 });
  const add = <K>(m: Map<K, { cur: number; prev: number }>, k: K, cur: boolean, amount: number) => {
    const v = m.get(k) ?? pair();
    if (cur) v.cur += amount;
    else v.prev += amount;
    m.set(k, v);
  };
  const cats = new Map<string, { cur: number; prev: number }>();
  const regions = new Map<string, { cur: number; prev: number }>();
  const depts = new Map<number | null, { cur: number; prev: number }>();
  const bySid = new Map<number, { cur: number; prev: number }>();
  const paymentDays: { date: string; amount: number }[] = [];
  const paid = { cur: 0, prev: 0, count: 0 };
  for (const r of grouped) {
    if (r.cur === null) continue; // outside the two months where the number lives
    if (r.g === G.payday) {
      if (r.paid === null) continue;
      if (r.cur) {
        paid.cur += Number(r.paid);
        paid.count += r.payments;
        paymentDays.push({ date: r.payday!, amount: Number(r.paid) });
      } else paid.prev += Number(r.paid);
      continue;
    }
    if (r.amount === null) continue; // only payments in this group
    const a = Number(r.amount);
    if (r.g === G.cat) add(cats, (CATEGORIES as readonly string[]).includes(r.cat!) ? r.cat! : 'other', r.cur, a);
    else if (r.g === G.region) add(regions, r.region_code!, r.cur, a);
    else if (r.g === G.dept) add(depts, r.department_id === null ? null : Number(r.department_id), r.cur, a);
    else if (r.g === G.sid) add(bySid, Number(r.sid), r.cur, a);
  }
  const total = [...cats.values()].reduce((s, v) => s + v.cur, 0);
  const previousTotal = [...cats.values()].reduce((s, v) => s + v.prev, 0);

  const top = [...bySid].filter(([, v]) => v.cur > 0).sort((a, b) => b[1].cur - a[1].cur || a[0] - b[0]).slice(0, topN);
  const topRows = top.length
    ? await q.query<{ id: number; msisdn: string; employee_name: string | null; department: string | null }>(
        'SELECT s.id, s.msisdn, s.employee_name, d.name AS department FROM subscriber s LEFT JOIN department d ON d.id = s.department_id WHERE s.id = ANY($1::bigint[])',
        [top.map(([id]) => id)],
      )
    : [];
  const deptIds = [...new Set(numbers.map((n) => n.department_id).filter((d): d is number => d !== null).map(Number))];
  const deptNames = new Map(
    deptIds.length ? (await q.query<{ id: number; name: string }>('SELECT id, name FROM department WHERE id = ANY($1::bigint[])', [deptIds])).map((d) => [Number(d.id), d.name]) : [],
  );
  const count = (pred: (n: (typeof numbers)[number]) => boolean) => numbers.filter(pred).reduce((s, n) => s + n.n, 0);

  const months: string[] = [];
  for (let i = 5; i >= 0; i--) months.push(DateTime.fromJSDate(month.start, { zone: BUSINESS_ZONE }).minus({ months: i }).toFormat('yyyy-MM'));
  const trendBy = new Map<string, number>([
    [prev.month, previousTotal],
    [month.month, total],
  ]);
  for (const o of older) if (months.slice(0, 4).includes(o.m)) trendBy.set(o.m, Number(o.amount));
  return {
    month: month.month,
    previousMonth: prev.month,
    currency: 'RUB',
    numbers: count(() => true),
    total,
    previousTotal,
    change: { amount: total - previousTotal, percent: previousTotal === 0 ? null : Math.round((1000 * (total - previousTotal)) / previousTotal) / 10 },
    byMonth: months.map((m) => ({ month: m, amount: trendBy.get(m) ?? 0 })),
    byCategory: CATEGORIES.map((c) => ({ category: c, amount: cats.get(c)?.cur ?? 0, previous: cats.get(c)?.prev ?? 0 })),
    byRegion: [...new Set([...numbers.map((n) => n.region_code), ...regions.keys()])]
      .map((code) => ({ regionCode: code, regionName: regionNames.get(code) ?? code, amount: regions.get(code)?.cur ?? 0, previous: regions.get(code)?.prev ?? 0, numbers: count((n) => n.region_code === code) }))
      .sort((a, b) => b.amount - a.amount || a.regionCode.localeCompare(b.regionCode)),
    byDepartment: [...new Set([...numbers.map((n) => (n.department_id === null ? null : Number(n.department_id))), ...depts.keys()])]
      .map((id) => ({
        departmentId: id,
        departmentName: id === null ? null : (deptNames.get(id) ?? null),
        amount: depts.get(id)?.cur ?? 0,
        previous: depts.get(id)?.prev ?? 0,
        numbers: count((n) => (n.department_id === null ? null : Number(n.department_id)) === id),
      }))
      .sort((a, b) => b.amount - a.amount || (a.departmentId ?? 0) - (b.departmentId ?? 0)),
    topSpenders: top.map(([id, v]) => {
      const r = topRows.find((x) => Number(x.id) === id);
      return { msisdn: r?.msisdn ?? '', employeeName: r?.employee_name ?? null, departmentName: r?.department ?? null, amount: v.cur, previous: v.prev };
    }),
    trafficByDay: traffic.filter((t) => t.d.startsWith(`${month.month}-`)).map((t) => ({
      date: t.d,
      minutes: Math.round((Number(t.seconds) / 60) * 10) / 10,
      sms: Number(t.sms),
      gb: Math.round((Number(t.bytes) / 1024 ** 3) * 1000) / 1000,
      charged: Number(t.charged),
    })),
    payments: { total: paid.cur, count: paid.count, previousTotal: paid.prev, byDay: paymentDays.sort((a, b) => a.date.localeCompare(b.date)) },
  };
}

/** The analytics dashboard of the numbers in the admin's reach (a department manager: their department). */
export async function getDashboard(core: Core, ctx: Ctx, input: { month?: string } & DashboardFilter): Promise<Dashboard> {
  const admin = requireBusinessAdmin(ctx, 'money');
  const month = input.month ? parseMonth(input.month) : monthOf(core.clock.now());
  const scope = scopeOf(admin);
  return computeDashboard(core.db, scope, month, ctx.lang, { region: input.region, departmentId: input.departmentId });
}

/** Every number's spend of the month, in its own local month (for exports): number, employee, department, region, amount, previous. */
export async function spendByNumber(q: Queryable, base: Selection, month: Month, f: DashboardFilter = {}): Promise<{ msisdn: string; employeeName: string | null; department: string | null; regionCode: string; amount: number; previous: number }[]> {
  const prev = previousMonth(month);
  const sel = shift(narrow(base, f), 3);
  const rows = await q.query<{ msisdn: string; employee_name: string | null; department: string | null; region_code: string; cur: number; prev: number }>(
    `WITH subs AS MATERIALIZED (${numbersWithMonths(sel.where)})
     SELECT s.msisdn, s.employee_name, d.name AS department, s.region_code,
            COALESCE(SUM(-l.amount) FILTER (WHERE l.created_at >= s.m_start AND l.created_at < s.m_end), 0)::bigint AS cur,
            COALESCE(SUM(-l.amount) FILTER (WHERE l.created_at >= s.p_start AND l.created_at < s.m_start), 0)::bigint AS prev
       FROM subs s LEFT JOIN department d ON d.id = s.department_id
       LEFT JOIN ledger_entry l ON l.account_id = s.account_id AND l.created_at >= $2 AND l.created_at < $3 AND ${SPENDING_ENTRY}
      GROUP BY s.id, s.msisdn, s.employee_name, d.name, s.region_code ORDER BY cur DESC, s.msisdn`,
    [month.month, ...widen(prev.start, month.end), ...sel.params],
  );
  return rows.map((r) => ({ msisdn: r.msisdn, employeeName: r.employee_name, department: r.department, regionCode: r.region_code, amount: Number(r.cur), previous: Number(r.prev) }));
}
