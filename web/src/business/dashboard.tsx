import { useMemo, useState } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dayLabel, money, monthLabel, monthShort, percent, phoneNumber } from '../format.ts';
import { businessMonthNow } from './month.ts';
import { ErrorBox, Field, Loading, Page, Section, useLoad } from '../ui.tsx';
import { BarChart } from './chart.tsx';
import { monthName, useBiz } from './context.ts';
import { regionLabel, useRegions } from './regions.ts';
import type { Dashboard as D } from './types.ts';

type Metric = 'minutes' | 'sms' | 'gb';

/** Amount with the previous period beside it, and a bar relative to the largest of the list. */
function Bars({ rows, max }: { rows: { key: string; label: string; amount: number; previous?: number }[]; max: number }) {
  const { lang } = useApp();
  const { bt } = useBiz();
  return (
    <ul className="bars biz-bars">
      {rows.map((r) => (
        <li key={r.key}>
          <span>{r.label}</span>
          <span className="bar" aria-hidden="true">
            <span style={{ width: `${max > 0 ? Math.round((r.amount / max) * 100) : 0}%` }} />
          </span>
          <span>
            <span className="strong">{money(r.amount, lang)}</span>
            {r.previous !== undefined ? <span className="muted"> ({bt('bizWas', { v: money(r.previous, lang) })})</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

export default function Dashboard() {
  const { lang } = useApp();
  const { bt, me } = useBiz();
  const [month, setMonth] = useState(businessMonthNow());
  const [region, setRegion] = useState('');
  const [dept, setDept] = useState('');
  const [metric, setMetric] = useState<Metric>('minutes');
  const regions = useRegions();
  const q = new URLSearchParams();
  if (/^\d{4}-\d{2}$/.test(month)) q.set('month', month);
  if (region) q.set('region', region);
  if (dept) q.set('departmentId', dept);
  const qs = q.toString();
  const d = useLoad(() => api<D>(`business/analytics?${qs}`), [qs]);
  const data = d.data;
  // Months as «нояб. 2026»; where six of those do not fit (a phone), the year only on the first
  // month and on January.
  const monthsChart = useMemo(
    () =>
      data
        ? {
            ys: data.byMonth.map((m) => m.amount / 100),
            labels: data.byMonth.map((m) => monthLabel(m.month, lang)),
            compact: data.byMonth.map((m, i) => (i === 0 || m.month.endsWith('-01') ? monthLabel(m.month, lang) : monthShort(m.month, lang))),
          }
        : null,
    [data, lang],
  );
  const trafficChart = useMemo(() => (data ? { ys: data.trafficByDay.map((t) => t[metric]), labels: data.trafficByDay.map((t) => dayLabel(t.date, lang)) } : null), [data, metric, lang]);
  const metricLabel = bt(metric === 'minutes' ? 'bizMinutes' : metric === 'sms' ? 'bizSms' : 'bizGb');
  const maxOf = (xs: { amount: number; previous: number }[]) => Math.max(0, ...xs.map((x) => Math.max(x.amount, x.previous)));

  return (
    <Page title={bt('bizDashboard')}>
      <form className="card filters" onSubmit={(e) => e.preventDefault()} aria-label={bt('bizDashboard')}>
        <Field label={bt('bizMonth')}>{(id) => <input id={id} type="month" value={month} onChange={(e) => setMonth(e.target.value)} />}</Field>
        <Field label={bt('bizRegion')}>
          {(id) => (
            <select id={id} value={region} onChange={(e) => setRegion(e.target.value)}>
              <option value="">{bt('bizAll')}</option>
              {me.regions.map((r) => (
                <option key={r.code} value={r.code}>
                  {regionLabel(r.code, regions, lang)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={bt('bizDepartment')}>
          {(id) => (
            <select id={id} value={dept} onChange={(e) => setDept(e.target.value)}>
              <option value="">{bt('bizAll')}</option>
              {me.departments.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      <ErrorBox error={d.error} onRetry={() => void d.reload()} />
      {!data ? (
        d.error ? null : <Loading />
      ) : (
        <>
          <section className="card biz-kpis" aria-label={bt('bizTotal')}>
            <div>
              <p className="muted">
                {bt('bizTotal')}: {monthName(data.month, lang)}
              </p>
              <p className="big" data-testid="biz-total">
                {money(data.total, lang)}
              </p>
            </div>
            <div>
              <p className="muted">
                {bt('bizPrevious')}: {monthName(data.previousMonth, lang)}
              </p>
              <p className="strong">{money(data.previousTotal, lang)}</p>
            </div>
            <div>
              <p className="muted">{bt('bizChange')}</p>
              <p className="strong" data-testid="biz-change">
                {data.change.amount > 0 ? '+' : ''}
                {money(data.change.amount, lang)}
                {data.change.percent !== null ? ` (${percent(data.change.percent, lang)})` : ''}
              </p>
            </div>
            <div>
              <p className="muted">{bt('bizNumbersCount')}</p>
              <p className="strong">{data.numbers}</p>
            </div>
          </section>
          <Section title={bt('bizByMonth')}>
            {monthsChart && <BarChart ys={monthsChart.ys} labels={monthsChart.labels} compactLabels={monthsChart.compact} label={bt('bizByMonth')} testId="chart-months" />}
            <Bars rows={data.byMonth.filter((m) => m.amount > 0).map((m) => ({ key: m.month, label: monthName(m.month, lang), amount: m.amount }))} max={maxOf(data.byMonth.map((m) => ({ amount: m.amount, previous: 0 })))} />
          </Section>
          <Section title={bt('bizTraffic')}>
            <div className="tabs" role="group" aria-label={bt('bizTraffic')}>
              {(['minutes', 'sms', 'gb'] as const).map((m) => (
                <button key={m} type="button" aria-pressed={metric === m} onClick={() => setMetric(m)}>
                  {bt(m === 'minutes' ? 'bizMinutes' : m === 'sms' ? 'bizSms' : 'bizGb')}
                </button>
              ))}
            </div>
            {data.trafficByDay.every((d) => d[metric] === 0) ? (
              <p className="muted" data-testid="biz-no-traffic">
                {bt('bizNoTraffic')}
              </p>
            ) : (
              trafficChart && <BarChart ys={trafficChart.ys} labels={trafficChart.labels} label={`${bt('bizTraffic')}: ${metricLabel}`} testId="chart-traffic" />
            )}
          </Section>
          <Section title={bt('bizByCategory')}>
            {data.byCategory.length === 0 ? <p className="muted">{bt('bizNoData')}</p> : null}
            <Bars rows={data.byCategory.map((c) => ({ key: c.category, label: bt(`cat_${c.category}`), amount: c.amount, previous: c.previous }))} max={maxOf(data.byCategory)} />
          </Section>
          <Section title={bt('bizByRegion')}>
            <Bars rows={data.byRegion.map((r) => ({ key: r.regionCode, label: r.regionName || r.regionCode, amount: r.amount, previous: r.previous }))} max={maxOf(data.byRegion)} />
          </Section>
          <Section title={bt('bizByDepartment')}>
            <Bars rows={data.byDepartment.map((r) => ({ key: String(r.departmentId), label: r.departmentName ?? bt('bizNoDepartment'), amount: r.amount, previous: r.previous }))} max={maxOf(data.byDepartment)} />
          </Section>
          <Section title={bt('bizTop')}>
            {data.topSpenders.length === 0 ? <p className="muted">{bt('bizNoData')}</p> : null}
            <ol className="list" data-testid="top-spenders">
              {data.topSpenders.map((s) => (
                <li key={s.msisdn} className="item">
                  <div>
                    <p className="strong">{phoneNumber(s.msisdn)}</p>
                    <p className="muted">{[s.employeeName, s.departmentName].filter(Boolean).join(' · ')}</p>
                  </div>
                  <p>
                    <span className="strong">{money(s.amount, lang)}</span> <span className="muted">({bt('bizWas', { v: money(s.previous, lang) })})</span>
                  </p>
                </li>
              ))}
            </ol>
          </Section>
          <Section title={bt('bizPayments')}>
            <p className="big">{money(data.payments.total, lang)}</p>
            <p className="muted">
              {bt('bizPaymentsCount', { n: data.payments.count })} · {bt('bizWas', { v: money(data.payments.previousTotal, lang) })}
            </p>
          </Section>
        </>
      )}
    </Page>
  );
}
