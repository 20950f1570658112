import { api } from '../api.ts';
import type { BonusHistoryItem } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { dateTime, monthName, named, type Named } from '../format.ts';
import type { Key } from '../i18n.ts';
import { ShowMore, useCursorList } from '../paging.tsx';
import { ErrorBox, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';

interface Reward {
  code: string;
  name: Named;
  cost: number;
  affordable: boolean;
}

export default function Bonuses() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const { data, error, reload } = useLoad(async () => {
    const [bonus, rewards] = await Promise.all([
      api<{ points: number; expiringSoonTotal: number; asOf: string }>(`subscribers/${m}/bonus`),
      api<{ items: Reward[] }>(`subscribers/${m}/bonus/rewards`),
    ]);
    return { bonus, rewards: rewards.items };
  }, [m]);
  // The points history, newest first, 20 at a time with "Show more"; read again from the top after an exchange.
  const history = useCursorList<BonusHistoryItem>((cursor) => `subscribers/${m}/bonus/history?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, [m]);
  const act = useAction();
  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data) return <Loading />;
  return (
    <Page title={t('navBonuses')}>
      {act.dialog}
      <ErrorBox error={act.error} />
      <Notice text={act.notice} />
      <Section title={t('points')}>
        <p className="big" data-testid="points">
          {data.bonus.points}
        </p>
        {data.bonus.expiringSoonTotal > 0 && (
          <p className="muted">
            {t('expiringSoon')}: {data.bonus.expiringSoonTotal}
          </p>
        )}
      </Section>
      <Section title={t('rewards')}>
        <ul className="list">
          {data.rewards.map((r) => (
            <li key={r.code} className="item">
              <span>
                {named(r.name, lang)} · {r.cost} {t('points').toLowerCase()}
              </span>
              <button
                type="button"
                disabled={!r.affordable}
                aria-label={`${t('exchange')}: ${named(r.name, lang)}`}
                onClick={() =>
                  act.ask(t('confirmExchange', { cost: r.cost, name: named(r.name, lang) }), async () => {
                    await api(`subscribers/${m}/bonus/exchange`, { method: 'POST', body: { rewardCode: r.code }, idempotent: true });
                    // The points and the history (from its first page, where the exchange now is).
                    await Promise.all([reload(), history.reload()]);
                  })
                }
              >
                {t('exchange')}
              </button>
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t('bonusHistory')}>
        {history.first.error ? (
          <ErrorBox error={history.first.error} onRetry={() => void history.reload()} />
        ) : !history.first.data ? (
          <Loading />
        ) : (
          <ul className="list" data-testid="bonus-history">
            {history.items.map((h) => (
              <li key={h.id} className="item">
                <span>{dateTime(h.at, lang)}</span>
                <span>
                  {h.period ? t('bk_earn_month', { month: monthName(h.period, lang) }) : t(`bk_${h.kind}` as Key) || h.kind} {h.points}
                </span>
              </li>
            ))}
          </ul>
        )}
        <ShowMore list={history} testId="bonus-history-more" />
      </Section>
    </Page>
  );
}
