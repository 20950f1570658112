import { useApp } from '../app-context.ts';
import { BillList } from '../bills/bill-list.tsx';
import { Page, Section } from '../ui.tsx';

/** The monthly bills of the subscriber's account: totals, lines, the PDF, and a link by SMS or e-mail. */
export default function Bills() {
  const { t, me } = useApp();
  // The bill an SMS link names (`/bills?bill=<id>`) is shown open.
  const wanted = new URLSearchParams(window.location.search).get('bill');
  return (
    <Page title={t('navBills')}>
      <Section title={t('billsTitle')}>
        <p className="muted">{t('billsHint')}</p>
        <BillList base={`subscribers/${me.msisdn ?? 'me'}/bills`} testId="bills" selected={wanted} />
      </Section>
    </Page>
  );
}
