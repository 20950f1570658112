import { useEffect, useState } from 'react';
import { api } from './api.ts';
import { useApp } from './app-context.ts';
import { ErrorBox, useAction, useLoad } from './ui.tsx';

/** A page of a cursor-paged list of the API: `nextCursor` asks for the next, older page; null on the last one. */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A list of the API read a page at a time: the first page when `deps` change, then "Show more"
 * appends the next page by its cursor (keyset pages on the server: rows added meanwhile neither
 * repeat nor push older ones out). `url(cursor)` gives the address of a page.
 */
export function useCursorList<T, P extends CursorPage<T> = CursorPage<T>>(url: (cursor: string | null) => string, deps: unknown[]) {
  const first = useLoad(() => api<P>(url(null)), deps);
  const [more, setMore] = useState<{ items: T[]; cursor: string | null } | null>(null);
  useEffect(() => setMore(null), [first.data]);
  const act = useAction();
  const cursor = more ? more.cursor : (first.data?.nextCursor ?? null);
  const loadMore = () =>
    void act.run(async () => {
      if (!cursor) return;
      const page = await api<P>(url(cursor));
      setMore((prev) => ({ items: [...(prev?.items ?? []), ...page.items], cursor: page.nextCursor }));
    });
  return {
    first,
    items: [...(first.data?.items ?? []), ...(more?.items ?? [])],
    hasMore: cursor !== null,
    loadMore,
    busy: act.busy,
    error: act.error,
    reload: first.reload,
  };
}

/** The "Show more" button under a paged list, with the error of the last try. */
export function ShowMore({ list, testId }: { list: { hasMore: boolean; loadMore: () => void; busy: boolean; error: unknown }; testId?: string }) {
  const { t } = useApp();
  return (
    <>
      <ErrorBox error={list.error} />
      {list.hasMore && (
        <button type="button" className="wide" onClick={list.loadMore} disabled={list.busy} data-testid={testId}>
          {t('loadMore')}
        </button>
      )}
    </>
  );
}
