import { useState } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { money } from '../format.ts';
import { businessMonthNow } from './month.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';
import { monthName, useBiz } from './context.ts';
import type { MonthlyReport } from './types.ts';
import type { ReportSettings } from '../api-shapes.ts';
import { ContractBills } from './bills.tsx';

const FORMATS = ['xlsx', 'pdf', 'csv'] as const;
const LANG_CHOICES = { ru: ['ru'], en: ['en'], both: ['ru', 'en'] } as const;
type LangChoice = keyof typeof LANG_CHOICES;

/** The language(s) of the monthly report: contract admins choose, others see the choice. */
function ReportLanguages() {
  const { bt, me } = useBiz();
  const settings = useLoad(() => api<ReportSettings>('business/reports/settings'), []);
  const act = useAction();
  if (!settings.data) return <ErrorBox error={settings.error} onRetry={() => void settings.reload()} />;
  const l = settings.data.languages;
  const current: LangChoice = l.length === 2 ? 'both' : l[0] === 'en' ? 'en' : 'ru';
  return (
    <>
      <Field label={bt('bizReportLangs')}>
        {(id) => (
          <select
            id={id}
            value={current}
            disabled={!me.can.changeContract || act.busy}
            onChange={(e) => {
              const languages = LANG_CHOICES[e.target.value as LangChoice];
              void act.run(async () => {
                await api('business/reports/settings', { method: 'PUT', body: { languages } });
                await settings.reload();
              }, bt('bizReportLangSaved'));
            }}
          >
            {(Object.keys(LANG_CHOICES) as LangChoice[]).map((c) => (
              <option key={c} value={c}>
                {bt(`bizReportLang_${c}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorBox error={act.error} />
      <Notice text={act.notice} />
    </>
  );
}

export default function Reports() {
  const { lang } = useApp();
  const { bt, me } = useBiz();
  const [month, setMonth] = useState(businessMonthNow());
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
      {me.can.monthlyReports ? <ContractBills /> : null}
      {me.can.monthlyReports ? (
        <Section title={bt('bizMonthly')}>
          <ReportLanguages />
          <ErrorBox error={reports.error} onRetry={() => void reports.reload()} />
          {!reports.data ? reports.error ? null : <Loading /> : reports.data.items.length === 0 ? <p className="muted">{bt('bizNoReports')}</p> : null}
          <ul className="list" data-testid="reports">
            {(reports.data?.items ?? []).map((r) => (
              <li key={r.id} className="item" data-language={r.language}>
                <div>
                  <p className="strong">{bt('bizReportOf', { month: monthName(r.month, lang), total: money(r.total, lang) })}</p>
                  <p className="muted">{bt(`bizReportLang_${r.language}`)}</p>
                </div>
                <div className="row">
                  {r.formats.map((f) => (
                    <a key={f} className="button" href={`/api/v1/business/reports/${r.id}/download?format=${f}`} download aria-label={bt('bizDownloadAs', { month: `${monthName(r.month, lang)} (${bt(`bizReportLang_${r.language}`)})`, format: f.toUpperCase() })}>
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
