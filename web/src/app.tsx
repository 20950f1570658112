import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { api, NetworkError, setApiLang } from './api.ts';
import { AppContext, useApp, type AppState, type Me } from './app-context.ts';
import type { Profile, WhoAmI } from './api-shapes.ts';
import { dateTime, lastBalance, money, phoneNumber, setDisplayZone } from './format.ts';
import { storedLang, translate, type Key, type Lang } from './i18n.ts';
import { Login } from './pages/login.tsx';
import { Loading } from './ui.tsx';
import { NAV, type NavItem } from './nav.ts';

const Home = lazy(() => import('./pages/home.tsx'));
const Locator = lazy(() => import('./pages/locator.tsx'));
const Voicemail = lazy(() => import('./pages/voicemail.tsx'));
const Ringback = lazy(() => import('./pages/ringback.tsx'));
const Services = lazy(() => import('./pages/services.tsx'));
const Tariffs = lazy(() => import('./pages/tariffs.tsx'));
const Payments = lazy(() => import('./pages/payments.tsx'));
const Bonuses = lazy(() => import('./pages/bonuses.tsx'));
const Sharing = lazy(() => import('./pages/sharing.tsx'));
const Bill = lazy(() => import('./pages/bill.tsx'));
const Family = lazy(() => import('./pages/family.tsx'));
const Detail = lazy(() => import('./pages/detail.tsx'));
const Bills = lazy(() => import('./pages/bills.tsx'));
const History = lazy(() => import('./pages/history.tsx'));
const Support = lazy(() => import('./pages/support.tsx'));
const Settings = lazy(() => import('./pages/settings.tsx'));
const Alerts = lazy(() => import('./pages/alerts.tsx'));
const CapsPage = lazy(() => import('./pages/caps.tsx'));
const Staff = lazy(() => import('./pages/staff.tsx'));
const Phone = lazy(() => import('./pages/phone.tsx'));
const More = lazy(() => import('./pages/more.tsx'));
const Terms = lazy(() => import('./pages/terms.tsx'));
// The business portal: a chunk of its own, never loaded by the subscriber app.
const BusinessApp = lazy(() => import('./business/app.tsx'));

const BOTTOM = NAV.slice(0, 3);

async function whoami(): Promise<Me> {
  const w = await api<WhoAmI>('auth/whoami');
  if (w.kind !== 'subscriber') {
    setDisplayZone(undefined);
    return { kind: w.kind, demo: w.demo };
  }
  const p = await api<Profile>('subscribers/me');
  // Times are the number's region's, wherever the phone is.
  setDisplayZone(p.timeZone);
  return { kind: 'subscriber', msisdn: p.msisdn, termsMustAccept: w.termsMustAccept, demo: w.demo };
}

function OfflineScreen({ t, lang }: { t: AppState['t']; lang: Lang }) {
  const last = lastBalance();
  return (
    <main id="main" className="content">
      <h1>{t('offline')}</h1>
      {last ? (
        <section className="card" aria-label={t('offlineBalance')}>
          <p className="muted">{t('offlineBalance')}</p>
          <p className="big" data-testid="offline-balance">
            {money(last.balance, lang)}
          </p>
          <p className="muted">
            {t('asOf')} {dateTime(last.asOf, lang)}
          </p>
        </section>
      ) : null}
      <button type="button" onClick={() => location.reload()}>
        {t('retry')}
      </button>
    </main>
  );
}

