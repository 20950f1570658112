import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateTime, phoneNumber } from '../format.ts';
import { ShowMore, useCursorList } from '../paging.tsx';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';
import { useBiz } from './context.ts';
import { regionLabel, useRegions } from './regions.ts';
import type { OrderList } from '../api-shapes.ts';
import type { Order, OrderStatus } from './types.ts';

function NewOrder({ onDone }: { onDone: () => void }) {
  const { lang } = useApp();
  const { bt, me } = useBiz();
  const regions = useRegions();
  const [kind, setKind] = useState<Order['kind']>('sim_replacement');
  const [msisdn, setMsisdn] = useState('');
  const [simType, setSimType] = useState<'esim' | 'physical'>('esim');
  const [iccid, setIccid] = useState('');
  const [region, setRegion] = useState(me.regions[0]?.code ?? '');
  const [newMsisdn, setNewMsisdn] = useState('');
  const free = useLoad(
    async () => ({
      region,
      items:
        kind === 'number_change'
          ? (await api<{ items: { msisdn: string; regionCode: string }[] }>(`business/free-numbers?limit=20${region ? `&region=${region}` : ''}`)).items
          : [],
    }),
    [kind, region],
  );
  // Numbers listed for another region than the one now chosen are stale: never offer them.
  const freeItems = free.data && free.data.region === region ? free.data.items : undefined;
  const act = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m = msisdn.trim();
    const body = kind === 'number_change' ? { kind, msisdn: m, newMsisdn } : simType === 'esim' ? { kind, msisdn: m, simType } : { kind, msisdn: m, simType, iccid: iccid.trim() };
    void act.run(async () => {
      await api('business/orders', { method: 'POST', body });
      setNewMsisdn('');
      // The picked number is reserved now: the list of free ones changes.
      if (kind === 'number_change') void free.reload();
      onDone();
    }, bt('bizOrderCreated'));
  };
  return (
    <Section title={bt('bizNewOrder')}>
      <form onSubmit={submit}>
        <fieldset className="biz-radios">
          <legend>{bt('bizKind')}</legend>
          {(['sim_replacement', 'number_change'] as const).map((k) => (
            <label key={k} className="check">
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              <span>{bt(`order_${k}`)}</span>
            </label>
          ))}
        </fieldset>
        <Field label={bt('bizMsisdn')}>{(id) => <input id={id} type="tel" inputMode="tel" required value={msisdn} onChange={(e) => setMsisdn(e.target.value)} />}</Field>
        {kind === 'sim_replacement' ? (
          <>
            <Field label={bt('bizSimType')}>
              {(id) => (
                <select id={id} value={simType} onChange={(e) => setSimType(e.target.value as 'esim' | 'physical')}>
                  <option value="esim">{bt('sim_esim')}</option>
                  <option value="physical">{bt('sim_physical')}</option>
                </select>
              )}
            </Field>
            {simType === 'physical' ? (
              <Field label={bt('bizIccid')}>{(id) => <input id={id} inputMode="numeric" required pattern="\d{19,20}" value={iccid} onChange={(e) => setIccid(e.target.value)} />}</Field>
            ) : null}
          </>
        ) : (
          <>
            <Field label={bt('bizPickRegion')}>
              {(id) => (
                <select id={id} value={region} onChange={(e) => (setRegion(e.target.value), setNewMsisdn(''))}>
                  <option value="">{bt('bizAll')}</option>
                  {(regions.length ? regions.map((r) => r.code) : me.regions.map((r) => r.code)).map((c) => (
                    <option key={c} value={c}>
                      {regionLabel(c, regions, lang)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <fieldset className="biz-radios" data-testid="free-numbers" aria-busy={free.loading} data-region={freeItems ? region : undefined}>
              <legend>{bt('bizNewNumber')}</legend>
              {free.loading ? <Loading /> : null}
              {freeItems && freeItems.length === 0 ? <p className="muted">{bt('bizNoFree')}</p> : null}
              {(freeItems ?? []).map((f) => (
                <label key={f.msisdn} className="check">
                  <input type="radio" name="newMsisdn" value={f.msisdn} required checked={newMsisdn === f.msisdn} onChange={() => setNewMsisdn(f.msisdn)} />
                  <span>
                    {phoneNumber(f.msisdn)} <span className="muted">({f.regionCode})</span>
                  </span>
                </label>
              ))}
            </fieldset>
          </>
        )}
        <ErrorBox error={act.error} />
        <Notice text={act.notice} />
        <button type="submit" className="primary" disabled={act.busy}>
          {bt('bizCreateOrder')}
        </button>
      </form>
    </Section>
  );
}

/** The admin's own steps: approving a new order; starting the work and marking it done are the operator's. */
const NEXT: Record<OrderStatus, 'approve'[]> = { created: ['approve'], approved: [], in_progress: [], done: [], rejected: [] };

function OrderCard({ o, onChanged }: { o: Order; onChanged: () => Promise<void> }) {
  const { lang } = useApp();
  const { bt, me } = useBiz();
  const [reason, setReason] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const act = useAction();
  const open = o.status !== 'done' && o.status !== 'rejected';
  const go = (action: 'approve') =>
    void act.run(async () => {
      await api(`business/orders/${o.id}/${action}`, { method: 'POST' });
      await onChanged();
    });
  const reject = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api(`business/orders/${o.id}/reject`, { method: 'POST', body: { reason } });
      setRejecting(false);
      await onChanged();
    });
  };
  const title = `${bt(`order_${o.kind}`)}: ${phoneNumber(o.msisdn)}`;
  return (
    <li className="card inset" data-testid="order" data-order={o.id} data-status={o.status}>
      <h3>{title}</h3>
      <p>
        <span className="strong" data-testid="order-status">
          {bt(`ost_${o.status}`)}
        </span>
        {o.status === 'created' && o.requiresApproval ? <span className="muted"> · {bt('bizNeedsApproval')}</span> : null}
      </p>
      <p className="muted">
        {o.employeeName ?? ''} · {dateTime(o.createdAt, lang)}
      </p>
      {o.kind === 'number_change' && o.newMsisdn ? <p>{bt('bizFrom', { old: phoneNumber(o.oldMsisdn), new: phoneNumber(o.newMsisdn) })}</p> : null}
      {o.kind === 'sim_replacement' && o.simType === 'physical' && o.newIccid ? <p>ICCID {o.newIccid}</p> : null}
      {o.rejectReason ? <p className="biz-warn">{o.rejectReason}</p> : null}
      {o.activationCode && me.can.changeNumbers ? (
        <div className="biz-esim">
          <p>
            {bt('bizActivation')}: <code data-testid="activation-code">{o.activationCode}</code>
          </p>
          <img src={`/api/v1/business/orders/${o.id}/qr?format=svg`} width={180} height={180} alt={bt('bizQr', { msisdn: phoneNumber(o.msisdn) })} data-testid="qr" />
        </div>
      ) : null}
      <details>
        <summary>{bt('bizHistory')}</summary>
        <ol>
          {o.history.map((h, i) => (
            <li key={i}>
              {dateTime(h.at, lang)}: {bt(`ost_${h.status}`)}
              {h.note ? ` — ${h.note}` : ''}
            </li>
          ))}
        </ol>
      </details>
      {me.can.changeNumbers && open ? (
        <>
          <div className="row">
            {NEXT[o.status].map((a) => (
              <button key={a} type="button" className="primary" disabled={act.busy} onClick={() => go(a)}>
                {bt('bizApprove')}
              </button>
            ))}
            {!rejecting ? (
              <button type="button" disabled={act.busy} onClick={() => setRejecting(true)}>
                {bt('bizReject')}
              </button>
            ) : null}
          </div>
          {rejecting ? (
            <form onSubmit={reject} aria-label={bt('bizRejectConfirm')}>
              <Field label={bt('bizRejectReason')}>{(id) => <input id={id} required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
              <div className="row">
                <button type="submit" className="primary" disabled={act.busy}>
                  {bt('bizRejectConfirm')}
                </button>
                <button type="button" onClick={() => setRejecting(false)}>
                  {bt('bizPrev')}
                </button>
              </div>
            </form>
          ) : null}
          <ErrorBox error={act.error} />
        </>
      ) : null}
    </li>
  );
}

export default function Orders() {
  const { bt, me } = useBiz();
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const list = useCursorList<Order, OrderList>(
    (cursor) => `business/orders?limit=50${status ? `&status=${status}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    [status],
  );
  const orders = list.first;
  return (
    <Page title={bt('bizOrders')}>
      {me.can.changeNumbers ? <NewOrder onDone={() => void orders.reload()} /> : null}
      <Section title={bt('bizOrdersList')}>
        <Field label={bt('bizStatus')}>
          {(id) => (
            <select id={id} value={status} onChange={(e) => setStatus(e.target.value as OrderStatus | '')}>
              <option value="">{bt('bizAll')}</option>
              {(['created', 'approved', 'in_progress', 'done', 'rejected'] as const).map((s) => (
                <option key={s} value={s}>
                  {bt(`ost_${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ErrorBox error={orders.error} onRetry={() => void orders.reload()} />
        {!orders.data ? orders.error ? null : <Loading /> : list.items.length === 0 ? <p className="muted">{bt('bizNoOrders')}</p> : null}
        <ul className="list" data-testid="orders">
          {list.items.map((o) => (
            <OrderCard key={`${o.id}:${o.status}`} o={o} onChanged={orders.reload} />
          ))}
        </ul>
        <ShowMore list={list} />
      </Section>
    </Page>
  );
}
