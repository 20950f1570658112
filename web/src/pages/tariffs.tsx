import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { money, named } from '../format.ts';
import type { CurrentTariff, TariffOffer } from '../api-shapes.ts';
import { ErrorBox, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';

export default function Tariffs() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const { data, error, reload } = useLoad(async () => {
    // Which plans are on sale to this number and what each costs is the API's: its offers.
    const [current, offers] = await Promise.all([api<CurrentTariff>(`subscribers/${m}/tariff`), api<{ items: TariffOffer[] }>(`subscribers/${m}/tariff/offers`)]);
    return { current, plans: offers.items };
  }, [m]);
  const act = useAction();
  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data) return <Loading />;
  const switchTo = async (p: TariffOffer) => {
    // Refusals (of the quote or of the switch) show in the row of the plan's button.
    const at = `tariff:${p.code}`;
    await act.run(
      async () => {
        const quote = await api<{ switchFee: number; firstPeriodFee: number; total: number }>(`subscribers/${m}/tariff/quote?tariffCode=${encodeURIComponent(p.code)}`);
        act.ask(t('confirmSwitch', { name: named(p.name, lang), fee: money(quote.total, lang), price: p.statement?.[lang] ?? '' }), async () => {
          await act.run(
            async () => {
              await api(`subscribers/${m}/tariff`, { method: 'PUT', body: { tariffCode: p.code } });
              await reload();
            },
            t('done'),
            at,
          );
        });
      },
      undefined,
      at,
    );
  };
  const cur = data.current.tariff;
  const curOffer = data.plans.find((p) => p.current);
  return (
    <Page title={t('navTariffs')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      <Section title={t('currentTariff')}>
        <p className="strong" data-testid="current-tariff">
          {named(cur.name, lang)}
        </p>
        <p>{named(cur.description, lang)}</p>
        <p>
          {t('fee')}: {curOffer?.facts ? money(curOffer.facts.price, lang) : money(cur.fee.amount, lang)}
        </p>
      </Section>
      <Section title={t('compare')}>
        <div className="table-wrap" tabIndex={0} role="region" aria-label={t('compare')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('tariff')}</th>
                <th scope="col">{t('price')}</th>
                <th scope="col">{t('minutes')}</th>
                <th scope="col">{t('sms')}</th>
                <th scope="col">{t('gb')}</th>
              </tr>
            </thead>
            <tbody>
              {data.plans.map((p) => (
                <tr key={p.code} data-code={p.code}>
                  <th scope="row">{named(p.name, lang)}</th>
                  <td data-testid="tariff-price">{p.statement?.[lang] ?? '—'}</td>
                  <td>{p.included.minutes ?? '—'}</td>
                  <td>{p.included.sms ?? '—'}</td>
                  <td>{p.included.dataMb ? Math.round(p.included.dataMb / 1024) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <ul className="list">
          {data.plans
            .filter((p) => !p.current)
            .map((p) => (
              <li key={p.code} className="item">
                <div>
                  <p className="strong">{named(p.name, lang)}</p>
                  {p.description ? <p className="muted">{named(p.description, lang)}</p> : null}
                </div>
                <button type="button" disabled={!p.available} onClick={() => void switchTo(p)} aria-label={`${t('switchTo')}: ${named(p.name, lang)}`}>
                  {t('switchTo')}
                </button>
                <ErrorBox error={act.errorAt(`tariff:${p.code}`)} />
              </li>
            ))}
        </ul>
      </Section>
    </Page>
  );
}
