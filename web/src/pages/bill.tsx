import { api } from '../api.ts';
import type { BillChange } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { money, monthName } from '../format.ts';
import type { Key } from '../i18n.ts';
import { ErrorBox, Loading, Page, Section, useLoad } from '../ui.tsx';

const signed = (k: number, lang: 'ru' | 'en') => `${k > 0 ? '+' : k < 0 ? '−' : ''}${money(Math.abs(k), lang)}`;

/** Why the bill changed: this month against the last, by category, and the largest changes in the server's words. */
export default function Bill() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const { data, error, reload } = useLoad(() => api<BillChange>(`subscribers/${m}/bill-change`), [m]);
  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data) return <Loading />;
  const shown = data.categories.filter((c) => c.thisMonth !== 0 || c.lastMonth !== 0);
  return (
    <Page title={t('navBill')}>
      <p data-testid="bill-total">
        {t('billTotal', { this: money(data.total.thisMonth, lang), month: monthName(data.month, lang), last: money(data.total.lastMonth, lang), prev: monthName(data.previousMonth, lang) })}
      </p>
      <Section title={t('billTop')}>
        {data.changes.length === 0 ? (
          <p className="muted">{t('billSame')}</p>
        ) : (
          <ul className="list" data-testid="bill-changes">
            {data.changes.map((c) => (
              <li key={c.subject} className="item">
                <span>{c.text[lang]}</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title={t('billByCategory')}>
        <ul className="list" data-testid="bill-categories">
          {shown.map((c) => (
            <li key={c.category} className="item">
              <span>{t(`bill_${c.category}` as Key)}</span>
              <span>
                {money(c.thisMonth, lang)} <span className="muted">({signed(c.change, lang)})</span>
              </span>
            </li>
          ))}
        </ul>
      </Section>
    </Page>
  );
}
