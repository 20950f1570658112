import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateTime, dayDate, money, parseRubles } from '../format.ts';
import type { Key } from '../i18n.ts';
import type { AutoPayment, Card, Payment, Promised } from '../api-shapes.ts';
import { PaymentHistory } from './payment-history.tsx';
import { ErrorBox, Field, Loading, Notice, Page, Section, Switch, useAction, useLoad } from '../ui.tsx';

interface Plan {
  id: number;
  deviceName: string;
  total: number;
  months: number;
  monthlyAmount: number;
  left: number;
  status: string;
  schedule: { seq: number; dueAt: string; dueDate: string; amount: number; status: 'paid' | 'due' | 'upcoming' }[];
}

export default function Payments() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  // Back from the provider's page (?payment=succeeded|failed|cancelled): show that payment's own status.
  const returned = new URLSearchParams(location.search).has('payment') ? sessionStorage.getItem('abonent.payment') : null;
  const { data, error, reload } = useLoad(async () => {
    const [cards, auto, promised, plans, back] = await Promise.all([
      api<{ items: Card[] }>(`subscribers/${m}/cards`),
      api<AutoPayment>(`subscribers/${m}/auto-payment`),
      api<Promised>(`subscribers/${m}/promised-payment`),
      api<{ items: Plan[] }>(`subscribers/${m}/installments`),
      returned && /^[0-9a-f-]{36}$/.test(returned) ? api<Payment>(`subscribers/${m}/payments/${returned}`) : Promise.resolve(null),
    ]);
    return { cards: cards.items, auto, promised, plans: plans.items, back };
  }, [m, returned]);
  const act = useAction();
  // Sent here by a refusal for want of money (`?topup=` kopecks): that amount, filled in.
  const [amount, setAmount] = useState(() => {
    const k = Number(new URLSearchParams(location.search).get('topup'));
    return Number.isInteger(k) && k > 0 && k <= 1_500_000 ? (k % 100 === 0 ? String(k / 100) : (k / 100).toFixed(2).replace('.', lang === 'ru' ? ',' : '.')) : '300';
  });
  const [saveCard, setSaveCard] = useState(false);
  const [threshold, setThreshold] = useState('100');
  const [autoAmount, setAutoAmount] = useState('300');

  // The provider's webhook may land a moment after the payer is back: look again while pending.
  useEffect(() => {
    if (data?.back?.status !== 'pending') return;
    const timer = setTimeout(() => void reload(), 1000);
    return () => clearTimeout(timer);
  }, [data, reload]);

  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data) return <Loading />;

  const topUp = (e: FormEvent) => {
    e.preventDefault();
    const kop = parseRubles(amount);
    if (kop === null) return act.setError(new Error(t('invalidAmount')), 'topup');
    void act.run(async () => {
      const res = await api<{ paymentId: string; confirmationUrl: string | null; status: string }>(`subscribers/${m}/payments`, {
        method: 'POST',
        body: { amount: kop, saveCard, returnUrl: '/payments' },
        idempotent: true,
      });
      sessionStorage.setItem('abonent.payment', res.paymentId);
      if (res.confirmationUrl) location.assign(res.confirmationUrl);
      else await reload();
    }, undefined, 'topup');
  };
  const payByCard = (card: Card) => {
    const kop = parseRubles(amount);
    if (kop === null) return act.setError(new Error(t('invalidAmount')), `card:${card.id}`);
    act.ask(
      `${t('payByCard')} •••• ${card.last4}: ${money(kop, lang)}?`,
      async () => {
        await api(`subscribers/${m}/payments/card`, { method: 'POST', body: { amount: kop, cardId: card.id }, idempotent: true });
        await reload();
      },
      `card:${card.id}`,
    );
  };
  const setAuto = (e: FormEvent) => {
    e.preventDefault();
    const th = parseRubles(threshold);
    const am = parseRubles(autoAmount);
    const card = data.cards[0];
    if (th === null || am === null || !card) return act.setError(new Error(t('invalidAmount')), 'auto');
    void act.run(
      async () => {
        await api(`subscribers/${m}/auto-payment`, { method: 'PUT', body: { mode: 'threshold', amount: am, threshold: th, cardId: card.id } });
        await reload();
      },
      t('done'),
      'auto',
    );
  };
  const p = data.promised;

  return (
    <Page title={t('navPayments')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      {data.back && (
        <p className="alert" role="status" data-testid="payment-result">
          {t('paymentStatus')} {money(data.back.amount, lang)}: {t(`st_${data.back.status}` as Key)}
        </p>
      )}
      <Section title={t('topUp')}>
        <form onSubmit={topUp}>
          <Field label={t('amountRub')}>{(id) => <input id={id} inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} />}</Field>
          <Switch label={t('saveCard')} checked={saveCard} onChange={setSaveCard} />
          <ErrorBox error={act.errorAt('topup')} />
          <button type="submit" className="primary wide" disabled={act.busy}>
            {t('pay')}
          </button>
        </form>
      </Section>
      <Section title={t('savedCards')}>
        {data.cards.length === 0 ? (
          <p className="muted">{t('noCards')}</p>
        ) : (
          <ul className="list">
            {data.cards.map((c) => (
              <li key={c.id} className="item">
                <span>
                  {c.brand} •••• {c.last4} ({c.expiry})
                </span>
                <span className="row">
                  <button type="button" onClick={() => payByCard(c)}>
                    {t('pay')}
                  </button>
                  <button type="button" onClick={() => act.ask(`${t('removeCard')} •••• ${c.last4}?`, async () => (await api(`subscribers/${m}/cards/${c.id}`, { method: 'DELETE' }), await reload()), `card:${c.id}`)}>
                    {t('removeCard')}
                  </button>
                </span>
                <ErrorBox error={act.errorAt(`card:${c.id}`)} />
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title={t('promised')}>
        {p.active ? (
          <p data-testid="promised-active">
            {t('promisedActive')}: {money(p.active.amount, lang)} · {t('promisedDue')} {dateTime(String(p.active.dueAt), lang)}
          </p>
        ) : p.available ? (
          <>
            <p className="muted">
              {t('promisedTerm')}: {p.termDays}
            </p>
            <ul className="list">
              {p.options.map((o) => (
                <li key={o.amount} className="item" data-amount={o.amount} data-fee={o.fee}>
                  <span>
                    {money(o.amount, lang)} · {o.statement[lang]}
                  </span>
                  <button
                    type="button"
                    onClick={() =>
                      act.ask(
                        t('confirmPromised', { amount: money(o.amount, lang), fee: money(o.fee, lang), days: p.termDays }),
                        async () => {
                          await api(`subscribers/${m}/promised-payment`, { method: 'POST', body: { amount: o.amount }, idempotent: true });
                          await reload();
                        },
                        `promised:${o.amount}`,
                      )
                    }
                  >
                    {t('promisedTake')} {money(o.amount, lang)}
                  </button>
                  <ErrorBox error={act.errorAt(`promised:${o.amount}`)} />
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="muted">
            {t('promisedUnavailable')}
            {p.reason ? ` (${p.reason})` : ''}
          </p>
        )}
      </Section>
      <Section title={t('autoPay')}>
        {data.auto.settings?.enabled ? (
          <>
            <p data-testid="autopay-on">
              {data.auto.settings.threshold !== null
                ? t('autoPayRule', { threshold: money(data.auto.settings.threshold, lang), amount: money(data.auto.settings.amount, lang) })
                : `${t('autoPayOn')}: ${money(data.auto.settings.amount, lang)}`}
            </p>
            <button type="button" onClick={() => void act.run(async () => (await api(`subscribers/${m}/auto-payment`, { method: 'DELETE' }), await reload()))}>
              {t('autoPayTurnOff')}
            </button>
          </>
        ) : data.cards.length === 0 ? (
          <p className="muted">
            {t('autoPayOff')} {t('autoPayNeedsCard')}
          </p>
        ) : (
          <form onSubmit={setAuto}>
            <Field label={t('autoPayThreshold')}>{(id) => <input id={id} inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />}</Field>
            <Field label={t('amountRub')}>{(id) => <input id={id} inputMode="decimal" value={autoAmount} onChange={(e) => setAutoAmount(e.target.value)} />}</Field>
            <ErrorBox error={act.errorAt('auto')} />
            <button type="submit">{t('save')}</button>
          </form>
        )}
      </Section>
      <Section title={t('installments')}>
        {data.plans.length === 0 ? (
          <p className="muted">{t('noInstallments')}</p>
        ) : (
          data.plans.map((pl) => (
            <div key={pl.id}>
              <p className="strong">
                {pl.deviceName}: {money(pl.left, lang)} / {money(pl.total, lang)}
              </p>
              <ul className="list">
                {pl.schedule.map((s) => (
                  <li key={s.seq} className="item">
                    <span>{dayDate(s.dueDate, lang)}</span>
                    <span>
                      {money(s.amount, lang)} · {t(`is_${s.status}` as Key)}
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          ))
        )}
      </Section>
      <PaymentHistory m={m} refresh={data} />
    </Page>
  );
}
