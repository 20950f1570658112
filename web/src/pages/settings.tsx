import { useState, type FormEvent } from 'react';
import { channelName, loginMethodName } from '../actions.ts';
import { api, ApiError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateTime, forgetLastBalance } from '../format.ts';
import type { NewWidgetToken, OpenSession, Profile, TermsOfUse, WidgetToken } from '../api-shapes.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';
import { LangSwitch } from './lang-switch.tsx';
import { SocialLinks } from './social.tsx';

function Widgets({ m }: { m: string }) {
  const { t, lang } = useApp();
  const list = useLoad(() => api<{ items: WidgetToken[] }>(`subscribers/${m}/widget-tokens`), [m]);
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<NewWidgetToken | null>(null);
  const act = useAction();
  if (list.error instanceof ApiError && list.error.status === 404) return <p className="muted">{t('notAvailable')}</p>;
  return (
    <>
      <p>{t('widgetHelp')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            setCreated(await api<NewWidgetToken>(`subscribers/${m}/widget-tokens`, { method: 'POST', body: { label } }));
            setLabel('');
            await list.reload();
          }, undefined, 'create');
        }}
      >
        <Field label={t('widgetLabel')}>{(id) => <input id={id} required maxLength={100} value={label} onChange={(e) => setLabel(e.target.value)} />}</Field>
        <ErrorBox error={act.errorAt('create')} />
        <button type="submit" disabled={act.busy}>
          {t('widgetCreate')}
        </button>
      </form>
      <ErrorBox error={list.error ?? act.pageError} />
      {created && (
        <div className="card inset" data-testid="widget-created">
          <Field label={t('widgetToken')}>{(id) => <input id={id} readOnly value={created.token} />}</Field>
          <Field label="iframe">{(id) => <textarea id={id} readOnly rows={3} value={created.embed.iframe} />}</Field>
          <Field label="script">{(id) => <textarea id={id} readOnly rows={2} value={created.embed.script} />}</Field>
          <iframe title={t('widget')} src={`/widget/card?token=${encodeURIComponent(created.token)}&lang=${lang}`} className="widget-preview" />
        </div>
      )}
      <ul className="list">
        {(list.data?.items ?? []).map((w) => (
          <li key={w.id} className="item">
            <div>
              <p className="strong">{w.label}</p>
              <p className="muted">
                {dateTime(w.createdAt, lang)}
                {w.revokedAt ? ` · ${t('widgetRevoked')}` : ''}
              </p>
            </div>
            <ErrorBox error={act.errorAt(`revoke:${w.id}`)} />
            {!w.revokedAt && (
              <button type="button" aria-label={`${t('widgetRevoke')}: ${w.label}`} onClick={() => void act.run(async () => (await api(`subscribers/${m}/widget-tokens/${w.id}`, { method: 'DELETE' }), await list.reload()), undefined, `revoke:${w.id}`)}>
                {t('widgetRevoke')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The holder's e-mail, where bill links go by e-mail (a business number's is its company's: not shown). */
function BillEmail({ m, current, onSaved }: { m: string; current: string | null; onSaved: () => Promise<void> }) {
  const { t } = useApp();
  const [email, setEmail] = useState(current ?? '');
  const act = useAction();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          await api(`subscribers/${m}/preferences`, { method: 'PATCH', body: { email: email.trim() === '' ? null : email.trim() } });
          await onSaved();
        }, t('billEmailSaved'));
      }}
    >
      <p className="muted">{t('billEmailHelp')}</p>
      <Field label={t('billEmail')}>{(id) => <input id={id} type="email" autoComplete="email" maxLength={254} value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
      <ErrorBox error={act.error} />
      <Notice text={act.notice} />
      <button type="submit" disabled={act.busy}>
        {t('save')}
      </button>
    </form>
  );
}

export default function Settings() {
  const { t, lang, me, refreshMe } = useApp();
  const m = me.msisdn ?? 'me';
  const data = useLoad(async () => {
    const [profile, sessions, terms] = await Promise.all([
      api<Profile>(`subscribers/${m}`),
      api<{ items: OpenSession[] }>('auth/sessions'),
      api<TermsOfUse>('terms').catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    ]);
    return { profile, sessions: sessions.items, terms };
  }, [m]);
  const act = useAction();
  // The password form's own refusal and notice, beside its fields, not at the top of the page.
  const pw = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  if (data.error) return <ErrorBox error={data.error} onRetry={() => void data.reload()} />;
  if (!data.data) return <Loading />;
  const { profile, sessions, terms } = data.data;

  const changePassword = (e: FormEvent) => {
    e.preventDefault();
    void pw.run(async () => {
      await api('auth/password/change', { method: 'POST', body: { currentPassword: current, newPassword: next } });
      setCurrent('');
      setNext('');
    }, t('passwordChanged'));
  };
  const logout = async (all: boolean) => {
    await act.run(async () => {
      await api(all ? 'auth/logout-all' : 'auth/logout', { method: 'POST' });
      forgetLastBalance();
      await refreshMe();
    }, undefined, 'logout');
  };
  return (
    <Page title={t('navSettings')}>
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      <Section title={t('spendAlerts')}>
        <p className="muted">{t('alertsHelp')}</p>
        <a className="button" href="/alerts">
          {t('spendAlerts')}
        </a>
      </Section>
      <Section title={t('capsTitle')}>
        <p className="muted">{t('capsHelp')}</p>
        <a className="button" href="/caps">
          {t('capsTitle')}
        </a>
      </Section>
      <Section title={t('lang')}>
        <LangSwitch persist />
      </Section>
      <Section title={t('ussdScript')}>
        <div className="tabs" role="group" aria-label={t('ussdScript')}>
          {(['cyrillic', 'latin'] as const).map((s) => (
            <button key={s} type="button" aria-pressed={profile.script === s} onClick={() => void act.run(async () => (await api(`subscribers/${m}/preferences`, { method: 'PATCH', body: { script: s } }), await data.reload()), undefined, 'script')}>
              {t(s)}
            </button>
          ))}
        </div>
        <ErrorBox error={act.errorAt('script')} />
      </Section>
      {profile.customerKind === 'person' && (
        <Section title={t('billEmail')}>
          <BillEmail m={m} current={profile.email} onSaved={() => data.reload()} />
        </Section>
      )}
      <Section title={t('changePassword')}>
        <form onSubmit={changePassword}>
          <Field label={t('currentPassword')}>{(id) => <input id={id} type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />}</Field>
          <Field label={t('newPassword')}>{(id) => <input id={id} type="password" autoComplete="new-password" minLength={8} required value={next} onChange={(e) => setNext(e.target.value)} />}</Field>
          {/* "Wrong number or password" is the login's words; here only the current password can be wrong. */}
          <ErrorBox error={pw.error instanceof ApiError && pw.error.problem.code === 'INVALID_CREDENTIALS' ? new ApiError(400, { title: t('wrongCurrentPassword') }) : pw.error} />
          <Notice text={pw.notice} />
          <button type="submit" disabled={pw.busy}>
            {t('save')}
          </button>
        </form>
      </Section>
      <Section title={t('social')} id="social">
        <SocialLinks />
      </Section>
      <Section title={t('sessions')}>
        <ul className="list">
          {sessions.map((s) => (
            <li key={s.createdAt + (s.ip ?? '')} className="item">
              <span>
                {dateTime(s.createdAt, lang)} · {channelName(s.channel, lang)} · {loginMethodName(s.method, lang)}
              </span>
            </li>
          ))}
        </ul>
        <ErrorBox error={act.errorAt('logout')} />
        <div className="stack">
          <button type="button" onClick={() => void logout(false)}>
            {t('logout')}
          </button>
          <button type="button" onClick={() => void logout(true)}>
            {t('logoutAll')}
          </button>
        </div>
      </Section>
      <Section title={t('terms')}>
        {terms ? (
          <p>
            {t('termsVersion')}: {terms.version} · {t('termsAccepted')}: {terms.acceptedVersion ?? '—'}
          </p>
        ) : (
          <p className="muted">{t('notAvailable')}</p>
        )}
        {terms && (
          <a className="button" href="/terms">
            {t('terms')}
          </a>
        )}
      </Section>
      <Section title={t('widget')}>
        <Widgets m={m} />
      </Section>
    </Page>
  );
}
