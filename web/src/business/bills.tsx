import { api } from '../api.ts';
import type { ContractBill } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { BillCard } from '../bills/bill-card.tsx';
import { monthName } from '../format.ts';
import { ErrorBox, Loading, Notice, Section, useAction, useLoad } from '../ui.tsx';

/** The contracts' monthly bills (contract admins and accountants): totals, lines, PDF, a link by SMS to the admin. */
export function ContractBills() {
  const { t, lang } = useApp();
  const bills = useLoad(() => api<{ items: ContractBill[] }>('business/bills'), []);
  const act = useAction();
  return (
    <Section title={t('billsTitle')}>
      <ErrorBox error={act.error} />
      <Notice text={act.notice} />
      {bills.error ? (
        <ErrorBox error={bills.error} onRetry={() => void bills.reload()} />
      ) : !bills.data ? (
        <Loading />
      ) : bills.data.items.length === 0 ? (
        <p className="muted">{t('billsNone')}</p>
      ) : (
        <ul className="list" data-testid="contract-bills">
          {bills.data.items.map((b) => (
            <BillCard
              key={b.id}
              bill={b}
              pdfHref={`/api/v1/business/bills/${b.id}/pdf`}
              actions={
                <button type="button" disabled={act.busy} aria-label={t('billSendSms', { month: monthName(b.period, lang) })} onClick={() => void act.run(() => api(`business/bills/${b.id}/send`, { method: 'POST' }), t('billSent'))}>
                  SMS
                </button>
              }
            />
          ))}
        </ul>
      )}
    </Section>
  );
}
