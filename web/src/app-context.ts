import { createContext, useContext } from 'react';
import type { Key, Lang } from './i18n.ts';

export interface Me {
  kind: 'subscriber' | 'staff' | 'anonymous' | string;
  msisdn?: string;
  termsMustAccept?: boolean;
  /** The server runs in demo mode: the phone simulator exists. */
  demo?: boolean;
}

export interface AppState {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: (k: Key, vars?: Record<string, string | number>) => string;
  me: Me;
  refreshMe: () => Promise<Me>;
  online: boolean;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const v = useContext(AppContext);
  if (!v) throw new Error('AppContext missing');
  return v;
}
