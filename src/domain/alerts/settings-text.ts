import { formatMoney, type Lang } from '../../text/format.ts';
import type { AlertSettings } from './alert-settings.ts';

/** The settings in one line, as SMS and USSD state them. */
export function alertSettingsText(s: AlertSettings, lang: Lang): string {
  const ru = lang === 'ru';
  const on = (v: boolean) => (ru ? (v ? 'вкл.' : 'выкл.') : v ? 'on' : 'off');
  const low = s.lowBalance === null ? (ru ? 'порог баланса выкл.' : 'low balance off') : ru ? `баланс ниже ${formatMoney(s.lowBalance, 'ru', { kopecks: 'auto' })}` : `balance below ${formatMoney(s.lowBalance, 'en', { kopecks: 'auto' })}`;
  const via = [s.viaSms ? 'SMS' : null, s.viaApp ? (ru ? 'приложение' : 'app') : null].filter(Boolean).join(ru ? ' и ' : ' and ');
  return ru
    ? `Оповещения: пакет 80% — ${on(s.package80)}, 100% — ${on(s.package100)}; ${low}; сводка за день — ${on(s.dailyDigest)}; ночью — ${s.allowNight ? 'да' : 'нет'}; куда: ${via}.`
    : `Alerts: package 80% ${on(s.package80)}, 100% ${on(s.package100)}; ${low}; daily digest ${on(s.dailyDigest)}; at night ${s.allowNight ? 'yes' : 'no'}; via ${via}.`;
}
