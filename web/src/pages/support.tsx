import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateTime, pluralForm } from '../format.ts';
import type { Key } from '../i18n.ts';
import type { Idea, Ticket } from '../api-shapes.ts';
import { ShowMore, useCursorList } from '../paging.tsx';
import { ErrorBox, Field, Loading, Notice, Page, Section, useAction, useLoad } from '../ui.tsx';

const KINDS = ['question', 'complaint', 'thanks', 'wish'] as const;

/** 404 from a route that has not landed on this server: say so instead of failing. */
const missing = (e: unknown) => e instanceof ApiError && e.status === 404 && e.problem.code !== 'SUBSCRIBER_NOT_FOUND';

function TicketView({ ticket, m, onChange }: { ticket: Ticket; m: string; onChange: () => Promise<void> }) {
  const { t, lang } = useApp();
  const [text, setText] = useState('');
  const act = useAction();
  return (
    <details className="ticket">
      <summary>
        <span className="strong">{ticket.subject}</span> · {t(`k_${ticket.kind}` as Key)} · <span data-testid="ticket-status">{t(`ts_${ticket.status}` as Key)}</span>
      </summary>
      <ul className="messages">
        {ticket.messages.map((msg) => (
          <li key={msg.id} className={msg.author === 'staff' ? 'from-staff' : 'from-me'}>
            <p className="muted">
              {msg.author === 'staff' ? t('staffSays') : t('youSay')} · {dateTime(msg.createdAt, lang)}
            </p>
            <p>{msg.text}</p>
          </li>
        ))}
      </ul>
      {ticket.status !== 'closed' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => {
              await api(`subscribers/${m}/tickets/${ticket.id}/messages`, { method: 'POST', body: { text } });
              setText('');
              await onChange();
            });
          }}
        >
          <Field label={t('reply')}>{(id) => <textarea id={id} required maxLength={4000} value={text} onChange={(e) => setText(e.target.value)} />}</Field>
          <ErrorBox error={act.error} />
          <button type="submit" disabled={act.busy}>
            {t('send')}
          </button>
        </form>
      )}
    </details>
  );
}

function Ideas() {
  const { t, lang } = useApp();
  const [sort, setSort] = useState<'top' | 'new'>('top');
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const ideas = useLoad(() => api<{ items: Idea[] }>(`ideas?sort=${sort}`), [sort]);
  const act = useAction();
  if (missing(ideas.error)) return <p className="muted">{t('notAvailable')}</p>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api('ideas', { method: 'POST', body: { title, text } });
      setTitle('');
      setText('');
      await ideas.reload();
    }, t('done'), 'idea');
  };
  return (
    <>
      <div className="tabs" role="group" aria-label={t('ideas')}>
        <button type="button" aria-pressed={sort === 'top'} onClick={() => setSort('top')}>
          {t('sortTop')}
        </button>
        <button type="button" aria-pressed={sort === 'new'} onClick={() => setSort('new')}>
          {t('sortNew')}
        </button>
      </div>
      <ErrorBox error={ideas.error ?? act.pageError} />
      <ul className="list" data-testid="ideas">
        {(ideas.data?.items ?? []).map((i) => (
          <li key={i.id} className="item">
            <div>
              <p className="strong">{i.title}</p>
              <p>{i.text}</p>
              <p className="muted">
                {i.votes} {t(`votes_${pluralForm(i.votes, lang)}`)} · {t(`idea_${i.status}` as Key)}
              </p>
            </div>
            <ErrorBox error={act.errorAt(`vote:${i.id}`)} />
            <button
              type="button"
              aria-pressed={i.votedByMe}
              onClick={() => void act.run(async () => (await api(`ideas/${i.id}/vote`, { method: i.votedByMe ? 'DELETE' : 'POST' }), await ideas.reload()), undefined, `vote:${i.id}`)}
            >
              <span aria-hidden="true">{i.votedByMe ? '★' : '☆'}</span> {t('vote')} · {i.votes}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={submit}>
        <Field label={t('ideaTitle')}>{(id) => <input id={id} required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />}</Field>
        <Field label={t('text')}>{(id) => <textarea id={id} required maxLength={4000} value={text} onChange={(e) => setText(e.target.value)} />}</Field>
        <ErrorBox error={act.errorAt('idea')} />
        <Notice text={act.notice} />
        <button type="submit" disabled={act.busy}>
          {t('submitIdea')}
        </button>
      </form>
    </>
  );
}

export default function Support() {
  const { t, me } = useApp();
  const m = me.msisdn ?? 'me';
  const list = useCursorList<Ticket>((cursor) => `subscribers/${m}/tickets?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, [m]);
  const tickets = list.first;
  const [kind, setKind] = useState<(typeof KINDS)[number]>('question');
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const act = useAction();
  const unavailable = missing(tickets.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api(`subscribers/${m}/tickets`, { method: 'POST', body: { kind, subject, text } });
      setSubject('');
      setText('');
      await tickets.reload();
    }, t('ticketCreated'));
  };
  return (
    <Page title={t('navSupport')}>
      <Section title={t('feedback')}>
        {unavailable ? (
          <p className="muted">{t('notAvailable')}</p>
        ) : (
          <form onSubmit={submit}>
            <Field label={t('kind')}>
              {(id) => (
                <select id={id} value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
                  {KINDS.map((k) => (
                    <option key={k} value={k}>
                      {t(`k_${k}` as Key)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('subject')}>{(id) => <input id={id} required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} />}</Field>
            <Field label={t('text')}>{(id) => <textarea id={id} required maxLength={4000} rows={4} value={text} onChange={(e) => setText(e.target.value)} />}</Field>
            <ErrorBox error={act.error} />
            <Notice text={act.notice} />
            <button type="submit" className="primary wide" disabled={act.busy}>
              {t('send')}
            </button>
          </form>
        )}
      </Section>
      {!unavailable && (
        <Section title={t('tickets')}>
          {tickets.error ? (
            <ErrorBox error={tickets.error} />
          ) : !tickets.data ? (
            <Loading />
          ) : list.items.length === 0 ? (
            <p className="muted">{t('noTickets')}</p>
          ) : (
            <div data-testid="tickets">
              {list.items.map((tk) => (
                <TicketView key={tk.id} ticket={tk} m={m} onChange={tickets.reload} />
              ))}
            </div>
          )}
          <ShowMore list={list} />
        </Section>
      )}
      <Section title={t('ideas')}>
        <Ideas />
      </Section>
    </Page>
  );
}
