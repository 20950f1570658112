import { useEffect, useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { api, ApiError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { money, named, parseRubles, pluralForm, phoneNumber } from '../format.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';
import { useBiz } from './context.ts';
import { regionLabel, useRegions } from './regions.ts';
import { BULK_KINDS, type BulkKind, type BulkOperation, type CatalogItem, type NumberList } from './types.ts';

const PAGE = 25;

interface Filter {
  q: string;
  region: string;
  departmentId: string;
  tariff: string;
  status: string;
  spendMin: string;
  spendMax: string;
  overLimit: boolean;
  sort: string;
}
const EMPTY: Filter = { q: '', region: '', departmentId: '', tariff: '', status: '', spendMin: '', spendMax: '', overLimit: false, sort: 'msisdn' };

function query(f: Filter, offset: number, limit: number): string {
  const q = new URLSearchParams();
  if (f.q.trim()) q.set('q', f.q.trim());
  if (f.region) q.set('region', f.region);
  if (f.departmentId) q.set('departmentId', f.departmentId);
  if (f.tariff) q.set('tariff', f.tariff);
  if (f.status) q.set('status', f.status);
  const min = parseRubles(f.spendMin);
  const max = parseRubles(f.spendMax);
  if (min !== null) q.set('spendMin', String(min));
  if (max !== null) q.set('spendMax', String(max));
  if (f.overLimit) q.set('overLimit', 'true');
  q.set('sort', f.sort);
  if (f.sort === 'spend') q.set('order', 'desc');
  q.set('offset', String(offset));
  q.set('limit', String(limit));
  return q.toString();
}

export default function Numbers() {
  const { lang } = useApp();
  const { bt, me } = useBiz();
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const regions = useRegions();
  const list = useLoad(() => api<NumberList>(`business/numbers?${query(filter, offset, PAGE)}`), [filter, offset]);
  const tariffs = useLoad(() => api<{ items: CatalogItem[] }>('catalog/tariffs'), []);
  const set = (k: keyof Filter, v: string | boolean) => setDraft((d) => ({ ...d, [k]: v }));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilter(draft);
    setOffset(0);
  };
  const data = list.data;
  const toggle = (msisdn: string, on: boolean) =>
    setSelected((s) => {
      const n = new Set(s);
      if (on) n.add(msisdn);
      else n.delete(msisdn);
      return n;
    });
  const pageAll = data ? data.items.every((i) => selected.has(i.msisdn)) && data.items.length > 0 : false;
  const [selecting, setSelecting] = useState(false);
  // Open where there is room for them (the side-menu width); folded on a phone until asked for.
  const [filtersOpen, setFiltersOpen] = useState(() => window.matchMedia('(min-width: 900px)').matches);
  const selectAllFound = async () => {
    if (!data) return;
    setSelecting(true);
    try {
      const all = new Set(selected);
      for (let off = 0; off < data.total; off += 1000) {
        const page = await api<NumberList>(`business/numbers?${query(filter, off, 1000)}`);
        for (const i of page.items) all.add(i.msisdn);
      }
      setSelected(all);
    } finally {
      setSelecting(false);
    }
  };

  return (
    <Page title={bt('bizNumbers')}>
      <form className="card biz-filter" onSubmit={apply} aria-label={bt('bizNumbers')}>
        {/* The search and its button on one line; the other filters folded on a phone, so the list starts on the first screen. */}
        <div className="biz-search">
          <Field label={bt('bizSearch')}>{(id) => <input id={id} type="search" value={draft.q} onChange={(e) => set('q', e.target.value)} />}</Field>
          <button type="submit" className="primary">
            {bt('bizApply')}
          </button>
        </div>
        <details open={filtersOpen} onToggle={(e) => setFiltersOpen(e.currentTarget.open)}>
          <summary>{bt('bizFilters')}</summary>
          <div className="filters">
            <Field label={bt('bizRegion')}>
              {(id) => (
                <select id={id} value={draft.region} onChange={(e) => set('region', e.target.value)}>
                  <option value="">{bt('bizAll')}</option>
                  {me.regions.map((r) => (
                    <option key={r.code} value={r.code}>
                      {regionLabel(r.code, regions, lang)} ({r.numbers})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={bt('bizDepartment')}>
              {(id) => (
                <select id={id} value={draft.departmentId} onChange={(e) => set('departmentId', e.target.value)}>
                  <option value="">{bt('bizAll')}</option>
                  {me.departments.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name}
                    </option>
                  ))}
                  {me.admin.role !== 'department_manager' && <option value="none">{bt('bizNoDepartment')}</option>}
                </select>
              )}
            </Field>
            <Field label={bt('bizTariff')}>
              {(id) => (
                <select id={id} value={draft.tariff} onChange={(e) => set('tariff', e.target.value)}>
                  <option value="">{bt('bizAll')}</option>
                  {(tariffs.data?.items ?? []).map((x) => (
                    <option key={x.code} value={x.code}>
                      {named(x.name, lang)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={bt('bizStatus')}>
              {(id) => (
                <select id={id} value={draft.status} onChange={(e) => set('status', e.target.value)}>
                  <option value="">{bt('bizAll')}</option>
                  {(['active', 'blocked', 'suspended'] as const).map((s) => (
                    <option key={s} value={s}>
                      {bt(`st_${s}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={bt('bizSpendMin')}>{(id) => <input id={id} inputMode="decimal" value={draft.spendMin} onChange={(e) => set('spendMin', e.target.value)} />}</Field>
            <Field label={bt('bizSpendMax')}>{(id) => <input id={id} inputMode="decimal" value={draft.spendMax} onChange={(e) => set('spendMax', e.target.value)} />}</Field>
            <Field label={bt('bizSort')}>
              {(id) => (
                <select id={id} value={draft.sort} onChange={(e) => set('sort', e.target.value)}>
                  {(['msisdn', 'employee', 'spend'] as const).map((s) => (
                    <option key={s} value={s}>
                      {bt(`sort_${s}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <div className="row biz-filter-end">
            <label className="check">
              <input type="checkbox" checked={draft.overLimit} onChange={(e) => set('overLimit', e.target.checked)} />
              <span>{bt('bizOverLimit')}</span>
            </label>
            <button type="button" onClick={() => (setDraft(EMPTY), setFilter(EMPTY), setOffset(0))}>
              {bt('bizReset')}
            </button>
          </div>
        </details>
      </form>

      <ErrorBox error={list.error} onRetry={() => void list.reload()} />
      {!data ? (
        list.error ? null : <Loading />
      ) : (
        <section className="card" aria-labelledby="biz-found">
          <h2 id="biz-found" data-testid="numbers-total" data-total={data.total}>
            {bt('bizFound', { n: data.total })}
          </h2>
          {list.loading ? <Loading /> : null}
          {me.can.changeNumbers && data.items.length > 0 ? (
            <div className="row biz-select">
              <label className="check">
                <input
                  type="checkbox"
                  checked={pageAll}
                  onChange={(e) => setSelected((s) => {
                    const n = new Set(s);
                    for (const i of data.items) if (e.target.checked) n.add(i.msisdn);
                    else n.delete(i.msisdn);
                    return n;
                  })}
                />
                <span>{bt('bizSelectPage')}</span>
              </label>
              <button type="button" disabled={selecting} onClick={() => void selectAllFound()}>
                {bt('bizSelectAll', { n: data.total })}
              </button>
            </div>
          ) : null}
          {data.items.length === 0 ? <p className="muted">{bt('bizNoNumbers')}</p> : null}
          <ul className="list biz-numbers" data-testid="numbers">
            {data.items.map((n) => (
              <li key={n.msisdn} className="item biz-number" data-msisdn={n.msisdn}>
                {me.can.changeNumbers ? (
                  <label className="check biz-pick">
                    <input type="checkbox" checked={selected.has(n.msisdn)} onChange={(e) => toggle(n.msisdn, e.target.checked)} aria-label={bt('bizSelect', { msisdn: phoneNumber(n.msisdn) })} />
                  </label>
                ) : null}
                <div>
                  <p className="strong">{phoneNumber(n.msisdn)}</p>
                  <p data-testid="employee">{n.employeeName ?? '—'}</p>
                  <p className="muted">
                    <span data-testid="department">{n.departmentName ?? bt('bizNoDepartment')}</span> · <span data-testid="region">{n.regionName || n.regionCode}</span> · {named(tariffs.data?.items.find((x) => x.code === n.tariffCode)?.name, lang)}
                  </p>
                </div>
                <div className="biz-money">
                  <p>
                    {bt('bizSpend')}: <span className="strong">{money(n.monthSpend, lang)}</span>
                  </p>
                  {n.limit ? (
                    <p className="muted">
                      {bt('bizLimit')}: {money(n.limit.amount, lang)}
                    </p>
                  ) : null}
                  <p className={n.status === 'active' ? 'muted' : 'biz-warn'} data-testid="status">
                    {n.status === 'active' || n.status === 'blocked' || n.status === 'suspended' ? bt(`st_${n.status}`) : n.status}
                    {n.overLimit ? ` · ${bt('bizOver')}` : ''}
                  </p>
                  {n.suspendedExtras.length > 0 ? (
                    <p className="biz-warn" data-testid="suspended-extras">
                      {bt('bizSuspendedExtras', { names: n.suspendedExtras.map((x) => named(x.name, lang)).join(', ') })}
                    </p>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
          <p className="muted">{data.total > 0 ? bt('bizShown', { from: data.offset + 1, to: data.offset + data.items.length, n: data.total }) : ''}</p>
          <div className="row">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              {bt('bizPrev')}
            </button>
            <button type="button" disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>
              {bt('bizNext')}
            </button>
          </div>
          {me.can.changeNumbers && selected.size > 0 ? <SelectionBar count={selected.size} onClear={() => setSelected(new Set())} /> : null}
        </section>
      )}
      {me.can.changeNumbers ? <BulkForm selected={selected} onClear={() => setSelected(new Set())} /> : null}
      <Directory />
    </Page>
  );
}

/**
 * Once numbers are selected: a bar at the bottom of the screen while the list scrolls (sticky
 * within the list, so at its end it sits below the last row and covers none), with the count and
 * the way to the action form.
 */
function SelectionBar({ count, onClear }: { count: number; onClear: () => void }) {
  const { bt } = useBiz();
  const toActions = () => {
    const form = document.getElementById(BULK_FORM);
    form?.scrollIntoView({ block: 'start' });
    form?.querySelector<HTMLElement>('select, button')?.focus({ preventScroll: true });
  };
  return (
    <div className="biz-actionbar" role="region" aria-label={bt('bizSelectionBar')} data-testid="actionbar">
      <p className="strong">{bt('bizSelected', { n: count })}</p>
      <button type="button" className="primary" onClick={toActions}>
        {bt('bizToActions')}
      </button>
      <button type="button" onClick={onClear}>
        {bt('bizClearSelection')}
      </button>
    </div>
  );
}

const BULK_FORM = 'biz-bulk';

/** A product or tariff picked from the catalog, shown by its name in the current language. */
function CodeSelect({ label, items, value, onChange }: { label: string; items: CatalogItem[]; value: string; onChange: (code: string) => void }) {
  const { lang } = useApp();
  return (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          {items.map((p) => (
            <option key={p.code} value={p.code}>
              {named(p.name, lang)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function BulkForm({ selected, onClear }: { selected: Set<string>; onClear: () => void }) {
  const { bt, me } = useBiz();
  const { lang } = useApp();
  const [, navigate] = useLocation();
  const [kind, setKind] = useState<BulkKind>('connect_product');
  const [product, setProduct] = useState('');
  const [tariff, setTariff] = useState('');
  const [dept, setDept] = useState('');
  const catalog = useLoad(() => Promise.all([api<{ items: CatalogItem[] }>('catalog/products'), api<{ items: CatalogItem[] }>('catalog/tariffs')]), []);
  const act = useAction();
  const products = catalog.data?.[0].items ?? [];
  const tariffs = catalog.data?.[1].items ?? [];
  useEffect(() => {
    if (!product && products[0]) setProduct(products[0].code);
    if (!tariff && tariffs[0]) setTariff(tariffs[0].code);
  }, [products, tariffs, product, tariff]);
  const start = () => {
    if (selected.size === 0) return act.setError(new ApiError(400, { title: bt('bizSelectFirst') }));
    act.ask(bt('bizBulkConfirm', { action: bt(`bulk_${kind}`), n: `${selected.size} ${bt(`bizNumbers_${pluralForm(selected.size, lang)}`)}` }), async () => {
      const body = {
        kind,
        msisdns: [...selected],
        ...(kind === 'connect_product' || kind === 'disable_product' ? { productCode: product } : {}),
        ...(kind === 'change_tariff' ? { tariffCode: tariff } : {}),
        ...(kind === 'move_department' ? { departmentId: dept ? Number(dept) : null } : {}),
      };
      const op = await api<BulkOperation>('business/bulk-operations', { method: 'POST', body });
      onClear();
      navigate(`/business/bulk?id=${op.id}`);
    });
  };
  return (
    <Section title={bt('bizBulkAction')} id={BULK_FORM}>
      <p data-testid="selected-count">{bt('bizSelected', { n: selected.size })}</p>
      <Field label={bt('bizBulkKind')}>
        {(id) => (
          <select id={id} value={kind} onChange={(e) => setKind(e.target.value as BulkKind)}>
            {BULK_KINDS.map((k) => (
              <option key={k} value={k}>
                {bt(`bulk_${k}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {kind === 'connect_product' || kind === 'disable_product' ? (
        <CodeSelect label={bt('bizProduct')} items={products} value={product} onChange={setProduct} />
      ) : null}
      {kind === 'change_tariff' ? (
        <CodeSelect label={bt('bizTariff')} items={tariffs} value={tariff} onChange={setTariff} />
      ) : null}
      {kind === 'move_department' ? (
        <Field label={bt('bizDepartment')}>
          {(id) => (
            <select id={id} value={dept} onChange={(e) => setDept(e.target.value)}>
              {me.admin.role !== 'department_manager' && <option value="">{bt('bizNoDepartment')}</option>}
              {me.departments.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <ErrorBox error={act.error} />
      <div className="row">
        <button type="button" className="primary" disabled={act.busy || selected.size === 0} onClick={start}>
          {bt('bizStartBulk', { n: selected.size })}
        </button>
        <button type="button" disabled={selected.size === 0} onClick={onClear}>
          {bt('bizClearSelection')}
        </button>
      </div>
      {act.dialog}
    </Section>
  );
}

interface LineError {
  line: number;
  field: string;
  reason?: string;
  message?: string;
  why?: string;
}

function Directory() {
  const { bt, me } = useBiz();
  const [file, setFile] = useState<File | null>(null);
  const [lines, setLines] = useState<LineError[]>([]);
  const act = useAction();
  const upload = () =>
    act.run(async () => {
      setLines([]);
      if (!file) return;
      const csv = await file.text();
      try {
        const r = await api<{ applied: boolean; lines?: number; updated?: number }>('business/directory', { method: 'POST', body: { csv } });
        act.setNotice(bt('bizDirectoryDone', { n: r.lines ?? r.updated ?? 0 }));
      } catch (e) {
        if (e instanceof ApiError && Array.isArray((e.problem as { errors?: LineError[] }).errors)) setLines((e.problem as { errors: LineError[] }).errors);
        throw e;
      }
    });
  return (
    <Section title={bt('bizDirectory')}>
      <p className="muted">{bt('bizDirectoryHint')}</p>
      <div className="stack">
        <a className="button" href="/api/v1/business/directory" download>
          {bt('bizDirectoryExport')}
        </a>
      </div>
      {me.can.changeNumbers ? (
        <>
          <Field label={bt('bizDirectoryFile')}>{(id) => <input id={id} type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}</Field>
          <button type="button" disabled={!file || act.busy} onClick={() => void upload()}>
            {bt('bizDirectoryImport')}
          </button>
          <ErrorBox error={act.error} />
          {lines.length > 0 ? (
            <ul className="alerts" data-testid="directory-errors">
              {lines.slice(0, 50).map((l, i) => (
                <li key={i} className="alert alert-error">
                  {bt('bizDirectoryLine', { line: l.line, field: l.field, why: l.message ?? l.why ?? l.reason ?? '' })}
                </li>
              ))}
            </ul>
          ) : null}
          <Notice text={act.notice} />
        </>
      ) : null}
    </Section>
  );
}
