import { createContext, useContext } from 'react';
import type { BizKey } from './i18n.ts';
import type { Overview } from './types.ts';

export interface BizState {
  me: Overview;
  /** The business dictionary in the chosen language. */
  bt: (k: BizKey, vars?: Record<string, string | number>) => string;
  reloadMe: () => Promise<void>;
}

export const BizContext = createContext<BizState | null>(null);

export function useBiz(): BizState {
  const v = useContext(BizContext);
  if (!v) throw new Error('BizContext missing');
  return v;
}

/** "2026-11" as "ноябрь 2026" / "November 2026". */
export function monthName(month: string, lang: 'ru' | 'en'): string {
  const [y, m] = month.split('-').map(Number);
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y!, m! - 1, 15)));
}
