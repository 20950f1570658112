import { useState } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { actionName, channelName } from '../actions.ts';
import { dateTime, money } from '../format.ts';
import { ErrorBox, Loading, Page, useLoad } from '../ui.tsx';

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
  const [before, setBefore] = useState<number | null>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const { data, error, reload } = useLoad(async () => {
    const res = await api<{ items: Row[]; nextBefore: number | null }>(`subscribers/${m}/history?limit=30${before ? `&before=${before}` : ''}`);
    setRows((prev) => (before ? [...prev, ...res.items] : res.items));
    return res;
  }, [m, before]);
  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data && rows.length === 0) return <Loading />;
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
      {data?.nextBefore ? (
        <button type="button" onClick={() => setBefore(data.nextBefore)}>
          {t('loadMore')}
        </button>
      ) : null}
    </Page>
  );
}
