import { useEffect, useState } from 'react';
import { api, ApiError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateTime } from '../format.ts';
import type { Key } from '../i18n.ts';
import type { SocialLink, SocialProvider, SocialStart } from '../api-shapes.ts';
import { ErrorBox, Field, Notice, useAction, useLoad } from '../ui.tsx';

const KNOWN_ERRORS = ['SOCIAL_NOT_LINKED', 'SOCIAL_ACCOUNT_TAKEN', 'SOCIAL_PROVIDER_UNKNOWN', 'FORBIDDEN'] as const;

/**
 * What the provider's return said (`?socialError=` or `?social=linked`, put there by the server's
 * callback), read once and taken out of the address so a reload does not repeat it.
 */
function useSocialOutcome(): { error: Key | null; linked: boolean } {
  const [outcome] = useState(() => {
    const q = new URLSearchParams(window.location.search);
    const code = q.get('socialError');
    const error: Key | null = code === null ? null : (KNOWN_ERRORS as readonly string[]).includes(code) ? (`socialErr${code}` as Key) : 'socialErrGeneric';
    return { error, linked: q.get('social') === 'linked' };
  });
  useEffect(() => {
    const q = new URLSearchParams(window.location.search);
    if (!q.has('socialError') && !q.has('social')) return;
    q.delete('socialError');
    q.delete('social');
    const rest = q.toString();
    window.history.replaceState(null, '', window.location.pathname + (rest ? `?${rest}` : ''));
  }, []);
  return outcome;
}

/** Sends the browser to the provider the server chose the address of. */
function go(start: SocialStart) {
  window.location.assign(start.authorizationUrl);
}

/** Login page: a button per configured provider, and what a failed return said. */
export function SocialLoginButtons() {
  const { t } = useApp();
  const outcome = useSocialOutcome();
  const [providers, setProviders] = useState<SocialProvider[]>([]);
  const act = useAction();
  useEffect(() => {
    let gone = false;
    api<{ items: SocialProvider[] }>('auth/social/providers')
      .then((r) => {
        if (!gone) setProviders(r.items);
      })
      .catch(() => undefined);
    return () => {
      gone = true;
    };
  }, []);
  return (
    <>
      {outcome.error ? (
        <div className="alert alert-error" role="alert" data-testid="social-error">
          <p>{t(outcome.error)}</p>
        </div>
      ) : null}
      {providers.length > 0 ? (
        <div className="stack" role="group" aria-label={t('social')}>
          {providers.map((p) => (
            <button key={p.id} type="button" disabled={act.busy} onClick={() => void act.run(async () => go(await api<SocialStart>(`auth/social/${p.id}/login`, { method: 'POST', body: {} })))}>
              {t('socialLoginWith', { name: p.name })}
            </button>
          ))}
          <ErrorBox error={act.error} />
        </div>
      ) : null}
    </>
  );
}

/** Settings: the accounts linked to the number, unlinking, and linking with the number's proof. */
export function SocialLinks() {
  const { t, lang } = useApp();
  const outcome = useSocialOutcome();
  const data = useLoad(async () => {
    const [providers, links] = await Promise.all([api<{ items: SocialProvider[] }>('auth/social/providers'), api<{ items: SocialLink[] }>('auth/social/links')]);
    return { providers: providers.items, links: links.items };
  }, []);
  const act = useAction();
  const [linking, setLinking] = useState<SocialProvider | null>(null);
  const [proof, setProof] = useState<'password' | 'code'>('password');
  const [secret, setSecret] = useState('');
  if (data.error) return <ErrorBox error={data.error} onRetry={() => void data.reload()} />;
  if (!data.data) return null;
  const { providers, links } = data.data;
  const linkedIds = new Set(links.map((l) => l.provider));
  const linkRefusal = act.errorAt('link');
  const unlink = (l: SocialLink) =>
    act.ask(
      t('socialUnlinkConfirm', { name: l.name }),
      async () => {
        await api(`auth/social/links/${encodeURIComponent(l.provider)}`, { method: 'DELETE' });
        await data.reload();
        act.setNotice(t('socialUnlinkDone'));
      },
      `unlink:${l.provider}`,
    );
  return (
    <>
      <p>{t('socialHelp')}</p>
      {outcome.error ? (
        <div className="alert alert-error" role="alert" data-testid="social-error">
          <p>{t(outcome.error)}</p>
        </div>
      ) : null}
      {outcome.linked ? <Notice text={t('socialLinkDone')} /> : null}
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      {providers.length === 0 && links.length === 0 ? <p className="muted">{t('socialNone')}</p> : null}
      <ul className="list">
        {links.map((l) => (
          <li key={l.provider} className="item" data-testid="social-link">
            <div>
              <p className="strong">{l.name}</p>
              <p className="muted">
                {l.label ? `${l.label} · ` : ''}
                {t('socialLinked')} {dateTime(l.linkedAt, lang)}
                {l.lastLoginAt ? ` · ${t('socialLastLogin')} ${dateTime(l.lastLoginAt, lang)}` : ''}
              </p>
            </div>
            <ErrorBox error={act.errorAt(`unlink:${l.provider}`)} />
            <button type="button" disabled={act.busy} aria-label={`${t('socialUnlink')}: ${l.name}`} onClick={() => unlink(l)}>
              {t('socialUnlink')}
            </button>
          </li>
        ))}
      </ul>
      <div className="stack">
        {providers
          .filter((p) => !linkedIds.has(p.id))
          .map((p) => (
            <button key={p.id} type="button" aria-pressed={linking?.id === p.id} onClick={() => (setLinking(p), setSecret(''))}>
              {t('socialLink', { name: p.name })}
            </button>
          ))}
      </div>
      {linking ? (
        <form
          className="card inset"
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => go(await api<SocialStart>(`auth/social/${linking.id}/link`, { method: 'POST', body: proof === 'password' ? { password: secret } : { code: secret } })), undefined, 'link');
          }}
        >
          <div className="tabs" role="group" aria-label={t('socialLink', { name: linking.name })}>
            <button type="button" aria-pressed={proof === 'password'} onClick={() => (setProof('password'), setSecret(''))}>
              {t('byPassword')}
            </button>
            <button type="button" aria-pressed={proof === 'code'} onClick={() => (setProof('code'), setSecret(''))}>
              {t('byCode')}
            </button>
          </div>
          {proof === 'code' ? (
            <button type="button" disabled={act.busy} onClick={() => void act.run(async () => void (await api('auth/social/link-code', { method: 'POST' })), t('codeSent'), 'link')}>
              {t('socialGetCode')}
            </button>
          ) : null}
          <Field label={proof === 'password' ? t('socialProofPassword') : t('socialProofCode')}>
            {(id) =>
              proof === 'password' ? (
                <input id={id} type="password" autoComplete="current-password" required value={secret} onChange={(e) => setSecret(e.target.value)} />
              ) : (
                <input id={id} inputMode="numeric" autoComplete="one-time-code" required value={secret} onChange={(e) => setSecret(e.target.value)} />
              )
            }
          </Field>
          {/* "Wrong number or password" is the login's words; here only the number's own password can be wrong. */}
          <ErrorBox error={linkRefusal instanceof ApiError && linkRefusal.problem.code === 'INVALID_CREDENTIALS' ? new ApiError(400, { title: t('wrongCurrentPassword') }) : linkRefusal} />
          <button type="submit" className="primary" disabled={act.busy}>
            {t('socialLink', { name: linking.name })}
          </button>
        </form>
      ) : null}
    </>
  );
}
