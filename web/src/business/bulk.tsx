import { useEffect, useState } from 'react';
import { Link, useSearch } from 'wouter';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateTime, phoneNumber } from '../format.ts';
import { ShowMore, useCursorList } from '../paging.tsx';
import { ErrorBox, Loading, Page, Section, useLoad } from '../ui.tsx';
import { useBiz } from './context.ts';
import type { BulkItem, BulkOperation } from './types.ts';

type ItemFilter = '' | 'done' | 'refused' | 'pending';

/** A bulk operation's progress (polled until it is done) and each number's outcome. */
function Operation({ id }: { id: string }) {
  const { lang } = useApp();
  const { bt } = useBiz();
  const [filter, setFilter] = useState<ItemFilter>('');
  const op = useLoad(() => api<BulkOperation>(`business/bulk-operations/${encodeURIComponent(id)}`), [id]);
  const items = useLoad(() => api<{ total: number; items: BulkItem[] }>(`business/bulk-operations/${encodeURIComponent(id)}/items?limit=200${filter ? `&status=${filter}` : ''}`), [id, filter]);
  const running = op.data ? op.data.status !== 'done' : false;
  const progressKey = op.data ? `${op.data.done}/${op.data.refused}/${op.data.status}` : '';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void op.reload(), 1000);
    return () => clearInterval(timer);
  }, [running, op.reload]);
  // The per-number list follows the progress.
  useEffect(() => {
    if (progressKey) void items.reload();
  }, [progressKey]);
  const o = op.data;
  return (
    <Section title={o ? `${bt(`bulk_${o.kind}`)}${o.params.productCode ? `: ${o.params.productCode}` : o.params.tariffCode ? `: ${o.params.tariffCode}` : ''}` : bt('bizResults')} id="operation">
      <ErrorBox error={op.error} onRetry={() => void op.reload()} />
      {!o ? (
        <Loading />
      ) : (
        <div data-testid="operation" data-status={o.status}>
          <p>
            <span className="strong" data-testid="op-status">
              {bt(`bizOpStatus_${o.status}`)}
            </span>{' '}
            · <span className="muted">{bt('bizStarted', { at: dateTime(o.createdAt, lang) })}</span>
          </p>
          <label className="biz-progress">
            <span>
              {bt('bizProgress')}: {o.progress}%
            </span>
            <progress max={100} value={o.progress} />
          </label>
          <p>
            <span data-testid="op-done">{bt('bizDoneCount', { n: o.done })}</span> · <span data-testid="op-refused">{bt('bizRefusedCount', { n: o.refused })}</span> ·{' '}
            {bt('bizPendingCount', { n: o.pending })}
          </p>
          <h3>{bt('bizResults')}</h3>
          <div className="tabs" role="group" aria-label={bt('bizResults')}>
            {(['', 'done', 'refused', 'pending'] as const).map((f) => (
              <button key={f} type="button" aria-pressed={filter === f} onClick={() => setFilter(f)}>
                {f ? bt(`item_${f}`) : bt('bizAll')}
              </button>
            ))}
          </div>
          <ErrorBox error={items.error} />
          <ul className="list" data-testid="op-items">
            {(items.data?.items ?? []).map((i) => (
              <li key={i.msisdn} className="item" data-msisdn={i.msisdn} data-status={i.status}>
                <div>
                  <p className="strong">{phoneNumber(i.msisdn)}</p>
                  {i.reason ? <p className="biz-warn">{i.reason}</p> : null}
                </div>
                <p className={i.status === 'refused' ? 'biz-warn strong' : i.status === 'done' ? 'biz-ok strong' : 'muted'}>{bt(`item_${i.status}`)}</p>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Section>
  );
}

export default function Bulk() {
  const { lang } = useApp();
  const { bt } = useBiz();
  const search = useSearch();
  const id = new URLSearchParams(search).get('id');
  const list = useCursorList<BulkOperation>((cursor) => `business/bulk-operations?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, [id]);
  const ops = list.first;
  return (
    <Page title={bt('bizBulk')}>
      {id ? <Operation key={id} id={id} /> : null}
      <Section title={bt('bizOperations')}>
        <ErrorBox error={ops.error} onRetry={() => void ops.reload()} />
        {!ops.data ? ops.error ? null : <Loading /> : list.items.length === 0 ? <p className="muted">{bt('bizNoOperations')}</p> : null}
        <ul className="list">
          {list.items.map((o) => (
            <li key={o.id} className="item">
              <div>
                <p className="strong">{bt(`bulk_${o.kind}`)}</p>
                <p className="muted">
                  {dateTime(o.createdAt, lang)} · {bt(`bizOpStatus_${o.status}`)} · {bt('bizDoneCount', { n: o.done })} · {bt('bizRefusedCount', { n: o.refused })}
                </p>
              </div>
              <Link href={`/business/bulk?id=${o.id}`} className="button" aria-label={`${bt('bizShowOp')}: ${bt(`bulk_${o.kind}`)}, ${dateTime(o.createdAt, lang)}`}>
                {bt('bizShowOp')}
              </Link>
            </li>
          ))}
        </ul>
        <ShowMore list={list} />
      </Section>
    </Page>
  );
}
