import type { HistoryItem } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { actionName, channelName } from '../actions.ts';
import { dateTime, money } from '../format.ts';
import { ShowMore, useCursorList } from '../paging.tsx';
import { ErrorBox, Loading, Page } from '../ui.tsx';

export default function History() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const list = useCursorList<HistoryItem>((cursor) => `subscribers/${m}/history?limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, [m]);
  const rows = list.items;
  if (list.first.error) return <ErrorBox error={list.first.error} onRetry={() => void list.reload()} />;
  if (!list.first.data) return <Loading />;
  return (
    <Page title={t('historyTitle')}>
      <ul className="list" data-testid="history">
        {rows.map((r) => (
          <li key={r.id} className="item" data-outcome={r.outcome}>
            <div>
              <p className="strong">
                {r.outcome === 'ok' ? '' : `${t(r.outcome === 'refused' ? 'hRefused' : 'hFailed')}: `}
                {actionName(r.action, lang)}
                {r.subject ? ` · ${r.subject}` : ''}
                {typeof r.details.amount === 'number' ? ` · ${money(r.details.amount, lang)}` : ''}
              </p>
              {r.reason && <p data-testid="history-reason">{r.reason}</p>}
              <p className="muted">
                {dateTime(r.at, lang)} · {t('channel')}: {channelName(r.channel, lang)}
              </p>
            </div>
          </li>
        ))}
      </ul>
      <ShowMore list={list} />
    </Page>
  );
}
