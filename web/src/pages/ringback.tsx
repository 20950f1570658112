import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import type { RingbackOverview } from '../api-shapes.ts';
import { dateOnly } from '../format.ts';
import type { Key } from '../i18n.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';

type Rule = RingbackOverview['rules'][number];
type Melody = RingbackOverview['catalog'][number];

const SERVICE: Record<string, Key> = { off: 'rbServiceOff', active: 'rbServiceOn', suspended: 'rbServiceSuspended', held: 'rbServiceHeld' };

/** Ringback tones: the melodies with their previews, the library, who hears what and when. */
export default function Ringback() {
  const { t, lang } = useApp();
  const data = useLoad(() => api<RingbackOverview>('subscribers/me/ringback'), []);
  const act = useAction();
  const [melody, setMelody] = useState('');
  const [callers, setCallers] = useState('');
  const [group, setGroup] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  if (data.error) return <ErrorBox error={data.error} onRetry={() => void data.reload()} />;
  if (!data.data) return <Loading />;
  const o = data.data;
  const byCode = new Map(o.catalog.map((m) => [m.code, m]));
  const title = (code: string) => byCode.get(code)?.title[lang] ?? code;
  const owned = o.library.filter((l) => l.status === 'active');
  const on = o.service === 'active';
  const after = (fn: () => Promise<unknown>) => async () => {
    await fn();
    await data.reload();
  };
  const who = (r: Rule) => (r.callers === null ? t('rbEveryone') : r.group ? `${t('rbGroup')} «${r.group}»: ${r.callers.join(', ')}` : r.callers.join(', '));
  const when = (r: Rule) => (r.from && r.to ? t('rbFromTo', { from: r.from, to: r.to }) : t('rbAllDay'));
  const buy = (m: Melody) =>
    act.ask(t('rbConfirmBuy', { name: m.title[lang], price: m.statement[lang] }), after(() => api('subscribers/me/ringback/library', { method: 'POST', body: { melody: m.code }, idempotent: true })), `buy:${m.code}`);
  const setRule = () =>
    act.ask(
      t('rbConfirmSet', { name: title(melody) }),
      after(async () => {
        const list = callers.split(/[\s,;]+/).filter(Boolean);
        await api('subscribers/me/ringback/rules', {
          method: 'POST',
          body: { melody, ...(list.length ? { callers: list } : {}), ...(group.trim() && list.length ? { group: group.trim() } : {}), ...(from && to ? { from, to } : {}) },
        });
        setCallers('');
        setGroup('');
      }),
      'rule',
    );
  return (
    <Page title={t('rbTitle')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      <Section title={t('rbService')}>
        <p data-testid="rb-service">{t(SERVICE[o.service]!)}</p>
        {on ? <p className="muted">{o.nowForEveryone ? t('rbNowPlaying', { name: title(o.nowForEveryone) }) : t('rbNowRinging')}</p> : null}
        {!on && o.service !== 'held' ? (
          <Link href="/services" className="button">
            {t('rbConnectInServices')}
          </Link>
        ) : null}
      </Section>
      <Section title={t('rbCatalog')}>
        <ul className="list" data-testid="rb-catalog">
          {o.catalog.map((m) => {
            const mine = owned.some((l) => l.melody === m.code);
            return (
              <li key={m.code} className="item rb-melody">
                <div>
                  <p className="strong">{m.title[lang]}</p>
                  <p className="muted">
                    {m.artist[lang]} · {m.genre[lang]}
                  </p>
                  <p className="muted" data-testid="price">
                    {m.statement[lang]}
                  </p>
                  <audio controls preload="metadata" aria-label={`${t('rbPreview')}: ${m.title[lang]}`} data-code={m.code}>
                    <source src={m.preview.ogg} type="audio/ogg" />
                    <source src={m.preview.wav} type="audio/wav" />
                  </audio>
                </div>
                <ErrorBox error={act.errorAt(`buy:${m.code}`)} />
                {mine ? (
                  <span className="muted">{t('rbInLibrary')}</span>
                ) : (
                  <button type="button" disabled={!on || act.busy} onClick={() => buy(m)}>
                    {t('rbBuy')}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      </Section>
      <Section title={t('rbLibrary')}>
        {o.library.length === 0 ? <p className="muted">{t('rbLibraryEmpty')}</p> : null}
        <ul className="list" data-testid="rb-library">
          {o.library.map((l) => (
            <li key={l.melody} className="item">
              <div>
                <p className="strong">{title(l.melody)}</p>
                <p className="muted">{l.status === 'active' ? t('rbNextCharge', { date: dateOnly(l.nextChargeAt, lang) }) : t(o.service === 'off' ? 'rbPausedServiceOff' : o.service === 'held' ? 'rbHeld' : 'rbSuspended')}</p>
              </div>
              <ErrorBox error={act.errorAt(`lib:${l.melody}`)} />
              <span className="stack">
                {l.status === 'active' ? (
                  <button type="button" disabled={!on || act.busy} onClick={() => void act.run(after(() => api('subscribers/me/ringback/rules', { method: 'POST', body: { melody: l.melody } })), t('rbSetDone'), `lib:${l.melody}`)}>
                    {t('rbForEveryone')}
                  </button>
                ) : null}
                <button type="button" disabled={act.busy} onClick={() => act.ask(t('rbConfirmRemove', { name: title(l.melody) }), after(() => api('subscribers/me/ringback/remove', { method: 'POST', body: { melody: l.melody } })), `lib:${l.melody}`)}>
                  {t('rbRemove')}
                </button>
              </span>
            </li>
          ))}
        </ul>
      </Section>
      <Section title={t('rbRules')}>
        {o.rules.length === 0 ? <p className="muted">{t('rbNoRules')}</p> : null}
        <ul className="list" data-testid="rb-rules">
          {o.rules.map((r) => (
            <li key={r.id} className="item">
              <div>
                <p className="strong">{title(r.melody)}</p>
                <p className="muted">
                  {who(r)} · {when(r)}
                </p>
              </div>
              <ErrorBox error={act.errorAt(`rule:${r.id}`)} />
              <button type="button" aria-label={`${t('rbRemove')}: ${title(r.melody)}, ${who(r)}`} disabled={act.busy} onClick={() => void act.run(after(() => api('subscribers/me/ringback/remove', { method: 'POST', body: { rule: r.id } })), undefined, `rule:${r.id}`)}>
                {t('rbRemove')}
              </button>
            </li>
          ))}
        </ul>
        {on && owned.length > 0 ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setRule();
            }}
          >
            <Field label={t('rbMelody')}>
              {(id) => (
                <select id={id} required value={melody} onChange={(e) => setMelody(e.target.value)}>
                  <option value="">—</option>
                  {owned.map((l) => (
                    <option key={l.melody} value={l.melody}>
                      {title(l.melody)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('rbCallers')} hint={t('rbCallersHint')}>
              {(id) => <input id={id} type="text" inputMode="tel" value={callers} onChange={(e) => setCallers(e.target.value)} />}
            </Field>
            <Field label={t('rbGroupName')}>{(id) => <input id={id} type="text" maxLength={40} value={group} onChange={(e) => setGroup(e.target.value)} />}</Field>
            <Field label={t('rbFrom')} hint={t('rbTimeHint')}>
              {(id) => <input id={id} type="time" value={from} onChange={(e) => setFrom(e.target.value)} />}
            </Field>
            <Field label={t('rbTo')}>{(id) => <input id={id} type="time" value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
            <ErrorBox error={act.errorAt('rule')} />
            <div className="stack">
              <button type="submit" className="primary" disabled={act.busy}>
                {t('rbSet')}
              </button>
            </div>
          </form>
        ) : null}
        <ErrorBox error={act.errorAt('stop')} />
        {on && o.rules.length > 0 ? (
          <button type="button" disabled={act.busy} onClick={() => act.ask(t('rbConfirmStop'), after(() => api('subscribers/me/ringback/remove', { method: 'POST', body: { all: true } })), 'stop')}>
            {t('rbStop')}
          </button>
        ) : null}
      </Section>
    </Page>
  );
}
