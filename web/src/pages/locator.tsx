import { useState } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import type { FriendLocation, LocateOffer, LocatorOverview } from '../api-shapes.ts';
import { dateTime, phoneNumber } from '../format.ts';
import type { Key } from '../i18n.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';
import { LocatorMap } from './locator-map.tsx';

const STATUS: Record<string, Key> = { pending: 'locPending', granted: 'locGranted', refused: 'locRefused', revoked: 'locRevoked' };

export default function Locator() {
  const { t, lang } = useApp();
  const data = useLoad(() => api<LocatorOverview>('subscribers/me/locator'), []);
  // The price of a request, stated before asking (none when a connected product includes them).
  const price = useLoad(() => api<LocateOffer>('subscribers/me/locator/offer'), []);
  const act = useAction();
  const [target, setTarget] = useState('');
  const [loc, setLoc] = useState<FriendLocation | null>(null);
  if (data.error) return <ErrorBox error={data.error} onRetry={() => void data.reload()} />;
  if (!data.data) return <Loading />;
  const { asked, given, locatedBy } = data.data;
  const locate = (msisdn: string, at: string) =>
    void act.run(
      async () => {
        const go = async () => setLoc(await api<FriendLocation>('subscribers/me/locator/locate', { method: 'POST', body: { target: msisdn } }));
        // The offer for this number: a paid request is confirmed with its price first.
        const o = await api<LocateOffer>(`subscribers/me/locator/offer?target=${encodeURIComponent(msisdn)}`);
        if (o.available && o.confirmation.kind === 'explicit' && o.statement) act.ask(t('locConfirm', { number: phoneNumber(o.target ?? msisdn), price: o.statement[lang] }), go, at);
        else await go();
      },
      undefined,
      at,
    );
  const offer = price.data;
  return (
    <Page title={t('locTitle')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      {loc ? (
        <Section title={t('locResult')}>
          <p data-testid="locator-words">{loc.words[lang]}</p>
          <LocatorMap loc={loc} lang={lang} label={loc.words[lang]} />
        </Section>
      ) : null}
      <Section title={t('locFind')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            locate(target, 'find');
          }}
        >
          <Field label={t('phone')}>{(id) => <input id={id} type="tel" inputMode="tel" required value={target} onChange={(e) => setTarget(e.target.value)} />}</Field>
          {offer?.statement ? (
            <p className="muted" data-testid="locator-price">
              {t('locPrice', { price: offer.statement[lang] })}
            </p>
          ) : offer?.includedIn ? (
            <p className="muted" data-testid="locator-price">
              {t('locIncluded', { name: offer.includedIn.name[lang] })}
            </p>
          ) : null}
          <ErrorBox error={act.errorAt('find')} />
          <div className="stack">
            <button type="submit" className="primary" disabled={act.busy}>
              {t('locLocate')}
            </button>
            <button
              type="button"
              disabled={act.busy || !target}
              onClick={() => void act.run(async () => (await api('subscribers/me/locator/consents', { method: 'POST', body: { target } }), await data.reload()), t('locAsked'), 'find')}
            >
              {t('locAsk')}
            </button>
          </div>
        </form>
        <ul className="list">
          {asked.map((c) => (
            <li key={c.msisdn} className="item">
              <span>
                {phoneNumber(c.msisdn)} · {t(STATUS[c.status]!)}
                {c.child ? ` · ${t('locChild')}` : ''}
              </span>
              <ErrorBox error={act.errorAt(`asked:${c.msisdn}`)} />
              {c.status === 'granted' ? (
                <button type="button" disabled={act.busy} aria-label={`${t('locLocate')}: ${phoneNumber(c.msisdn)}`} onClick={() => locate(c.msisdn, `asked:${c.msisdn}`)}>
                  {t('locLocate')}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t('locWhoMaySee')}>
        {given.length === 0 ? <p className="muted">{t('locNobody')}</p> : null}
        <ul className="list">
          {given.map((c) => (
            <li key={c.msisdn} className="item">
              <span>
                {phoneNumber(c.msisdn)} · {t(STATUS[c.status]!)}
                {c.child ? ` · ${t('locChild')}` : ''}
              </span>
              <ErrorBox error={act.errorAt(`given:${c.msisdn}`)} />
              {c.status === 'pending' ? (
                <span className="stack">
                  <button type="button" onClick={() => void act.run(async () => (await api('subscribers/me/locator/consents/answer', { method: 'POST', body: { requester: c.msisdn, answer: 'yes' } }), await data.reload()), undefined, `given:${c.msisdn}`)}>
                    {t('locAllow')}
                  </button>
                  <button type="button" onClick={() => void act.run(async () => (await api('subscribers/me/locator/consents/answer', { method: 'POST', body: { requester: c.msisdn, answer: 'no' } }), await data.reload()), undefined, `given:${c.msisdn}`)}>
                    {t('locDeny')}
                  </button>
                </span>
              ) : c.status === 'granted' && !c.child ? (
                <button type="button" aria-label={`${t('locRevoke')}: ${phoneNumber(c.msisdn)}`} onClick={() => void act.run(async () => (await api(`subscribers/me/locator/consents/${c.msisdn}`, { method: 'DELETE' }), await data.reload()), undefined, `given:${c.msisdn}`)}>
                  {t('locRevoke')}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t('locWhoLocated')}>
        {locatedBy.length === 0 ? <p className="muted">{t('locNobody')}</p> : null}
        <ul className="list" data-testid="located-by">
          {locatedBy.map((r, i) => (
            <li key={`${r.at}-${i}`} className="item">
              <span>
                {phoneNumber(r.msisdn)} · {dateTime(r.at, lang)}
              </span>
            </li>
          ))}
        </ul>
      </Section>
    </Page>
  );
}
