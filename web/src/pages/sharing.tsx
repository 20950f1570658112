import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import type { ShareOffer, ShareResult } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { dateOnly, dateTime, phoneNumber, pluralForm, volume } from '../format.ts';
import type { Lang } from '../i18n.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';

type Kind = 'data' | 'minutes';

/** Sharing minutes and gigabytes: what can be given, a transfer with its confirmation, and the gifts given and received. */
export default function Sharing() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const { data, error, reload } = useLoad(() => api<ShareOffer>(`subscribers/${m}/sharing`), [m]);
  const act = useAction();
  const [kind, setKind] = useState<Kind>('data');
  const [amount, setAmount] = useState('');
  const [to, setTo] = useState('');
  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data) return <Loading />;

  const amountText = (k: Kind, n: number, l: Lang = lang) => (k === 'data' ? `${n.toLocaleString(l === 'ru' ? 'ru-RU' : 'en-GB')}\u00a0${t('gb')}` : `${n}\u00a0${t(`min_${pluralForm(n, l)}`)}`);
  const offer = data.kinds.find((k) => k.kind === kind) ?? data.kinds[0];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!offer) return;
    const n = /^\d{1,6}$/.test(amount.trim()) ? Number(amount.trim()) : Number.NaN;
    if (!(n >= offer.min && n <= offer.max)) {
      act.setError(new Error(t('shareBadAmount', { min: offer.min, max: offer.max })), 'share');
      return;
    }
    act.ask(
      t('shareConfirm', { what: amountText(offer.kind, n), to: to.trim(), price: offer.statement[lang], days: `${data.validDays}\u00a0${t(`days_${pluralForm(data.validDays, lang)}`)}` }),
      async () => {
        const r = await api<ShareResult>(`subscribers/${m}/sharing`, { method: 'POST', body: { kind: offer.kind, amount: n, to: to.trim() }, idempotent: true });
        act.setNotice(t('shareDone', { what: amountText(offer.kind, n), to: phoneNumber(r.to) }));
        setAmount('');
        setTo('');
        await reload();
      },
      'share',
    );
  };

  return (
    <Page title={t('navSharing')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      {data.available && offer ? (
        <Section title={t('shareSection')}>
          <form onSubmit={submit} data-testid="share-form">
            <Field label={t('shareWhat')}>
              {(id) => (
                <select id={id} value={offer.kind} onChange={(e) => setKind(e.target.value === 'minutes' ? 'minutes' : 'data')}>
                  {data.kinds.map((k) => (
                    <option key={k.kind} value={k.kind}>
                      {k.kind === 'data' ? t('shareData') : t('shareMinutes')}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <p className="muted" data-testid="share-left">
              {t('shareLeft', { left: amountText(offer.kind, offer.available) })} · {offer.statement[lang]}
            </p>
            <Field label={t('shareAmount', { min: offer.min, max: offer.max })}>
              {(id) => <input id={id} inputMode="numeric" autoComplete="off" value={amount} onChange={(e) => setAmount(e.target.value)} />}
            </Field>
            <Field label={t('shareTo')}>{(id) => <input id={id} type="tel" inputMode="tel" autoComplete="off" placeholder="+7 900 000-00-00" value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
            <ErrorBox error={act.errorAt('share')} />
            <button type="submit" disabled={act.busy}>
              {t('shareGive')}
            </button>
          </form>
          <p className="muted">{t('shareLimits', { today: data.limits.today, perDay: data.limits.perDay, month: data.limits.thisMonth, perMonth: data.limits.perMonth })}</p>
        </Section>
      ) : data.refusal ? (
        <ErrorBox error={new Error(refusalText(data, lang))} />
      ) : null}
      <Section title={t('shareHistory')}>
        {data.history.length === 0 ? (
          <p className="muted">{t('shareNone')}</p>
        ) : (
          <ul className="list" data-testid="share-history">
            {data.history.map((h) => (
              <li key={h.id} className="item">
                <span>
                  {h.direction === 'given' ? t('shareGiven') : t('shareReceived')}: {amountText(h.kind, h.amount)} · {phoneNumber(h.counterpart)}
                </span>
                <span className="muted">
                  {dateTime(h.at, lang)} · {t('shareUntil', { date: dateOnly(h.validUntil, lang) })}
                  {h.remaining !== null ? ` · ${t('shareRemaining', { left: h.kind === 'data' ? volume(h.remaining, lang) : amountText('minutes', Math.floor(h.remaining / 60)) })}` : ''}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </Page>
  );
}

/** Why sharing is not offered: the server's words come with a refused request; here only the common reasons are named. */
function refusalText(data: ShareOffer, lang: Lang): string {
  const code = data.refusal?.code;
  if (code === 'SHARE_LIMIT_REACHED') return lang === 'ru' ? 'Лимит передач исчерпан, попробуйте позже.' : 'You have reached the transfer limit; try later.';
  return lang === 'ru' ? 'Делиться пакетом с вашего номера сейчас нельзя.' : 'Your number cannot share its package now.';
}
