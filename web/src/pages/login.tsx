import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { Field, Notice, ErrorBox } from '../ui.tsx';
import { LangSwitch } from './lang-switch.tsx';
import { SocialLoginButtons } from './social.tsx';

type Mode = 'password' | 'code' | 'staff';

export function Login() {
  const { t, refreshMe, me } = useApp();
  const [mode, setMode] = useState<Mode>('password');
  const [msisdn, setMsisdn] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [email, setEmail] = useState('');
  const [codeSent, setCodeSent] = useState(false);
  const [trying, setTrying] = useState(true);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = `${t('loginTitle')} — ${t('appName')}`;
  }, [t]);

  // On the operator's own mobile data a trusted proxy vouches for the number: try that first.
  useEffect(() => {
    let gone = false;
    api<{ available: boolean }>('auth/network')
      .then(async (n) => {
        if (!n.available) return;
        await api('auth/network', { method: 'POST' });
        await refreshMe();
      })
      .catch(() => undefined)
      .finally(() => {
        if (!gone) setTrying(false);
      });
    return () => {
      gone = true;
    };
  }, [refreshMe]);

  const go = async (fn: () => Promise<unknown>, after?: () => void) => {
    setBusy(true);
    setError(undefined);
    setNotice(null);
    try {
      await fn();
      after?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode === 'password') void go(() => api('auth/login', { method: 'POST', body: { msisdn, password } }).then(refreshMe));
    else if (mode === 'staff') void go(() => api('auth/staff/login', { method: 'POST', body: { email, password } }).then(refreshMe));
    else if (!codeSent) void go(() => api('auth/code', { method: 'POST', body: { msisdn } }), () => (setCodeSent(true), setNotice(t('codeSent'))));
    else void go(() => api('auth/code/verify', { method: 'POST', body: { msisdn, code } }).then(refreshMe));
  };

  return (
    <main id="main" className="content login">
      <div className="login-top">
        <p className="brand">{t('appName')}</p>
        <LangSwitch />
      </div>
      <h1>{mode === 'staff' ? t('staffLogin') : t('loginTitle')}</h1>
      {trying ? (
        <p role="status" className="muted">
          {t('networkTrying')}
        </p>
      ) : null}
      {mode !== 'staff' && (
        <div className="tabs" role="group" aria-label={t('loginTitle')}>
          <button type="button" aria-pressed={mode === 'password'} onClick={() => (setMode('password'), setError(undefined))}>
            {t('byPassword')}
          </button>
          <button type="button" aria-pressed={mode === 'code'} onClick={() => (setMode('code'), setError(undefined))}>
            {t('byCode')}
          </button>
        </div>
      )}
      <form onSubmit={submit} className="card">
        {mode === 'staff' ? (
          <Field label={t('email')}>{(id) => <input id={id} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
        ) : (
          <Field label={t('phone')}>
            {(id) => <input id={id} type="tel" inputMode="tel" autoComplete="tel" placeholder="+7 900 123-45-67" required value={msisdn} onChange={(e) => setMsisdn(e.target.value)} />}
          </Field>
        )}
        {mode !== 'code' ? (
          <Field label={t('password')}>
            {(id) => <input id={id} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
          </Field>
        ) : codeSent ? (
          <Field label={t('code')}>
            {(id) => <input id={id} inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />}
          </Field>
        ) : null}
        <ErrorBox error={error} />
        <Notice text={notice} />
        <button type="submit" className="primary wide" disabled={busy}>
          {mode === 'code' && !codeSent ? t('getCode') : t('login')}
        </button>
      </form>
      {mode !== 'staff' ? <SocialLoginButtons /> : null}
      {mode !== 'staff' ? (
        <div className="stack">
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              if (!msisdn) return setError(new ApiError(400, { title: t('phone') }));
              void go(() => api('auth/password/sms', { method: 'POST', body: { msisdn } }), () => (setMode('password'), setNotice(t('passwordSent'))));
            }}
          >
            {t('passwordBySms')}
          </button>
          <button type="button" onClick={() => (setMode('staff'), setError(undefined))}>
            {t('staffLogin')}
          </button>
          {me.demo ? (
            <a className="button" href="/phone">
              {t('navPhone')}
            </a>
          ) : null}
          <a className="button" href="/business">
            {t('bizLink')}
          </a>
        </div>
      ) : (
        <button type="button" onClick={() => (setMode('password'), setError(undefined))}>
          {t('subscriberLogin')}
        </button>
      )}
    </main>
  );
}
