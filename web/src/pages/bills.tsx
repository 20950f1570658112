import { api } from '../api.ts';
import type { Bill } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { BillCard } from '../bills/bill-card.tsx';
import { monthName } from '../format.ts';
import { ErrorBox, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';

/** The monthly bills of the subscriber's account: totals, lines, the PDF, and a link by SMS or e-mail. */
export default function Bills() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const bills = useLoad(() => api<{ items: Bill[] }>(`subscribers/${m}/bills`), [m]);
  const act = useAction();
  // The bill an SMS link names (`/bills?bill=<id>`) is shown open.
  const wanted = new URLSearchParams(window.location.search).get('bill');
  return (
    <Page title={t('navBills')}>
      <Section title={t('billsTitle')}>
        <p className="muted">{t('billsHint')}</p>
        <ErrorBox error={act.error} />
        <Notice text={act.notice} />
        {bills.error ? (
          <ErrorBox error={bills.error} onRetry={() => void bills.reload()} />
        ) : !bills.data ? (
          <Loading />
        ) : bills.data.items.length === 0 ? (
          <p className="muted">{t('billsNone')}</p>
        ) : (
          <ul className="list" data-testid="bills">
            {bills.data.items.map((b) => (
              <BillCard
                key={b.id}
                bill={b}
                selected={b.id === wanted}
                pdfHref={`/api/v1/subscribers/${m}/bills/${b.id}/pdf`}
                actions={
                  <>
                    <button type="button" disabled={act.busy} aria-label={t('billSendSms', { month: monthName(b.period, lang) })} onClick={() => void act.run(() => api(`subscribers/${m}/bills/${b.id}/send`, { method: 'POST' }), t('billSent'))}>
                      SMS
                    </button>
                    <button
                      type="button"
                      disabled={act.busy}
                      aria-label={t('billSendEmail', { month: monthName(b.period, lang) })}
                      onClick={() => void act.run(() => api(`subscribers/${m}/bills/${b.id}/send`, { method: 'POST', body: { channel: 'email' } }), t('billSentEmail'))}
                    >
                      E-mail
                    </button>
                  </>
                }
              />
            ))}
          </ul>
        )}
      </Section>
    </Page>
  );
}
