import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { actionChoices, actionName, channelChoices, channelName } from '../actions.ts';
import { dateTime, phoneNumber } from '../format.ts';
import type { Key } from '../i18n.ts';
import type { AuditEvent, PoolRegion, QueuedTicket, StaffOrder } from '../api-shapes.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, Switch, useAction, useLoad } from '../ui.tsx';

function Reply({ ticket, onDone }: { ticket: QueuedTicket; onDone: () => Promise<void> }) {
  const { t } = useApp();
  const [text, setText] = useState('');
  const [close, setClose] = useState(false);
  const act = useAction();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          await api(`staff/tickets/${ticket.id}/reply`, { method: 'POST', body: { text, close } });
          setText('');
          await onDone();
        }, t('done'));
      }}
    >
      <Field label={t('reply')}>{(id) => <textarea id={id} required maxLength={4000} value={text} onChange={(e) => setText(e.target.value)} />}</Field>
      <Switch label={t('closeTicket')} checked={close} onChange={setClose} />
      <ErrorBox error={act.error} />
      <Notice text={act.notice} />
      <button type="submit" disabled={act.busy}>
        {t('send')}
      </button>
    </form>
  );
}

function Queue() {
  const { t, lang } = useApp();
  const [status, setStatus] = useState<'open' | 'answered' | 'closed'>('open');
  const q = useLoad(() => api<{ items: QueuedTicket[] }>(`staff/tickets?status=${status}&limit=50`), [status]);
  if (q.error instanceof ApiError && q.error.status === 404) return <p className="muted">{t('notAvailable')}</p>;
  return (
    <>
      <div className="tabs" role="group" aria-label={t('queue')}>
        {(['open', 'answered', 'closed'] as const).map((s) => (
          <button key={s} type="button" aria-pressed={status === s} onClick={() => setStatus(s)}>
            {t(`ts_${s}` as Key)}
          </button>
        ))}
      </div>
      <ErrorBox error={q.error} />
      {!q.data ? (
        <Loading />
      ) : (
        <div data-testid="queue">
          {q.data.items.map((tk) => (
            <details key={tk.id} className="ticket">
              <summary>
                {tk.priority === 'high' ? '⚑ ' : ''}
                <span className="strong">{tk.subject}</span> · {phoneNumber(tk.msisdn)} · {tk.tariffName} · {t(`k_${tk.kind}` as Key)}
              </summary>
              <ul className="messages">
                {tk.messages.map((msg) => (
                  <li key={msg.id} className={msg.author === 'staff' ? 'from-staff' : 'from-me'}>
                    <p className="muted">
                      {t(msg.author === 'staff' ? 'authorStaff' : 'authorSubscriber')} · {dateTime(msg.createdAt, lang)}
                    </p>
                    <p>{msg.text}</p>
                  </li>
                ))}
              </ul>
              {tk.status !== 'closed' && <Reply ticket={tk} onDone={q.reload} />}
            </details>
          ))}
        </div>
      )}
    </>
  );
}

