import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import type { AlertSettings, Notification } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { dateTime, parseRubles } from '../format.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, Switch, useAction, useLoad } from '../ui.tsx';

type Flags = Pick<AlertSettings, 'package80' | 'package100' | 'dailyDigest' | 'viaSms' | 'viaApp' | 'allowNight'>;

/** Spending alerts: what the number is told about and how, and the alerts sent to the app. */
export default function Alerts() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const data = useLoad(async () => {
    const [settings, feed] = await Promise.all([api<AlertSettings>(`subscribers/${m}/alerts`), api<{ items: Notification[] }>(`subscribers/${m}/notifications`)]);
    return { settings, feed: feed.items };
  }, [m]);
  const act = useAction();
  const [flags, setFlags] = useState<Flags | null>(null);
  const [threshold, setThreshold] = useState('');
  const [badAmount, setBadAmount] = useState(false);
  useEffect(() => {
    const s = data.data?.settings;
    if (!s) return;
    setFlags({ package80: s.package80, package100: s.package100, dailyDigest: s.dailyDigest, viaSms: s.viaSms, viaApp: s.viaApp, allowNight: s.allowNight });
    setThreshold(s.lowBalance === null ? '' : String(s.lowBalance / 100));
  }, [data.data?.settings]);
  if (data.error) return <ErrorBox error={data.error} onRetry={() => void data.reload()} />;
  if (!data.data || !flags) return <Loading />;

  const save = (e: FormEvent) => {
    e.preventDefault();
    const lowBalance = threshold.trim() === '' ? null : parseRubles(threshold);
    if (threshold.trim() !== '' && lowBalance === null) {
      setBadAmount(true);
      return;
    }
    setBadAmount(false);
    void act.run(
      async () => {
        await api(`subscribers/${m}/alerts`, { method: 'PATCH', body: { ...flags, lowBalance } });
        await data.reload();
      },
      t('alertsSaved'),
      'alerts',
    );
  };
  const flag = (key: keyof Flags, label: string) => <Switch label={label} checked={flags[key]} disabled={act.busy} onChange={(v) => setFlags({ ...flags, [key]: v })} />;
  return (
    <Page title={t('spendAlerts')}>
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      <Section title={t('spendAlerts')}>
        <p className="muted">{t('alertsHelp')}</p>
        <form onSubmit={save} data-testid="alert-settings">
          <div className="stack">
            {flag('package80', t('alertsPackage80'))}
            {flag('package100', t('alertsPackage100'))}
            {flag('dailyDigest', t('alertsDigest'))}
          </div>
          <Field label={t('alertsLowBalance')}>
            {(id) => <input id={id} inputMode="decimal" value={threshold} aria-invalid={badAmount} onChange={(e) => setThreshold(e.target.value)} />}
          </Field>
          {badAmount && <p role="alert">{t('alertsBadAmount')}</p>}
          <div className="stack">
            {flag('viaSms', t('alertsViaSms'))}
            {flag('viaApp', t('alertsViaApp'))}
            {flag('allowNight', t('alertsNight'))}
          </div>
          <ErrorBox error={act.errorAt('alerts')} />
          <button type="submit" disabled={act.busy}>
            {t('save')}
          </button>
        </form>
      </Section>
      <Section title={t('notifications')}>
        {data.data.feed.length === 0 ? (
          <p className="muted">{t('notificationsNone')}</p>
        ) : (
          <ul className="list" data-testid="notifications">
            {data.data.feed.map((n) => (
              <li key={n.id} className="item">
                <div>
                  <p>{n.text[lang]}</p>
                  <p className="muted">{dateTime(n.at, lang)}</p>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </Page>
  );
}
