import { api } from '../api.ts';
import type { BonusHistoryItem } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { dateTime, monthName, named, pluralForm, type Named } from '../format.ts';
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
  const pts = (n: number) => `${n} ${t(`pts_${pluralForm(Math.abs(n), lang)}`)}`;
  const rewardName = (code: string | null) => named(data.rewards.find((r) => r.code === code)?.name, lang);
  return (
    <Page title={t('navBonuses')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
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
                {named(r.name, lang)} · {pts(r.cost)}
                {!r.affordable && r.cost > data.bonus.points ? (
                  <span className="muted" data-testid="points-missing">
                    {' '}
                    · {t('pointsMissing', { n: pts(r.cost - data.bonus.points) })}
                  </span>
                ) : null}
              </span>
              <button
                type="button"
                disabled={!r.affordable}
                aria-label={`${t('exchange')}: ${named(r.name, lang)}`}
                onClick={() =>
                  act.ask(
                    t('confirmExchange', { cost: r.cost, name: named(r.name, lang) }),
                    async () => {
                      await api(`subscribers/${m}/bonus/exchange`, { method: 'POST', body: { rewardCode: r.code }, idempotent: true });
                      // The points and the history (from its first page, where the exchange now is).
                      await Promise.all([reload(), history.reload()]);
                      act.setNotice(t('exchanged', { name: named(r.name, lang), n: pts(r.cost) }));
                    },
                    `reward:${r.code}`,
                  )
                }
              >
                {t('exchange')}
              </button>
              <ErrorBox error={act.errorAt(`reward:${r.code}`)} />
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
              <li key={h.id} className="item" data-points={h.points}>
                <span>{dateTime(h.at, lang)}</span>
                <span>
                  {h.period
                    ? t('bk_earn_month', { month: monthName(h.period, lang) })
                    : h.kind === 'spend' && rewardName(h.rewardCode)
                      ? t('bk_spend_for', { name: rewardName(h.rewardCode) })
                      : t(`bk_${h.kind}` as Key)}{' '}
                  {h.points > 0 ? '+' : '−'}
                  {pts(Math.abs(h.points))}
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
