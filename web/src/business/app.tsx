import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { api, ApiError } from '../api.ts';
import { setDisplayZone } from '../format.ts';
import { useApp } from '../app-context.ts';
import { translateBiz, type BizKey } from './i18n.ts';
import { LangSwitch } from '../pages/lang-switch.tsx';
import { ErrorBox, Field, Loading, Notice } from '../ui.tsx';
import { BizContext, useBiz, type BizState } from './context.ts';
import type { Overview } from './types.ts';

const Dashboard = lazy(() => import('./dashboard.tsx'));
const Numbers = lazy(() => import('./numbers.tsx'));
const Bulk = lazy(() => import('./bulk.tsx'));
const Limits = lazy(() => import('./limits.tsx'));
const Orders = lazy(() => import('./orders.tsx'));
const Reports = lazy(() => import('./reports.tsx'));

const NAV: { href: string; key: BizKey; icon: string }[] = [
  { href: '/business', key: 'bizDashboard', icon: '▤' },
  { href: '/business/numbers', key: 'bizNumbers', icon: '☎' },
  { href: '/business/bulk', key: 'bizBulk', icon: '≡' },
  { href: '/business/limits', key: 'bizLimits', icon: '⊘' },
  { href: '/business/orders', key: 'bizOrders', icon: '✉' },
  { href: '/business/reports', key: 'bizReports', icon: '⤓' },
];

/** The business portal: its own login (email, password, SMS code), navigation and screens. */
const BUSINESS_ZONE = 'Europe/Moscow';

export default function BusinessApp() {
  const { lang } = useApp();
  const [me, setMe] = useState<Overview | null | undefined>(undefined);
  const [error, setError] = useState<unknown>();
  const bt = useCallback((k: BizKey, vars?: Record<string, string | number>) => translateBiz(lang, k, vars), [lang]);
  const reloadMe = useCallback(async () => {
    try {
      // Asked first, so the login form's visit makes no failing request.
      const who = await api<{ kind: string }>('auth/whoami');
      if (who.kind !== 'business_admin') {
        setMe(null);
        setError(undefined);
        return;
      }
      // The portal's times are the company's: Moscow, as its months and reports are.
      setDisplayZone(BUSINESS_ZONE);
      setMe(await api<Overview>('business/me'));
      setError(undefined);
    } catch (e) {
      // Nobody, or someone who is not a business admin (a subscriber's session): the login form.
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) setMe(null);
      else setError(e);
    }
  }, []);
  useEffect(() => {
    void reloadMe();
  }, [reloadMe]);
  const state = useMemo<BizState | null>(() => (me ? { me, bt, reloadMe } : null), [me, bt, reloadMe]);

  if (error)
    return (
      <main id="main" className="content">
        <ErrorBox error={error} onRetry={() => void reloadMe()} />
      </main>
    );
  if (me === undefined)
    return (
      <main id="main" className="content">
        <Loading />
      </main>
    );
  if (!state) return <BizLogin bt={bt} onDone={reloadMe} />;
  return (
    <BizContext.Provider value={state}>
      <BizShell>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/business" component={Dashboard} />
            <Route path="/business/numbers" component={Numbers} />
            <Route path="/business/bulk" component={Bulk} />
            <Route path="/business/limits" component={Limits} />
            <Route path="/business/orders" component={Orders} />
            <Route path="/business/reports" component={Reports} />
            <Route>
              <NotFound />
            </Route>
          </Switch>
        </Suspense>
      </BizShell>
    </BizContext.Provider>
  );
}

function NotFound() {
  const { t } = useApp();
  const { bt } = useBiz();
  return (
    <>
      <h1>{t('notFound')}</h1>
      <Link href="/business" className="button">
        {bt('bizDashboard')}
      </Link>
    </>
  );
}

function BizShell({ children }: { children: React.ReactNode }) {
  const [location] = useLocation();
  const { t } = useApp();
  const { me, bt, reloadMe } = useBiz();
  const active = (href: string) => (href === '/business' ? location === '/business' : location.startsWith(href));
  // On a phone the navigation is one row that scrolls sideways: keep the current page's link in view.
  const nav = useRef<HTMLElement>(null);
  useEffect(() => {
    const n = nav.current;
    const a = n?.querySelector<HTMLElement>('[aria-current="page"]');
    if (n && a && n.scrollWidth > n.clientWidth) n.scrollLeft = a.offsetLeft - (n.clientWidth - a.offsetWidth) / 2;
  }, [location]);
  const logout = async () => {
    await api('auth/logout', { method: 'POST' }).catch(() => undefined);
    await reloadMe();
  };
  return (
    <div className="layout biz-layout">
      <a className="skip" href="#main">
        {t('skip')}
      </a>
      <header className="topbar">
        <Link href="/business" className="brand">
          {bt('bizTitle')}
        </Link>
        <span className="biz-who" data-testid="biz-who">
          {me.customer.name} · {bt(`bizRole_${me.admin.role}`)}
        </span>
      </header>
      <nav className="biz-nav" aria-label={bt('bizNav')} ref={nav}>
        <ul>
          {NAV.filter((n) => n.href !== '/business/reports' || me.can.seeMoney).map((n) => (
            <li key={n.href}>
              <Link href={n.href} aria-current={active(n.href) ? 'page' : undefined}>
                <span aria-hidden="true" className="icon">
                  {n.icon}
                </span>
                {bt(n.key)}
              </Link>
            </li>
          ))}
        </ul>
        <div className="biz-nav-tools">
          <LangSwitch />
          <button type="button" onClick={() => void logout()}>
            {bt('bizLogout')}
          </button>
        </div>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {!me.can.changeNumbers ? (
          <p className="alert" data-testid="read-only">
            {bt('bizReadOnly')}
          </p>
        ) : null}
        {children}
      </main>
    </div>
  );
}

function BizLogin({ bt, onDone }: { bt: BizState['bt']; onDone: () => Promise<void> }) {
  const { t } = useApp();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<{ challenge: string; phoneHint: string } | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    document.title = `${bt('bizLogin')} — ${t('appName')}`;
  }, [bt, t]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (!challenge) setChallenge(await api<{ challenge: string; phoneHint: string }>('auth/business/login', { method: 'POST', body: { email, password } }));
      else {
        await api('auth/business/verify', { method: 'POST', body: { email, challenge: challenge.challenge, code } });
        await onDone();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="content login">
      <div className="login-top">
        <p className="brand">{bt('bizTitle')}</p>
        <LangSwitch />
      </div>
      <h1>{bt('bizLogin')}</h1>
      <p className="muted">{bt('bizLoginHint')}</p>
      <form onSubmit={(e) => void submit(e)} className="card">
        <Field label={t('email')}>
          {(id) => <input id={id} type="email" autoComplete="username" required value={email} readOnly={!!challenge} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        {!challenge ? (
          <Field label={t('password')}>
            {(id) => <input id={id} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
          </Field>
        ) : (
          <Field label={bt('bizCode')}>
            {(id) => <input id={id} inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />}
          </Field>
        )}
        <ErrorBox error={error} />
        <Notice text={challenge ? bt('bizCodeSent', { phone: challenge.phoneHint }) : null} />
        <button type="submit" className="primary wide" disabled={busy}>
          {challenge ? bt('bizVerify') : bt('bizGetCode')}
        </button>
      </form>
      <div className="stack">
        {challenge ? (
          <button type="button" onClick={() => (setChallenge(null), setCode(''), setError(undefined))}>
            {t('cancel')}
          </button>
        ) : null}
        <a className="button" href="/">
          {bt('bizBackToSubscriber')}
        </a>
      </div>
    </main>
  );
}
