import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateTime, money, named, parseRubles, phoneNumber } from '../format.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, Switch, useAction, useLoad } from '../ui.tsx';
import { useBiz } from './context.ts';
import { useRegions } from './regions.ts';
import type { CatalogItem, Contract, LimitItem } from './types.ts';

function SetLimit({ onDone }: { onDone: () => void }) {
  const { bt } = useBiz();
  const [msisdn, setMsisdn] = useState('');
  const [amount, setAmount] = useState('');
  const [scope, setScope] = useState<LimitItem['scope']>('both');
  const [action, setAction] = useState<LimitItem['action']>('notify');
  const act = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const kop = parseRubles(amount);
    if (kop === null) return act.setError(new ApiError(400, { title: bt('bizBadAmount') }));
    void act.run(async () => {
      await api(`business/numbers/${encodeURIComponent(msisdn.trim())}/limit`, { method: 'PUT', body: { amount: kop, scope, action } });
      onDone();
    }, bt('bizLimitSaved'));
  };
  return (
    <Section title={bt('bizSetLimit')}>
      <form onSubmit={submit}>
        <div className="filters">
          <Field label={bt('bizMsisdn')}>{(id) => <input id={id} type="tel" inputMode="tel" required value={msisdn} onChange={(e) => setMsisdn(e.target.value)} />}</Field>
          <Field label={bt('bizAmount')}>{(id) => <input id={id} inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} />}</Field>
          <Field label={bt('bizScope')}>
            {(id) => (
              <select id={id} value={scope} onChange={(e) => setScope(e.target.value as LimitItem['scope'])}>
                {(['both', 'tariff', 'extras'] as const).map((s) => (
                  <option key={s} value={s}>
                    {bt(`scope_${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={bt('bizAction')}>
            {(id) => (
              <select id={id} value={action} onChange={(e) => setAction(e.target.value as LimitItem['action'])}>
                {(['notify', 'block_extras'] as const).map((s) => (
                  <option key={s} value={s}>
                    {bt(`action_${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <ErrorBox error={act.error} />
        <Notice text={act.notice} />
        <button type="submit" className="primary" disabled={act.busy}>
          {bt('bizSetLimit')}
        </button>
      </form>
    </Section>
  );
}

function ContractCard({ c, editable, onSaved }: { c: Contract; editable: boolean; onSaved: () => void }) {
  const { lang, t } = useApp();
  const { bt } = useBiz();
  const [credit, setCredit] = useState(String(c.creditLimit / 100));
  const [deny, setDeny] = useState(c.denyContent);
  const regions = useRegions();
  // Services are picked by name; their codes are the API's business.
  const products = useLoad(() => api<{ items: CatalogItem[] }>('catalog/products'), []);
  const productName = (code: string) => named(products.data?.items.find((p) => p.code === code)?.name, lang) || '…';
  const region = regions.find((r) => r.code === c.regionCode);
  const [denied, setDenied] = useState<Set<string>>(() => new Set(c.deniedProducts));
  const act = useAction();
  const save = (e: FormEvent) => {
    e.preventDefault();
    const kop = credit.trim() === '0' ? 0 : parseRubles(credit);
    if (kop === null) return act.setError(new ApiError(400, { title: bt('bizBadAmount') }));
    void act.run(async () => {
      const deniedProducts = [...denied];
      await api(`business/contracts/${c.id}`, { method: 'PATCH', body: { creditLimit: kop, denyContent: deny, deniedProducts } });
      onSaved();
    }, bt('bizSaved'));
  };
  const title = bt('bizContract', { n: c.number, r: region ? (lang === 'en' ? region.nameEn : region.nameRu) : '…' });
  return (
    <li className="card inset" data-testid="contract">
      <h3>{title}</h3>
      <p className="muted">
        {bt('bizNumbersCount')}: {c.numbers}
        {c.denyContent ? ` · ${bt('bizDenyContent')}` : ''}
        {c.deniedProducts.length ? ` · ${bt('bizDeniedProducts')}: ${c.deniedProducts.map(productName).join(', ')}` : ''}
      </p>
      <p data-testid="contract-pool">{bt('bizPool', { limit: money(c.creditLimit, lang), debt: money(c.poolDebt, lang), remaining: money(c.poolRemaining, lang) })}</p>
      <p className="muted">{bt('bizPoolHint')}</p>
      {editable ? (
        <form onSubmit={save} aria-label={title}>
          <Field label={bt('bizCreditLimit')}>{(id) => <input id={id} inputMode="decimal" value={credit} onChange={(e) => setCredit(e.target.value)} />}</Field>
          <Switch label={bt('bizDenyContent')} checked={deny} onChange={setDeny} />
          <fieldset className="checks">
            <legend>{bt('bizDeniedProducts')}</legend>
            {(products.data?.items ?? []).map((p) => (
              <label key={p.code}>
                <input
                  type="checkbox"
                  checked={denied.has(p.code)}
                  onChange={(e) => {
                    const next = new Set(denied);
                    if (e.target.checked) next.add(p.code);
                    else next.delete(p.code);
                    setDenied(next);
                  }}
                />{' '}
                {named(p.name, lang)}
              </label>
            ))}
          </fieldset>
          <ErrorBox error={act.error} />
          <Notice text={act.notice} />
          <button type="submit" disabled={act.busy}>
            {t('save')}
          </button>
        </form>
      ) : null}
    </li>
  );
}

export default function Limits() {
  const { lang } = useApp();
  const { bt, me, reloadMe } = useBiz();
  const limits = useLoad(() => api<{ month: string; total: number; items: LimitItem[] }>('business/limits?limit=200'), []);
  const contracts = useLoad(() => api<{ orderApproval: boolean; items: Contract[] }>('business/contracts'), []);
  const act = useAction();
  return (
    <Page title={bt('bizLimits')}>
      {me.can.changeNumbers ? <SetLimit onDone={() => void limits.reload()} /> : null}
      <Section title={bt('bizLimitsList')}>
        <ErrorBox error={limits.error ?? act.pageError} onRetry={() => void limits.reload()} />
        {!limits.data ? limits.error ? null : <Loading /> : limits.data.items.length === 0 ? <p className="muted">{bt('bizNoLimits')}</p> : null}
        <ul className="list" data-testid="limits">
          {(limits.data?.items ?? []).map((l) => (
            <li key={l.msisdn} className="item" data-msisdn={l.msisdn}>
              <div>
                <p className="strong">
                  {phoneNumber(l.msisdn)} {l.employeeName ? <span className="muted">· {l.employeeName}</span> : null}
                </p>
                <p data-testid="limit-amount">
                  {bt('bizSpent', { spent: money(l.spent, lang), amount: money(l.amount, lang) })}
                </p>
                <p className="muted">
                  {bt(`scope_${l.scope}`)} · {bt(`action_${l.action}`)}
                  {l.reachedAt ? ` · ${bt('bizReached', { at: dateTime(l.reachedAt, lang) })}` : ''}
                </p>
                {l.suspendedExtras.length > 0 ? (
                  <p className="biz-warn" data-testid="suspended-extras">
                    {bt('bizSuspendedExtras', { names: l.suspendedExtras.map((x) => (lang === 'en' ? x.name.en : x.name.ru)).join(', ') })}
                  </p>
                ) : null}
                <span className="bar biz-limit-bar" aria-hidden="true">
                  <span className={l.spent >= l.amount ? 'over' : ''} style={{ width: `${Math.min(100, Math.round((l.spent / l.amount) * 100))}%` }} />
                </span>
              </div>
              {me.can.changeNumbers ? (
                <button
                  type="button"
                  aria-label={`${bt('bizRemove')} ${phoneNumber(l.msisdn)}`}
                  onClick={() =>
                    act.ask(
                      bt('bizRemoveConfirm', { msisdn: phoneNumber(l.msisdn) }),
                      async () => {
                        await api(`business/numbers/${l.msisdn}/limit`, { method: 'DELETE' });
                        await limits.reload();
                      },
                      `remove:${l.msisdn}`,
                    )
                  }
                >
                  {bt('bizRemove')}
                </button>
              ) : null}
              <ErrorBox error={act.errorAt(`remove:${l.msisdn}`)} />
            </li>
          ))}
        </ul>
        {act.dialog}
      </Section>
      <Section title={bt('bizContracts')}>
        <ErrorBox error={contracts.error} onRetry={() => void contracts.reload()} />
        {!contracts.data && !contracts.error ? <Loading /> : null}
        <ul className="list">
          {(contracts.data?.items ?? []).map((c) => (
            <ContractCard key={`${c.id}:${c.creditLimit}:${String(c.denyContent)}:${c.deniedProducts.join()}`} c={c} editable={me.can.changeContract} onSaved={() => void contracts.reload()} />
          ))}
        </ul>
      </Section>
      {me.can.changeContract ? <Settings approval={me.customer.orderApproval} onSaved={reloadMe} /> : null}
    </Page>
  );
}

function Settings({ approval, onSaved }: { approval: boolean; onSaved: () => Promise<void> }) {
  const { bt } = useBiz();
  const act = useAction();
  return (
    <Section title={bt('bizSettings')}>
      <Switch
        label={bt('bizOrderApproval')}
        checked={approval}
        disabled={act.busy}
        onChange={(v) =>
          void act.run(async () => {
            await api('business/settings', { method: 'PATCH', body: { orderApproval: v } });
            await onSaved();
          }, bt('bizSaved'))
        }
      />
      <ErrorBox error={act.error} />
      <Notice text={act.notice} />
    </Section>
  );
}
