import { useApp } from '../app-context.ts';
import { BillList } from '../bills/bill-list.tsx';
import { Section } from '../ui.tsx';

/** The contracts' monthly bills (contract admins and accountants): totals, lines, PDF, a link by SMS or e-mail to the admin. */
export function ContractBills() {
  const { t } = useApp();
  return (
    <Section title={t('billsTitle')}>
      <BillList base="business/bills" testId="contract-bills" />
    </Section>
  );
}
