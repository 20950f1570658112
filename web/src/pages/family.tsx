import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import type { Family as FamilyView } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { money, parseRubles, phoneNumber } from '../format.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';

const PLANS = ['shared_package', 'head_pays', 'both'] as const;
type Plan = (typeof PLANS)[number];

/** The family group: the head invites, chooses what the group shares, sets limits, sees spending and removes; a member sees their own and may leave. */
export default function Family() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const { data, error, reload } = useLoad(() => api<FamilyView>(`subscribers/${m}/family`), [m]);
  const act = useAction();
  const [to, setTo] = useState('');
  const [limits, setLimits] = useState<Record<string, string>>({});
  if (error) return <ErrorBox error={error} onRetry={() => void reload()} />;
  if (!data) return <Loading />;

  const invite = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const r = await api<{ invited: string }>(`subscribers/${m}/family/invitations`, { method: 'POST', body: { to: to.trim() }, idempotent: true });
      act.setNotice(t('famInvited', { to: phoneNumber(r.invited) }));
      setTo('');
      await reload();
    }, undefined, 'invite');
  };
  const saveLimit = (member: string) => {
    const text = (limits[member] ?? '').trim();
    const limit = text === '' ? null : parseRubles(text);
    if (text !== '' && limit === null) {
      act.setError(new Error(t('invalidAmount')), `limit:${member}`);
      return;
    }
    void act.run(async () => {
      await api(`subscribers/${m}/family/members/${member}/limit`, { method: 'PUT', body: { limit } });
      await reload();
    }, t('famLimitSaved'), `limit:${member}`);
  };

  const savePlan = (plan: Plan) =>
    void act.run(async () => {
      await api(`subscribers/${m}/family/plan`, { method: 'PUT', body: { plan } });
      await reload();
    }, t('famPlanSaved'), 'plan');

  return (
    <Page title={t('navFamily')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      {data.invitation && data.role !== 'member' ? (
        <Section title={t('famInvitation', { from: phoneNumber(data.invitation.from) })}>
          <ErrorBox error={act.errorAt('join')} />
          <button type="button" onClick={() => void act.run(async () => (await api(`subscribers/${m}/family/accept`, { method: 'POST' }), await reload()), t('famJoined'), 'join')}>
            {t('famJoin')}
          </button>
        </Section>
      ) : null}
      {data.role === 'member' ? (
        <Section title={t('famHead', { head: phoneNumber(data.head ?? '') })}>
          <p data-testid="family-own">
            {data.monthlyLimit !== null ? t('famLimit', { limit: money(data.monthlyLimit, lang) }) : t('famNoLimit')} · {t('famSpent', { spent: money(data.spentThisMonth ?? 0, lang) })}
          </p>
          {data.plan ? <p data-testid="family-plan">{t(`famPlan_${data.plan}`)}</p> : null}
          <ErrorBox error={act.errorAt('leave')} />
          <button type="button" onClick={() => act.ask(t('famConfirmLeave'), async () => (await api(`subscribers/${m}/family/leave`, { method: 'POST' }), await reload(), act.setNotice(t('famLeft'))), 'leave')}>
            {t('famLeave')}
          </button>
        </Section>
      ) : (
        <>
          <Section title={t('famMembers', { count: data.members.length, max: data.maxMembers })}>
            {data.members.length === 0 ? (
              <p className="muted">{t('famNone')}</p>
            ) : (
              <ul className="list" data-testid="family-members">
                {data.members.map((x) => (
                  <li key={x.msisdn} className="item">
                    <span>
                      {phoneNumber(x.msisdn)} · {t(x.status === 'active' ? 'famStatus_active' : 'famStatus_invited')}
                      {x.status === 'active' ? ` · ${x.monthlyLimit !== null ? t('famLimit', { limit: money(x.monthlyLimit, lang) }) : t('famNoLimit')} · ${t('famSpent', { spent: money(x.spentThisMonth ?? 0, lang) })}` : ''}
                    </span>
                    {x.status === 'active' ? (
                      <Field label={t('famLimitLabel', { who: phoneNumber(x.msisdn) })}>
                        {(id) => <input id={id} inputMode="decimal" autoComplete="off" value={limits[x.msisdn] ?? ''} onChange={(e) => setLimits({ ...limits, [x.msisdn]: e.target.value })} />}
                      </Field>
                    ) : null}
                    <ErrorBox error={act.errorAt(`limit:${x.msisdn}`) ?? act.errorAt(`remove:${x.msisdn}`)} />
                    {x.status === 'active' ? (
                      <button type="button" onClick={() => saveLimit(x.msisdn)} aria-label={`${t('famLimitSave')}: ${phoneNumber(x.msisdn)}`}>
                        {t('famLimitSave')}
                      </button>
                    ) : null}
                    <button
                      type="button"
                      aria-label={`${t('famRemove')}: ${phoneNumber(x.msisdn)}`}
                      onClick={() => act.ask(t('famConfirmRemove', { who: phoneNumber(x.msisdn) }), async () => (await api(`subscribers/${m}/family/members/${x.msisdn}`, { method: 'DELETE' }), await reload()), `remove:${x.msisdn}`)}
                    >
                      {t('famRemove')}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          {data.plan ? (
            <Section title={t('famPlan')}>
              <Field label={t('famPlanChoose')}>
                {(id) => (
                  <select id={id} value={data.plan ?? 'both'} disabled={act.busy} onChange={(e) => savePlan(e.target.value as Plan)} data-testid="family-plan">
                    {PLANS.map((p) => (
                      <option key={p} value={p}>
                        {t(`famPlan_${p}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <ErrorBox error={act.errorAt('plan')} />
            </Section>
          ) : null}
          {data.members.length < data.maxMembers ? (
            <Section title={t('famInvite')}>
              <form onSubmit={invite}>
                <Field label={t('famInviteTo')}>{(id) => <input id={id} type="tel" inputMode="tel" autoComplete="off" placeholder="+7 900 000-00-00" value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
                <ErrorBox error={act.errorAt('invite')} />
                <button type="submit" disabled={act.busy}>
                  {t('famInviteSend')}
                </button>
              </form>
            </Section>
          ) : null}
        </>
      )}
    </Page>
  );
}
