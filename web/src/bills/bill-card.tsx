import type { Bill, BillLine } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { dateOnly, monthName, money } from '../format.ts';
import type { Key } from '../i18n.ts';
import { ErrorBox } from '../ui.tsx';

const CHARGE_TYPES: readonly BillLine['type'][] = ['tariff_fee', 'product_fee', 'content', 'usage_calls', 'usage_sms', 'usage_internet', 'usage_roaming', 'one_off', 'other_charge'];

/** The lines of a bill summed by type (a contract's numbers together), charges first. */
function byType(lines: BillLine[]): { type: BillLine['type']; amount: number }[] {
  const sums = new Map<BillLine['type'], number>();
  for (const l of lines) sums.set(l.type, (sums.get(l.type) ?? 0) + l.amount);
  return [...sums].map(([type, amount]) => ({ type, amount })).sort((a, b) => Number(!CHARGE_TYPES.includes(a.type)) - Number(!CHARGE_TYPES.includes(b.type)));
}

/** One bill: its month, number, the four totals and the lines, with the actions the page gives (and their refusal, above them). */
export function BillCard({ bill, pdfHref, actions, refusal, selected = false }: { bill: Bill; pdfHref: string; actions?: React.ReactNode; refusal?: unknown; selected?: boolean }) {
  const { t, lang } = useApp();
  const end = new Date(new Date(bill.periodEnd).getTime() - 1).toISOString();
  return (
    <li className={selected ? 'item bill selected' : 'item bill'} data-testid="bill" data-period={bill.period} aria-current={selected ? 'true' : undefined}>
      <div>
        <p className="strong">{t('billOf', { month: monthName(bill.period, lang) })}</p>
        <p className="muted">
          {t('billNumber', { number: bill.number })}
          {bill.contract ? ` · ${t('billContract', { contract: bill.contract })}` : ''} · {dateOnly(bill.periodStart, lang)} — {dateOnly(end, lang)}
        </p>
        <dl className="bill-totals">
          <dt>{t('billOpening')}</dt>
          <dd>{money(bill.openingBalance, lang)}</dd>
          <dt>{t('billCharges')}</dt>
          <dd>{money(-bill.charges, lang)}</dd>
          <dt>{t('billCredits')}</dt>
          <dd>{money(bill.credits, lang)}</dd>
          <dt>{t('billClosing')}</dt>
          <dd className="strong" data-testid="bill-closing">
            {money(bill.closingBalance, lang)}
          </dd>
        </dl>
        <details open={selected}>
          <summary>{t('billLines')}</summary>
          <ul className="plain">
            {byType(bill.lines).map((l) => (
              <li key={l.type}>
                {t(`bl_${l.type}` as Key)}: {money(l.amount, lang)}
              </li>
            ))}
          </ul>
        </details>
      </div>
      <ErrorBox error={refusal} />
      <div className="row">
        <a className="button" href={pdfHref} download aria-label={t('billDownload', { month: monthName(bill.period, lang) })}>
          PDF
        </a>
        {actions}
      </div>
    </li>
  );
}
