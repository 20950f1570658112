import { useState } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { money } from '../format.ts';
import { ErrorBox, Field, Loading, Page, Section, useLoad } from '../ui.tsx';
import { monthName, useBiz } from './context.ts';
import type { MonthlyReport } from './types.ts';

const FORMATS = ['xlsx', 'pdf', 'csv'] as const;

export default function Reports() {
  const { lang } = useApp();
  const { bt, me } = useBiz();
  const now = new Date();
  const [month, setMonth] = useState(`${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`);
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('xlsx');
  const reports = useLoad(() => (me.can.monthlyReports ? api<{ items: MonthlyReport[] }>('business/reports') : Promise.resolve({ items: [] })), [me.can.monthlyReports]);
  const q = new URLSearchParams({ format });
  if (/^\d{4}-\d{2}$/.test(month)) q.set('month', month);
  return (
    <Page title={bt('bizReports')}>
      <Section title={bt('bizExports')}>
        <div className="filters">
          <Field label={bt('bizMonth')}>{(id) => <input id={id} type="month" value={month} onChange={(e) => setMonth(e.target.value)} />}</Field>
          <Field label={bt('bizFormat')}>
            {(id) => (
              <select id={id} value={format} onChange={(e) => setFormat(e.target.value as (typeof FORMATS)[number])}>
                {FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f.toUpperCase()}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <a className="button primary" href={`/api/v1/business/analytics/export?${q.toString()}`} download data-testid="export">
          {bt('bizDownload')} {format.toUpperCase()}
        </a>
      </Section>
      {me.can.monthlyReports ? (
        <Section title={bt('bizMonthly')}>
          <ErrorBox error={reports.error} onRetry={() => void reports.reload()} />
          {!reports.data ? reports.error ? null : <Loading /> : reports.data.items.length === 0 ? <p className="muted">{bt('bizNoReports')}</p> : null}
          <ul className="list" data-testid="reports">
            {(reports.data?.items ?? []).map((r) => (
              <li key={r.id} className="item">
                <div>
                  <p className="strong">{bt('bizReportOf', { month: monthName(r.month, lang), total: money(r.total, lang) })}</p>
                </div>
                <div className="row">
                  {r.formats.map((f) => (
                    <a key={f} className="button" href={`/api/v1/business/reports/${r.id}/download?format=${f}`} download aria-label={bt('bizDownloadAs', { month: monthName(r.month, lang), format: f.toUpperCase() })}>
                      {f.toUpperCase()}
                    </a>
                  ))}
                </div>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
    </Page>
  );
}
