import { api } from '../api.ts';
import type { Region } from '../api-shapes.ts';
import type { Lang } from '../i18n.ts';
import { useLoad } from '../ui.tsx';

export type { Region };

let cache: Promise<{ items: Region[] }> | null = null;

/** The operator's regions (code and name), fetched once per page load. */
export function useRegions(): Region[] {
  const r = useLoad(() => (cache ??= api<{ items: Region[] }>('catalog/regions').catch((e: unknown) => ((cache = null), Promise.reject(e)))), []);
  return r.data?.items ?? [];
}

/** "78 — Санкт-Петербург", or the bare code while the names load. */
export function regionLabel(code: string, regions: Region[], lang: Lang): string {
  const r = regions.find((x) => x.code === code);
  return r ? `${code} — ${lang === 'en' ? r.nameEn : r.nameRu}` : code;
}
