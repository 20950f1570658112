import { Link } from 'wouter';
import { api, NetworkError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateOnly, dateTime, volume, lastBalance, money, named, saveLastBalance } from '../format.ts';
import type { Key } from '../i18n.ts';
import type { Balance, CurrentTariff, Promised, Quota, Spending, Roaming } from '../api-shapes.ts';
import { ErrorBox, Loading, Page, Section, useLoad } from '../ui.tsx';

function Gauge({ label, q, show }: { label: string; q: Quota; show: (n: number) => string }) {
  const { t } = useApp();
  if (q.included <= 0) return null;
  const pct = Math.min(100, Math.round((q.remaining / q.included) * 100));
  return (
    <div className="gauge">
      <div className="gauge-head">
        <span>{label}</span>
        <span>
          {show(q.remaining)} {t('ofWord')} {show(q.included)}
        </span>
      </div>
      <div className="gauge-bar" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={q.included} aria-valuenow={q.remaining} aria-valuetext={`${show(q.remaining)} ${t('ofWord')} ${show(q.included)}`}>
        <span style={{ width: `${pct}%` }} className={pct <= 20 ? 'low' : ''} />
      </div>
    </div>
  );
}

export default function Home() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const { data, error, reload } = useLoad(async () => {
    const [balance, tariff, spending, promised, roaming] = await Promise.all([
      api<Balance>(`subscribers/${m}/balance`),
      api<CurrentTariff>(`subscribers/${m}/tariff`),
      api<Spending>(`subscribers/${m}/spending`),
      api<Promised>(`subscribers/${m}/promised-payment`),
      api<Roaming>(`subscribers/${m}/roaming`),
    ]);
    saveLastBalance({ msisdn: balance.msisdn, balance: balance.balance, asOf: balance.asOf });
    return { balance, tariff, spending, promised, roaming };
  }, [m]);

  if (error instanceof NetworkError) {
    const last = lastBalance();
    return (
      <Page title={t('offline')}>
        {last && (
          <Section title={t('offlineBalance')}>
            <p className="big">{money(last.balance, lang)}</p>
            <p className="muted">
              {t('asOf')} {dateTime(last.asOf, lang)}
            </p>
          </Section>
        )}
      </Page>
    );
  }
  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data) return <Loading />;
  const { balance: b, tariff, spending, promised, roaming } = data;
  const alerts: string[] = [];
  if (b.balance < tariff.tariff.fee.amount || b.balance < 0) alerts.push(t('lowBalance'));
  const quotas: [Key, Quota][] = [
    ['minutes', b.remaining.seconds],
    ['sms', b.remaining.sms],
    ['gb', b.remaining.bytes],
  ];
  for (const [k, q] of quotas) {
    if (q.included <= 0) continue;
    const used = q.used / q.included;
    if (used >= 1) alerts.push(`${t('quota100')} ${t(k)}`);
    else if (used >= 0.8) alerts.push(`${t('quota80')} ${t(k)}`);
  }
  if (promised.active) alerts.push(`${t('promisedDue')} ${dateTime(String(promised.active.dueAt), lang)}`);
  const maxCat = Math.max(1, ...spending.categories.map((c) => c.amount));

  return (
    <Page title={t('navHome')}>
      <section className="card balance-card" aria-labelledby="bal-h">
        <h2 id="bal-h">{t('balance')}</h2>
        <p className="big" data-testid="balance">
          {money(b.balance, lang)}
        </p>
        <p className="muted">
          {t('asOf')} <time dateTime={b.asOf}>{dateTime(b.asOf, lang)}</time>
          {b.creditLimit > 0 || b.creditSource === 'company_pool' ? ` · ${t('available')} ${money(b.available, lang)}` : ''}
        </p>
        {b.creditSource === 'company_pool' ? (
          <p className="muted" data-testid="credit-source">
            {t('creditFromCompany')}
          </p>
        ) : null}
        <Link href="/payments" className="button primary">
          {t('topUp')}
        </Link>
      </section>
      {alerts.length > 0 && (
        <Section title={t('alerts')}>
          <ul className="alerts" data-testid="alerts">
            {alerts.map((a) => (
              <li key={a} className="alert">
                {a}
              </li>
            ))}
          </ul>
        </Section>
      )}
      {roaming.country && roaming.countryName ? (
        <Section title={t('roamingIn', { country: roaming.countryName[lang] })}>
          <p data-testid="roaming">
            {t('roamingSpent', { spent: money(roaming.spent, lang), cap: money(roaming.cap, lang) })}
            {roaming.since ? ` · ${t('roamingSince', { since: dateTime(roaming.since, lang) })}` : ''}
          </p>
          <progress max={Math.max(1, roaming.cap)} value={Math.min(roaming.spent, roaming.cap)} aria-label={t('roamingCapLabel')} />
          <Link href="/caps" className="button">
            {t('roamingCapChange')}
          </Link>
        </Section>
      ) : null}
      <Section title={t('remaining')}>
        <Gauge label={t('minutes')} q={{ included: Math.floor(b.remaining.seconds.included / 60), used: Math.ceil(b.remaining.seconds.used / 60), remaining: Math.floor(b.remaining.seconds.remaining / 60) }} show={(n) => String(n)} />
        <Gauge label={t('sms')} q={b.remaining.sms} show={(n) => String(n)} />
        <Gauge label={t('k_data')} q={b.remaining.bytes} show={(n) => volume(n, lang)} />
      </Section>
      <Section title={t('tariff')}>
        <p className="strong">{named(tariff.tariff.name, lang)}</p>
        {tariff.nextFeeAt && (
          <p>
            {t('nextFee')}: {dateOnly(tariff.nextFeeAt, lang)} — {money(tariff.tariff.fee.amount, lang)}
          </p>
        )}
      </Section>
      <Section title={t('spending')}>
        <ul className="bars" aria-label={t('spending')}>
          {spending.categories
            .filter((c) => c.amount > 0)
            .map((c) => (
              <li key={c.category}>
                <span className="bar-label">{t(`cat_${c.category}` as Key)}</span>
                <span className="bar" aria-hidden="true">
                  <span style={{ width: `${Math.max(2, Math.round((c.amount / maxCat) * 100))}%` }} />
                </span>
                <span className="bar-value">{money(c.amount, lang)}</span>
              </li>
            ))}
        </ul>
        <p className="strong">
          {t('total')}: {money(spending.total, lang)}
        </p>
      </Section>
    </Page>
  );
}
