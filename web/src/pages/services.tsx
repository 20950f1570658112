import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { money, named, type Named } from '../format.ts';
import type { AvailableProduct, ConnectedProducts } from '../api-shapes.ts';
import { ErrorBox, Loading, Notice, Page, Section, Switch, useAction, useLoad } from '../ui.tsx';

interface Audit {
  items: { type: string; code: string; name: Named; content: boolean; monthlyCost: number }[];
  monthlyTotal: number;
  contentMonthlyTotal: number;
  contentBan: boolean;
}

export default function Services() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const { data, error, reload } = useLoad(async () => {
    const [connected, available, audit] = await Promise.all([
      api<ConnectedProducts>(`subscribers/${m}/products`),
      api<{ items: AvailableProduct[] }>(`subscribers/${m}/products/available`),
      api<Audit>(`subscribers/${m}/paid-services`),
    ]);
    return { connected, available, audit };
  }, [m]);
  const act = useAction();
  /** Runs a change and reloads; a refusal is shown beside control `at`. */
  const after = async (fn: () => Promise<unknown>, at?: string) => act.run(async () => {
    await fn();
    await reload();
  }, t('done'), at);

  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data) return <Loading />;
  const all = [...data.connected.paid, ...data.connected.free];
  return (
    <Page title={t('navServices')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      <Section title={t('connected')}>
        <ul className="list" data-testid="connected">
          {all.map((p) => (
            <li key={p.code} className="item">
              <div>
                <p className="strong">{named(p.name, lang)}</p>
                <p className="muted">
                  {p.paid && p.statement ? `${t('paid')} · ${p.statement[lang]}` : t('free')}
                </p>
                {p.status === 'limit_suspended' || p.status === 'suspended' ? (
                  <p className="biz-warn" data-testid="product-status" data-status={p.status}>
                    {t(p.status === 'limit_suspended' ? 'prodLimitSuspended' : 'prodSuspended')}
                  </p>
                ) : null}
              </div>
              {p.disableable && (
                <button type="button" onClick={() => act.ask(t('confirmDisable', { name: named(p.name, lang) }), () => after(() => api(`subscribers/${m}/products/${p.code}`, { method: 'DELETE' }), `off:${p.code}`))}>
                  {t('disable')}
                </button>
              )}
              <ErrorBox error={act.errorAt(`off:${p.code}`)} />
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t('availableToConnect')}>
        <ul className="list" data-testid="available">
          {data.available.items.map((p) => (
            <li key={p.code} className="item">
              <div>
                <p className="strong">{named(p.name, lang)}</p>
                <p>{named(p.description, lang)}</p>
                <p className="muted" data-testid="price">
                  {p.statement?.[lang]}
                </p>
              </div>
              <button
                type="button"
                disabled={p.blockedBy !== null}
                onClick={() =>
                  act.ask(t('confirmConnect', { name: named(p.name, lang), charge: money(p.chargeNow, lang), price: p.statement?.[lang] ?? money(p.chargeNow, lang) }), () =>
                    after(() => api(`subscribers/${m}/products`, { method: 'POST', body: { productCode: p.code }, idempotent: true }), `on:${p.code}`),
                  )
                }
              >
                {t('connect')}
              </button>
              <ErrorBox error={act.errorAt(`on:${p.code}`)} />
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t('paidAudit')}>
        <ul className="list">
          {data.audit.items.map((i) => (
            <li key={`${i.type}:${i.code}`} className="item">
              <span>{named(i.name, lang)}</span>
              <span>{money(i.monthlyCost, lang)}</span>
            </li>
          ))}
        </ul>
        <p className="strong">
          {t('monthlyTotal')}: {money(data.audit.monthlyTotal, lang)} ({t('contentTotal')} {money(data.audit.contentMonthlyTotal, lang)})
        </p>
        <div className="stack">
          <button type="button" disabled={data.audit.contentMonthlyTotal === 0} onClick={() => act.ask(t('confirmStopContent'), () => after(() => api(`subscribers/${m}/paid-services/stop-content`, { method: 'POST', body: { ban: false } })))}>
            {t('stopContent')}
          </button>
          <Switch label={t('contentBan')} checked={data.audit.contentBan} disabled={act.busy} onChange={(v) => void after(() => api(`subscribers/${m}/content-ban`, { method: 'PUT', body: { enabled: v } }))} />
        </div>
      </Section>
    </Page>
  );
}
