import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { BarChart } from '../business/chart.tsx';
import { dateTime, dayLabel, isoDay, money, phoneNumber, volume } from '../format.ts';
import type { Key, Lang } from '../i18n.ts';
import type { Report, TrafficDay as Day, TrafficSeries, UsageItem, UsageList } from '../api-shapes.ts';
import { ShowMore, useCursorList } from '../paging.tsx';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';

type Metric = 'money' | 'voice' | 'sms' | 'data';
type KindFilter = '' | 'voice' | 'sms' | 'data';

const amountOf = (u: UsageItem, lang: Lang): string =>
  u.kind === 'voice' ? `${Math.floor((u.durationSeconds ?? 0) / 60)}:${String((u.durationSeconds ?? 0) % 60).padStart(2, '0')}` : u.kind === 'data' ? volume(u.bytes ?? 0, lang) : String(u.billedUnits);

/** The usage list record by record, newest first, of one kind or all, with "show more" pages. */
function UsageRecords({ m, span }: { m: string; span: number }) {
  const { t, lang } = useApp();
  const [kind, setKind] = useState<KindFilter>('');
  // The last `span` days of the number's region, counted by the server: a phone abroad has a
  // calendar a day ahead or behind the region's.
  const list = useCursorList<UsageItem, UsageList>(
    (cursor) => `subscribers/${m}/usage?days=${span}&limit=20${kind ? `&kind=${kind}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    [m, span, kind],
  );
  const first = list.first;
  const items = list.items;
  return (
    <Section title={t('usageRecords')}>
      <div className="filters">
        <Field label={t('filterType')}>
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.target.value as KindFilter)} data-testid="usage-kind">
              <option value="">{t('allKinds')}</option>
              {(['voice', 'sms', 'data'] as const).map((k) => (
                <option key={k} value={k}>
                  {t(`k_${k}` as Key)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {first.error ? (
        <ErrorBox error={first.error} />
      ) : !first.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{t('noUsage')}</p>
      ) : (
        <ul className="list" data-testid="usage-records">
          {items.map((u) => (
            <li key={u.id} className="item" data-kind={u.kind}>
              <div>
                <p className="strong">
                  {t(`k_${u.kind}` as Key)} · {amountOf(u, lang)}
                  {u.counterpart ? ` · ${phoneNumber(u.counterpart)}` : ''}
                </p>
                <p className="muted">
                  {dateTime(u.startedAt, lang)} · {t(`z_${u.zone}` as Key)}
                  {u.quotaUnits > 0 ? ` · ${t('byAllowance')}` : ''}
                </p>
                {u.refused && <p className="warn">{t(`refused_${u.refused}` as Key)}</p>}
              </div>
              <p className="strong">{money(u.charged, lang)}</p>
            </li>
          ))}
        </ul>
      )}
      <ShowMore list={list} />
    </Section>
  );
}
const value = (d: Day, k: Metric): number => (k === 'money' ? d.charged / 100 : k === 'voice' ? Math.round(d.voiceSeconds / 60) : k === 'sms' ? d.sms + d.mms : Math.round(d.bytes / 1024 ** 2));

export default function Detail() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const [metric, setMetric] = useState<Metric>('money');
  const [span, setSpan] = useState(30);
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getFullYear(), today.getMonth(), 1)));
  const [to, setTo] = useState(isoDay(today));
  const [format, setFormat] = useState<'csv' | 'pdf'>('csv');
  const traffic = useLoad(() => api<TrafficSeries>(`subscribers/${m}/traffic?days=${span}`), [m, span]);
  // The report form starts at the month of the region's today, which the series ends on (the
  // device's own date may be a day off), until the subscriber picks dates.
  const [picked, setPicked] = useState(false);
  const regionToday = traffic.data?.to;
  useEffect(() => {
    if (!regionToday || picked) return;
    setFrom(`${regionToday.slice(0, 8)}01`);
    setTo(regionToday);
  }, [regionToday, picked]);
  const pick = (set: (v: string) => void, value: string) => {
    setPicked(true);
    set(value);
  };
  const reportList = useCursorList<Report>((cursor) => `subscribers/${m}/reports?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, [m]);
  const reports = reportList.first;
  const act = useAction();
  const pending = reportList.items.some((r) => r.status === 'queued');
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void reports.reload(), 2000);
    return () => clearInterval(timer);
  }, [pending, reports.reload]);

  const order = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api(`subscribers/${m}/reports`, { method: 'POST', body: { from, to, format, language: lang } });
      await reports.reload();
    }, t('done'));
  };
  const metricLabel = t(`t_${metric}` as Key);
  const days = traffic.data?.days;
  const chart = useMemo(() => ({ ys: (days ?? []).map((d) => value(d, metric)), labels: (days ?? []).map((d) => dayLabel(d.date, lang)) }), [days, metric, lang]);
  return (
    <Page title={t('navDetail')}>
      <Section title={t('trafficByDay')}>
        <div className="filters">
          <Field label={t('filterType')}>
            {(id) => (
              <select id={id} value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
                {(['money', 'voice', 'sms', 'data'] as const).map((k) => (
                  <option key={k} value={k}>
                    {t(`t_${k}` as Key)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('period')}>
            {(id) => (
              <select id={id} value={span} onChange={(e) => setSpan(Number(e.target.value))}>
                <option value={7}>{t('days7')}</option>
                <option value={30}>{t('days30')}</option>
              </select>
            )}
          </Field>
        </div>
        {traffic.error ? <ErrorBox error={traffic.error} /> : !traffic.data ? <Loading /> : <BarChart ys={chart.ys} labels={chart.labels} label={`${t('trafficByDay')}: ${metricLabel}`} height={220} testId="chart-traffic" />}
        {traffic.data && (
          <div className="table-wrap" tabIndex={0} role="region" aria-label={`${t('trafficByDay')}: ${metricLabel}`}>
            <table data-testid="usage-table">
              <thead>
                <tr>
                  <th scope="col">{t('date')}</th>
                  <th scope="col">{metricLabel}</th>
                </tr>
              </thead>
              <tbody>
                {traffic.data.days
                  .filter((d) => value(d, metric) > 0)
                  .reverse()
                  .map((d) => (
                    <tr key={d.date}>
                      <td>{dayLabel(d.date, lang)}</td>
                      <td>{metric === 'money' ? money(d.charged, lang) : value(d, metric)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <UsageRecords m={m} span={span} />
      <Section title={t('orderReport')}>
        <form onSubmit={order}>
          <div className="filters">
            <Field label={t('from')}>{(id) => <input id={id} type="date" required value={from} onChange={(e) => pick(setFrom, e.target.value)} />}</Field>
            <Field label={t('to')}>{(id) => <input id={id} type="date" required value={to} onChange={(e) => pick(setTo, e.target.value)} />}</Field>
            <Field label={t('format')}>
              {(id) => (
                <select id={id} value={format} onChange={(e) => setFormat(e.target.value as 'csv' | 'pdf')}>
                  <option value="csv">CSV</option>
                  <option value="pdf">PDF</option>
                </select>
              )}
            </Field>
          </div>
          <ErrorBox error={act.error} />
          <Notice text={act.notice} />
          <button type="submit" className="primary wide" disabled={act.busy}>
            {t('order')}
          </button>
        </form>
      </Section>
      <Section title={t('reports')}>
        {reports.error ? (
          <ErrorBox error={reports.error} />
        ) : (
          <ul className="list" data-testid="reports">
            {reportList.items.map((r) => (
              <li key={r.id} className="item">
                <div>
                  <p className="strong">
                    {r.from} — {r.to} · {r.format.toUpperCase()}
                  </p>
                  <p className="muted">
                    {dateTime(r.requestedAt, lang)} · <span data-testid="report-status">{t(`rs_${r.status}` as Key)}</span>
                  </p>
                </div>
                {r.status === 'ready' && (
                  <a className="button" href={`/api/v1/subscribers/${m}/reports/${r.id}/download?format=${r.format}`} download>
                    {t('download')} {r.format.toUpperCase()}
                  </a>
                )}
              </li>
            ))}
          </ul>
        )}
        <ShowMore list={reportList} />
      </Section>
    </Page>
  );
}
