import { useApp } from '../app-context.ts';
import { actionName, channelName } from '../actions.ts';
import { dateTime, money } from '../format.ts';
import { ShowMore, useCursorList } from '../paging.tsx';
import { ErrorBox, Loading, Page } from '../ui.tsx';

interface Row {
  id: number;
  at: string;
  action: string;
  channel: string;
  outcome: string;
  details: Record<string, unknown>;
}

export default function History() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const list = useCursorList<Row>((cursor) => `subscribers/${m}/history?limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, [m]);
  const rows = list.items;
  if (list.first.error) return <ErrorBox error={list.first.error} onRetry={() => void list.reload()} />;
  if (!list.first.data) return <Loading />;
  return (
    <Page title={t('historyTitle')}>
      <ul className="list" data-testid="history">
        {rows.map((r) => (
          <li key={r.id} className="item">
            <div>
              <p className="strong">
                {actionName(r.action, lang)}
                {typeof r.details.product === 'string' ? ` · ${r.details.product}` : ''}
                {typeof r.details.amount === 'number' ? ` · ${money(r.details.amount, lang)}` : ''}
              </p>
              <p className="muted">
                {dateTime(r.at, lang)} · {t('channel')}: {channelName(r.channel, lang)}
                {r.outcome !== 'ok' ? ` · ${r.outcome}` : ''}
              </p>
            </div>
          </li>
        ))}
      </ul>
      <ShowMore list={list} />
    </Page>
  );
}
