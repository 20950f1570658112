import { api } from '../api.ts';
import type { TermsOfUse } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { dateOnly } from '../format.ts';
import { ErrorBox, Loading, Page, useAction, useLoad } from '../ui.tsx';
import { useLocation } from 'wouter';

export default function Terms() {
  const { t, lang, me, refreshMe } = useApp();
  const [, navigate] = useLocation();
  const terms = useLoad(() => api<TermsOfUse>('terms'), []);
  const act = useAction();
  if (terms.error) return <ErrorBox error={terms.error} onRetry={() => void terms.reload()} />;
  if (!terms.data) return <Loading />;
  const d = terms.data;
  return (
    <Page title={t('terms')}>
      {me.termsMustAccept && (
        <p className="alert" role="status">
          {t('termsNew')}
        </p>
      )}
      <p className="muted">
        {t('termsVersion')} {d.version} · {dateOnly(d.publishedAt, lang)}
      </p>
      <div className="card terms-text">
        {d.text[lang].split(/\n+/).map((para, i) => (
          <p key={i}>{para}</p>
        ))}
      </div>
      <ErrorBox error={act.error} />
      {d.acceptedVersion !== d.version && (
        <button
          type="button"
          className="primary wide"
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              await api('terms/accept', { method: 'POST', body: { version: d.version } });
              await refreshMe();
              navigate('/');
            })
          }
        >
          {t('termsAccept')}
        </button>
      )}
    </Page>
  );
}
