import { useApp } from '../app-context.ts';
import { dateTime, money } from '../format.ts';
import type { Key } from '../i18n.ts';
import { ShowMore, useCursorList } from '../paging.tsx';
import { ErrorBox, Loading, Section } from '../ui.tsx';
import type { Payment } from '../api-shapes.ts';

/**
 * The number's payments, newest first, 20 at a time with "Show more" (the API pages by cursor).
 * Read again whenever `refresh` changes (the page around it reloaded after a top-up).
 */
export function PaymentHistory({ m, refresh }: { m: string; refresh: unknown }) {
  const { t, lang } = useApp();
  const list = useCursorList<Payment>((cursor) => `subscribers/${m}/payments?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, [m, refresh]);
  return (
    <Section title={t('history')}>
      {list.first.error ? (
        <ErrorBox error={list.first.error} onRetry={() => void list.reload()} />
      ) : !list.first.data ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <p className="muted">{t('noPayments')}</p>
      ) : (
        <ul className="list" data-testid="payments">
          {list.items.map((x) => (
            <li key={x.id} className="item">
              <span>{dateTime(x.createdAt, lang)}</span>
              <span>
                {money(x.amount, lang)} · {t(`st_${x.status}` as Key)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <ShowMore list={list} testId="payments-more" />
    </Section>
  );
}
