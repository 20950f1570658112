import { formatCount, formatDateTime } from '../../text/format.ts';
import type { Lang } from '../shared/context.ts';

/** A message's length in whole seconds (at least one), with the noun's CLDR plural form. */
export function formatDuration(ms: number, lang: Lang): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return lang === 'ru' ? formatCount(s, 'ru', { one: 'секунда', few: 'секунды', many: 'секунд', other: 'секунды' }) : formatCount(s, 'en', { one: 'second', other: 'seconds' });
}

/** The SMS that tells the owner of a new message. */
export function mailboxSmsText(lang: Lang, m: { caller: string | null; at: Date; timeZone: string; duration: string }): string {
  const when = formatDateTime(m.at, lang, m.timeZone);
  if (lang === 'en') return `New voicemail from ${m.caller ?? 'a withheld number'}, ${when}, ${m.duration}. Listen in the app or call 111, key 5.`;
  return `Новое голосовое сообщение от ${m.caller ?? 'скрытого номера'}, ${when}, ${m.duration}. Прослушать — в приложении или по звонку на 111, клавиша 5.`;
}
