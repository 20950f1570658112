import { Link } from 'wouter';
import { useApp } from '../app-context.ts';
import { NAV } from '../nav.ts';
import { Page } from '../ui.tsx';

export default function More() {
  const { t, me } = useApp();
  return (
    <Page title={t('more')}>
      <ul className="menu">
        {NAV.slice(3).map((n) => (
          <li key={n.href}>
            <Link href={n.href} className="button">
              <span aria-hidden="true" className="icon">
                {n.icon}
              </span>
              {t(n.key)}
            </Link>
          </li>
        ))}
        <li>
          <Link href="/locator" className="button">
            <span aria-hidden="true" className="icon">
              ⌖
            </span>
            {t('locTitle')}
          </Link>
        </li>
        <li>
          <Link href="/voicemail" className="button">
            <span aria-hidden="true" className="icon">
              ✉
            </span>
            {t('vmTitle')}
          </Link>
          <Link href="/ringback" className="button">
            <span aria-hidden="true" className="icon">
              ♫
            </span>
            {t('rbTitle')}
          </Link>
        </li>
        {me.demo ? (
          <li>
            <a href="/phone" className="button">
              <span aria-hidden="true" className="icon">
                ☏
              </span>
              {t('navPhone')}
            </a>
          </li>
        ) : null}
      </ul>
    </Page>
  );
}
