import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import type { Caps as CapsView, DataLift } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { dateTime, money, parseRubles } from '../format.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, Switch, useAction, useLoad } from '../ui.tsx';

const rubles = (kopecks: number | null) => (kopecks === null ? '' : String(kopecks / 100));

/** Spending caps: the monthly cap, the roaming cap, the data hard cap, and "continue for N ₽" while data is stopped. */
export default function Caps() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const data = useLoad(async () => {
    const [caps, lift] = await Promise.all([api<CapsView>(`subscribers/${m}/caps`), api<DataLift>(`subscribers/${m}/caps/data-lift`)]);
    return { caps, lift };
  }, [m]);
  const act = useAction();
  const [monthly, setMonthly] = useState('');
  const [roaming, setRoaming] = useState('');
  const [dataHard, setDataHard] = useState(false);
  const [bad, setBad] = useState(false);
  useEffect(() => {
    const c = data.data?.caps;
    if (!c) return;
    setMonthly(rubles(c.monthly));
    setRoaming(rubles(c.roaming));
    setDataHard(c.dataHard);
  }, [data.data?.caps]);
  if (data.error) return <ErrorBox error={data.error} onRetry={() => void data.reload()} />;
  if (!data.data) return <Loading />;
  const { lift } = data.data;

  const save = (e: FormEvent) => {
    e.preventDefault();
    const month = monthly.trim() === '' ? null : parseRubles(monthly);
    // A roaming cap of 0 stops paid roaming altogether (parseRubles takes only positive amounts).
    const roam = /^0+([.,]0{1,2})?$/.test(roaming.trim()) ? 0 : parseRubles(roaming);
    if ((monthly.trim() !== '' && month === null) || roam === null) {
      setBad(true);
      return;
    }
    setBad(false);
    void act.run(
      async () => {
        await api(`subscribers/${m}/caps`, { method: 'PATCH', body: { monthly: month, roaming: roam, dataHard } });
        await data.reload();
      },
      t('capsSaved'),
      'caps',
    );
  };
  const price = lift.fee === null ? '' : money(lift.fee, lang);
  const buyLift = () =>
    act.ask(
      t('capsLiftConfirm', { price }),
      async () => {
        const r = await api<{ liftedUntil: string }>(`subscribers/${m}/caps/data-lift`, { method: 'POST', idempotent: true });
        await data.reload();
        act.setNotice(t('capsLifted', { until: dateTime(r.liftedUntil, lang) }));
      },
      'lift',
    );

  return (
    <Page title={t('capsTitle')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      {lift.shown ? (
        <Section title={t('capsLift', { price })}>
          <p className="muted">{t('capsLiftHelp')}</p>
          <button type="button" disabled={act.busy || lift.refusal !== null} onClick={buyLift}>
            {t('capsLift', { price })}
          </button>
          <ErrorBox error={act.errorAt('lift')} />
        </Section>
      ) : null}
      {lift.liftedUntil ? <p data-testid="data-lifted">{t('capsLifted', { until: dateTime(lift.liftedUntil, lang) })}</p> : null}
      <Section title={t('capsTitle')}>
        <p className="muted">{t('capsHelp')}</p>
        <form onSubmit={save} data-testid="caps">
          <Field label={t('capsMonthly')}>{(id) => <input id={id} inputMode="decimal" autoComplete="off" value={monthly} aria-invalid={bad} onChange={(e) => setMonthly(e.target.value)} />}</Field>
          <Field label={t('capsRoaming')}>{(id) => <input id={id} inputMode="decimal" autoComplete="off" value={roaming} aria-invalid={bad} onChange={(e) => setRoaming(e.target.value)} />}</Field>
          {bad && <p role="alert">{t('capsBadAmount')}</p>}
          <div className="stack">
            <Switch label={t('capsDataHard')} checked={dataHard} disabled={act.busy} onChange={setDataHard} />
          </div>
          <ErrorBox error={act.errorAt('caps')} />
          <button type="submit" disabled={act.busy}>
            {t('save')}
          </button>
        </form>
      </Section>
    </Page>
  );
}
