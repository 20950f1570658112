import { api } from '../api.ts';
import type { Bill } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { monthName } from '../format.ts';
import { ErrorBox, Loading, Notice, useAction, useLoad } from '../ui.tsx';
import { BillCard } from './bill-card.tsx';

/**
 * A list of monthly bills, the subscriber's or a company's contracts': loading, a refusal with
 * Retry, "no bills yet", then one card each with its PDF, "SMS" and "E-mail" (a link to the bill).
 * `base` is the API path the bills live under (`subscribers/me/bills`, `business/bills`).
 */
export function BillList({ base, testId, selected }: { base: string; testId: string; selected?: string | null }) {
  const { t, lang } = useApp();
  const bills = useLoad(() => api<{ items: Bill[] }>(base), [base]);
  const act = useAction();
  return (
    <>
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      {bills.error ? (
        <ErrorBox error={bills.error} onRetry={() => void bills.reload()} />
      ) : !bills.data ? (
        <Loading />
      ) : bills.data.items.length === 0 ? (
        <p className="muted">{t('billsNone')}</p>
      ) : (
        <ul className="list" data-testid={testId}>
          {bills.data.items.map((b) => (
            <BillCard
              key={b.id}
              bill={b}
              selected={b.id === selected}
              pdfHref={`/api/v1/${base}/${b.id}/pdf`}
              refusal={act.errorAt(`bill:${b.id}`)}
              actions={
                <>
                  <button type="button" disabled={act.busy} aria-label={t('billSendSms', { month: monthName(b.period, lang) })} onClick={() => void act.run(() => api(`${base}/${b.id}/send`, { method: 'POST' }), t('billSent'), `bill:${b.id}`)}>
                    SMS
                  </button>
                  <button
                    type="button"
                    disabled={act.busy}
                    aria-label={t('billSendEmail', { month: monthName(b.period, lang) })}
                    onClick={() => void act.run(() => api(`${base}/${b.id}/send`, { method: 'POST', body: { channel: 'email' } }), t('billSentEmail'), `bill:${b.id}`)}
                  >
                    E-mail
                  </button>
                </>
              }
            />
          ))}
        </ul>
      )}
    </>
  );
}
