import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import type { Lang } from '../i18n.ts';

/** Russian / English, remembered in the browser and, when logged in, in the subscriber's preferences. */
export function LangSwitch({ persist }: { persist?: boolean }) {
  const { lang, setLang, t, me } = useApp();
  const choose = (l: Lang) => {
    setLang(l);
    if (persist && me.kind === 'subscriber') void api('subscribers/me/preferences', { method: 'PATCH', body: { language: l } }).catch(() => undefined);
  };
  return (
    <div className="tabs" role="group" aria-label={t('lang')}>
      <button type="button" lang="ru" aria-pressed={lang === 'ru'} onClick={() => choose('ru')}>
        Русский
      </button>
      <button type="button" lang="en" aria-pressed={lang === 'en'} onClick={() => choose('en')}>
        English
      </button>
    </div>
  );
}
