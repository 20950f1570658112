import { formatMoney, type Lang } from '../../text/format.ts';
import type { CapSettings } from './caps.ts';

/** The caps in one line, as SMS states them. */
export function capsText(c: CapSettings, lang: Lang): string {
  const rub = (k: number) => formatMoney(k, lang, { kopecks: 'auto' });
  return lang === 'ru'
    ? `Лимиты: в месяц — ${c.monthly === null ? 'нет' : rub(c.monthly)}; роуминг — ${rub(c.roaming)} в месяц; интернет сверх пакета — ${c.dataHard ? 'запрещён' : 'разрешён'}.`
    : `Caps: monthly ${c.monthly === null ? 'none' : rub(c.monthly)}; roaming ${rub(c.roaming)} a month; data beyond packages ${c.dataHard ? 'off' : 'on'}.`;
}