function Audit() {
  const { t, lang } = useApp();
  const [msisdn, setMsisdn] = useState('');
  const [action, setAction] = useState('');
  const [channel, setChannel] = useState('');
  const [rows, setRows] = useState<AuditEvent[] | null>(null);
  const act = useAction();
  const search = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams({ limit: '50' });
    if (msisdn) p.set('msisdn', msisdn);
    if (action) p.set('action', action);
    if (channel) p.set('channel', channel);
    void act.run(async () => setRows((await api<{ items: AuditEvent[] }>(`audit?${p.toString()}`)).items));
  };
  return (
    <>
      <form onSubmit={search}>
        <div className="filters">
          <Field label={t('number')}>{(id) => <input id={id} inputMode="tel" value={msisdn} onChange={(e) => setMsisdn(e.target.value)} />}</Field>
          <Field label={t('action')}>
            {(id) => (
              <select id={id} value={action} onChange={(e) => setAction(e.target.value)}>
                <option value="">{t('auditAny')}</option>
                {actionChoices(lang).map((a) => (
                  <option key={a.code} value={a.code}>
                    {a.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('channel')}>
            {(id) => (
              <select id={id} value={channel} onChange={(e) => setChannel(e.target.value)}>
                <option value="">{t('auditAny')}</option>
                {channelChoices(lang).map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <ErrorBox error={act.error} />
        <button type="submit" disabled={act.busy}>
          {t('search')}
        </button>
      </form>
      {rows && (
        <ul className="list" data-testid="audit">
          {rows.map((r) => (
            <li key={r.id} className="item" data-action={r.action} data-outcome={r.outcome}>
              <div>
                <p className="strong">
                  {r.outcome === 'ok' ? '' : `${t(r.outcome === 'refused' ? 'hRefused' : 'hFailed')}: `}
                  {actionName(r.action, lang)}
                </p>
                <p className="muted">
                  {dateTime(r.at, lang)} · {t('channel')}: {channelName(r.channel, lang)}
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The operator's number pool: counts per region, adding a range, freeing numbers out of quarantine. */
function NumberPool() {
  const { t } = useApp();
  const pool = useLoad(() => api<{ regions: PoolRegion[] }>('staff/numbers?limit=1'), []);
  const [region, setRegion] = useState('');
  const [from, setFrom] = useState('');
  const [count, setCount] = useState('100');
  const act = useAction();
  const [said, setSaid] = useState<string | null>(null);
  const add = (e: FormEvent) => {
    e.preventDefault();
    setSaid(null);
    void act.run(async () => {
      const r = await api<{ added: number; from: string; to: string }>('staff/numbers', { method: 'POST', body: { region, from, count: Number(count) } });
      setSaid(t('poolAdded', { n: r.added, from: r.from, to: r.to }));
      await pool.reload();
    }, undefined, 'add');
  };
  const ended = (pool.data?.regions ?? []).reduce((s, r) => s + r.quarantineEnded, 0);
  return (
    <>
      <ErrorBox error={pool.error} onRetry={() => void pool.reload()} />
      {!pool.data ? (pool.error ? null : <Loading />) : pool.data.regions.length === 0 ? <p className="muted">{t('poolEmpty')}</p> : null}
      <ul className="list" data-testid="pool">
        {(pool.data?.regions ?? []).map((r) => (
          <li key={r.regionCode} className="item" data-region={r.regionCode}>
            <div>
              <p className="strong">
                {r.regionCode} · {r.regionName}
              </p>
              <p className="muted" data-testid="pool-counts">
                {r.free} {t('poolFree')} · {r.reserved} {t('poolReserved')} · {r.quarantined} {t('poolQuarantined')}
                {r.quarantineEnded ? ` (${r.quarantineEnded} ${t('poolEnded')})` : ''}
              </p>
            </div>
          </li>
        ))}
      </ul>
      <form onSubmit={add} aria-label={t('poolAdd')}>
        <div className="filters">
          <Field label={t('poolRegion')}>{(id) => <input id={id} required inputMode="numeric" pattern={'\\d{2,3}'} value={region} onChange={(e) => setRegion(e.target.value)} />}</Field>
          <Field label={t('poolFrom')}>{(id) => <input id={id} required inputMode="tel" value={from} onChange={(e) => setFrom(e.target.value)} />}</Field>
          <Field label={t('poolCount')}>{(id) => <input id={id} required type="number" min={1} max={10000} value={count} onChange={(e) => setCount(e.target.value)} />}</Field>
        </div>
        <ErrorBox error={act.errorAt('add')} />
        <button type="submit" disabled={act.busy}>
          {t('poolAdd')}
        </button>
      </form>
      <ErrorBox error={act.pageError} />
      <Notice text={said} />
      <ErrorBox error={act.errorAt('release')} />
      {ended > 0 ? (
        <button
          type="button"
          disabled={act.busy}
          onClick={() =>
            void act.run(async () => {
              const r = await api<{ released: number }>('staff/numbers/release', { method: 'POST', body: {} });
              setSaid(t('poolReleased', { n: r.released }));
              await pool.reload();
            }, undefined, 'release')
          }
        >
          {t('poolRelease')}
        </button>
      ) : null}
    </>
  );
}

/** Business orders waiting for the operator: the work is started, then marked done (the company's admins approve them). */
function Orders() {
  const { t, lang } = useApp();
  const q = useLoad(() => api<{ items: StaffOrder[] }>('staff/business-orders'), []);
  const act = useAction();
  const step = (o: StaffOrder, action: 'start' | 'complete') =>
    void act.run(async () => {
      await api(`staff/business-orders/${o.id}/${action}`, { method: 'POST' });
      await q.reload();
    }, t('done'), `order:${o.id}`);
  if (!q.data) return q.error ? <ErrorBox error={q.error} onRetry={() => void q.reload()} /> : <Loading />;
  return (
    <>
      {q.data.items.length === 0 ? <p className="muted">{t('ordersNone')}</p> : null}
      <ul className="list" data-testid="staff-orders">
        {q.data.items.map((o) => (
          <li key={o.id} className="item" data-order={o.id} data-status={o.status}>
            <div>
              <p className="strong">
                {o.kind === 'sim_replacement' ? t('orderSim') : t('orderNumber')}: {phoneNumber(o.msisdn)} · {o.customerName}
              </p>
              <p className="muted">
                {o.status === 'approved' ? t('orderApproved') : t('orderInProgress')} · {dateTime(o.updatedAt, lang)}
                {o.kind === 'number_change' && o.newMsisdn ? ` · ${t('orderNewNumber', { n: phoneNumber(o.newMsisdn) })}` : ''}
              </p>
            </div>
            <ErrorBox error={act.errorAt(`order:${o.id}`)} />
            <button type="button" disabled={act.busy} onClick={() => step(o, o.status === 'approved' ? 'start' : 'complete')}>
              {o.status === 'approved' ? t('orderStart') : t('orderComplete')}
            </button>
          </li>
        ))}
      </ul>
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
    </>
  );
}

export default function Staff() {
  const { t } = useApp();
  return (
    <Page title={t('navStaff')}>
      <Section title={t('queue')}>
        <Queue />
      </Section>
      <Section title={t('auditSearch')}>
        <Audit />
      </Section>
      <Section title={t('ordersTitle')}>
        <Orders />
      </Section>
      <Section title={t('poolTitle')}>
        <NumberPool />
      </Section>
    </Page>
  );
}