export function App() {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const [me, setMe] = useState<Me | null>(null);
  const [offline, setOffline] = useState(false);
  const [location] = useLocation();

  const t = useCallback((k: Key, vars?: Record<string, string | number>) => translate(lang, k, vars), [lang]);
  const setLang = useCallback((l: Lang) => {
    try {
      localStorage.setItem('abonent.lang', l);
    } catch {
      /* not remembered in private mode */
    }
    setLangState(l);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    setApiLang(lang);
  }, [lang]);
  setApiLang(lang);

  const refreshMe = useCallback(async () => {
    try {
      const m = await whoami();
      setMe(m);
      setOffline(false);
      return m;
    } catch (e) {
      if (e instanceof NetworkError) setOffline(true);
      const anon = { kind: 'anonymous' };
      setMe(anon);
      return anon;
    }
  }, []);
  useEffect(() => {
    void refreshMe();
  }, [refreshMe]);

  const state = useMemo<AppState>(() => ({ lang, setLang, t, me: me ?? { kind: 'anonymous' }, refreshMe, online: !offline }), [lang, setLang, t, me, refreshMe, offline]);

  if (offline) return <OfflineScreen t={t} lang={lang} />;
  if (location === '/business' || location.startsWith('/business/'))
    return (
      <AppContext.Provider value={state}>
        <Suspense fallback={<Loading />}>
          <BusinessApp />
        </Suspense>
      </AppContext.Provider>
    );
  if (!me)
    return (
      <AppContext.Provider value={state}>
        <Loading />
      </AppContext.Provider>
    );

  const isPhone = location === '/phone';
  const loggedIn = me.kind === 'subscriber' || me.kind === 'staff';

  return (
    <AppContext.Provider value={state}>
      <a className="skip" href="#main">
        {t('skip')}
      </a>
      {!loggedIn && !isPhone ? (
        <Login />
      ) : (
        <Shell me={me}>
          <Suspense fallback={<Loading />}>
            {me.termsMustAccept && location !== '/terms' && !isPhone ? <Redirect to="/terms" /> : null}
            <Switch>
              <Route path="/phone" component={Phone} />
              <Route path="/terms" component={Terms} />
              <Route path="/staff" component={me.kind === 'staff' ? Staff : NotFound} />
              {/* Staff have one page: the subscriber's pages would only say "number not found". */}
              {me.kind === 'staff' && <Route>{() => <Redirect to="/staff" />}</Route>}
              <Route path="/" component={Home} />
              <Route path="/services" component={Services} />
              <Route path="/tariffs" component={Tariffs} />
              <Route path="/payments" component={Payments} />
              <Route path="/bonuses" component={Bonuses} />
              <Route path="/sharing" component={Sharing} />
              <Route path="/spending-changes" component={Bill} />
              <Route path="/bill">{() => <Redirect to="/spending-changes" replace />}</Route>
              <Route path="/family" component={Family} />
              <Route path="/detail" component={Detail} />
              <Route path="/bills" component={Bills} />
              <Route path="/history" component={History} />
              <Route path="/support" component={Support} />
              <Route path="/settings" component={Settings} />
              <Route path="/alerts" component={Alerts} />
              <Route path="/caps" component={CapsPage} />
              <Route path="/more" component={More} />
              <Route path="/locator" component={Locator} />
              <Route path="/voicemail" component={Voicemail} />
              <Route path="/ringback" component={Ringback} />
              <Route path="/login">{() => <Redirect to="/" />}</Route>
              <Route component={NotFound} />
            </Switch>
          </Suspense>
        </Shell>
      )}
    </AppContext.Provider>
  );
}

function NotFound() {
  const { t } = useApp();
  return (
    <>
      <h1>{t('notFound')}</h1>
      <Link href="/" className="button">
        {t('backHome')}
      </Link>
    </>
  );
}

/** Staff have no settings page: their way out is in the top bar. */
function StaffLogout() {
  const { t, refreshMe } = useApp();
  return (
    <button
      type="button"
      onClick={() =>
        void api('auth/logout', { method: 'POST' })
          .catch(() => undefined)
          .then(() => refreshMe())
      }
    >
      {t('logout')}
    </button>
  );
}

function Shell({ me, children }: { me: Me; children: React.ReactNode }) {
  const [location] = useLocation();
  const { t } = useApp();
  const items: NavItem[] = me.kind === 'staff' ? [{ href: '/staff', key: 'navStaff', icon: '☎' }] : NAV;
  const loggedIn = me.kind === 'subscriber' || me.kind === 'staff';
  const active = (href: string) => (href === '/' ? location === '/' : location.startsWith(href));
  return (
    <div className={loggedIn ? 'layout' : 'layout no-nav'}>
      <header className="topbar">
        <Link href={loggedIn || !me.demo ? '/' : '/phone'} className="brand">
          {t('appName')}
        </Link>
        {me.msisdn && <span className="muted msisdn">{phoneNumber(me.msisdn)}</span>}
        {me.kind === 'staff' && <StaffLogout />}
      </header>
      {loggedIn && (
        <nav className="sidenav" aria-label={t('mainNav')}>
          <ul>
            {items.map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={active(n.href) ? 'page' : undefined}>
                  <span aria-hidden="true" className="icon">
                    {n.icon}
                  </span>
                  {t(n.key)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
      {loggedIn && me.kind === 'subscriber' && (
        <nav className="bottomnav" aria-label={t('mainNav')}>
          {[...BOTTOM, { href: '/more', key: 'more' as Key, icon: '⋯' }].map((n) => (
            <Link key={n.href} href={n.href} aria-current={active(n.href) ? 'page' : undefined}>
              <span aria-hidden="true" className="icon">
                {n.icon}
              </span>
              <span className="label">{t(n.key)}</span>
            </Link>
          ))}
        </nav>
      )}
    </div>
  );
}
