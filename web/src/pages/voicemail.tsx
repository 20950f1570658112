import { useEffect, useState, type ChangeEvent, type FormEvent } from 'react';
import { api } from '../api.ts';
import type { VoicemailOverview } from '../api-shapes.ts';
import { useApp } from '../app-context.ts';
import { dateTime, phoneNumber } from '../format.ts';
import { ErrorBox, Field, Loading, Notice, Page, Section, Switch, useAction, useLoad } from '../ui.tsx';

type Settings = Pick<VoicemailOverview['mailbox'], 'enabled' | 'busy' | 'noAnswer' | 'unreachable' | 'always'>;

/** m:ss of a message's length. */
function length(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The file's bytes in base64, as the recording route takes them. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Voicemail: when calls divert, the greeting, and the messages with playback. */
export default function Voicemail() {
  const { t, lang, me } = useApp();
  const m = me.msisdn ?? 'me';
  const data = useLoad(() => api<VoicemailOverview>(`subscribers/${m}/voicemail`), [m]);
  const act = useAction();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [seconds, setSeconds] = useState('20');
  const [text, setText] = useState('');
  useEffect(() => {
    const b = data.data?.mailbox;
    if (!b) return;
    setSettings({ enabled: b.enabled, busy: b.busy, noAnswer: b.noAnswer, unreachable: b.unreachable, always: b.always });
    setSeconds(String(b.noAnswerSeconds));
    setText(b.greeting.text ?? '');
  }, [data.data?.mailbox]);
  if (data.error) return <ErrorBox error={data.error} onRetry={() => void data.reload()} />;
  if (!data.data || !settings) return <Loading />;
  const { mailbox, messages, voicemailNumber } = data.data;
  const base = `/api/v1/subscribers/${encodeURIComponent(m)}/voicemail`;

  const save = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api(`subscribers/${m}/voicemail`, { method: 'PATCH', body: { ...settings, noAnswerSeconds: Number(seconds) } });
      await data.reload();
    }, t('vmSaved'), 'settings');
  };
  const greeting = (body: { kind: 'standard' } | { kind: 'text'; text: string }) =>
    void act.run(
      async () => {
        await api(`subscribers/${m}/voicemail/greeting`, { method: 'PUT', body });
        await data.reload();
      },
      t('vmGreetingSaved'),
      `greeting:${body.kind}`,
    );
  const upload = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    void act.run(async () => {
      await api(`subscribers/${m}/voicemail/greeting/recording`, { method: 'PUT', body: { wav: await base64Of(file) } });
      await data.reload();
    }, t('vmGreetingSaved'), 'greeting:recorded');
  };
  const heard = (id: number, wasHeard: boolean) => {
    if (wasHeard) return;
    void api(`subscribers/${m}/voicemail/messages/${id}/heard`, { method: 'POST', body: {} }).then(() => data.reload());
  };
  const remove = (id: number) =>
    act.ask(
      t('vmDeleteConfirm'),
      async () => {
        await api(`subscribers/${m}/voicemail/messages/${id}`, { method: 'DELETE' });
        await data.reload();
        act.setNotice(t('vmDeleted'));
      },
      `msg:${id}`,
    );
  const flag = (key: keyof Settings, label: string) => <Switch label={label} checked={settings[key]} disabled={act.busy} onChange={(v) => setSettings({ ...settings, [key]: v })} />;
  const kindWords = { standard: t('vmGreetingStandard'), text: t('vmGreetingText'), recorded: t('vmGreetingRecorded') }[mailbox.greeting.kind];

  return (
    <Page title={t('vmTitle')}>
      {act.dialog}
      <ErrorBox error={act.pageError} />
      <Notice text={act.notice} />
      <Section title={t('vmMessages')}>
        {messages.length === 0 ? (
          <p className="muted">{t('vmNone')}</p>
        ) : (
          <ul className="list" data-testid="voicemail-messages">
            {messages.map((msg) => (
              <li key={msg.id} className="item" data-testid="voicemail-message">
                <div>
                  <p>
                    {msg.caller ? phoneNumber(msg.caller) : t('vmWithheld')} {msg.heard ? null : <strong>· {t('vmNew')}</strong>}
                  </p>
                  <p className="muted">
                    {dateTime(msg.receivedAt, lang)} · {length(msg.durationMs)}
                  </p>
                  <audio controls preload="metadata" src={`${base}/messages/${msg.id}/audio`} onPlay={() => heard(msg.id, msg.heard)} style={{ width: '100%' }} />
                </div>
                <ErrorBox error={act.errorAt(`msg:${msg.id}`)} />
                <button type="button" className="secondary" disabled={act.busy} onClick={() => remove(msg.id)}>
                  {t('vmDelete')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title={t('vmWhen')}>
        <form onSubmit={save} data-testid="voicemail-settings">
          <div className="stack">{flag('enabled', t('vmOn'))}</div>
          <div className="stack">
            {flag('busy', t('vmBusy'))}
            {flag('noAnswer', t('vmNoAnswer'))}
          </div>
          <Field label={t('vmNoAnswerSeconds')}>{(id) => <input id={id} inputMode="numeric" value={seconds} onChange={(e) => setSeconds(e.target.value)} />}</Field>
          <div className="stack">
            {flag('unreachable', t('vmUnreachable'))}
            {flag('always', t('vmAlways'))}
          </div>
          <p className="muted">{t('vmNumberNote', { number: voicemailNumber })}</p>
          <ErrorBox error={act.errorAt('settings')} />
          <button type="submit" disabled={act.busy}>
            {t('save')}
          </button>
        </form>
      </Section>
      <Section title={t('vmGreeting')}>
        <p className="muted">{t('vmGreetingNow', { kind: kindWords })}</p>
        {mailbox.greeting.kind === 'recorded' ? <audio controls preload="metadata" src={`${base}/greeting/audio?v=${mailbox.greeting.durationMs ?? 0}`} style={{ width: '100%' }} /> : null}
        <ErrorBox error={act.errorAt('greeting:standard')} />
        <button type="button" className="secondary" disabled={act.busy || mailbox.greeting.kind === 'standard'} onClick={() => greeting({ kind: 'standard' })}>
          {t('vmGreetingStandard')}
        </button>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            greeting({ kind: 'text', text });
          }}
        >
          <Field label={t('vmGreetingText')}>{(id) => <textarea id={id} maxLength={300} value={text} onChange={(e) => setText(e.target.value)} />}</Field>
          <ErrorBox error={act.errorAt('greeting:text')} />
          <button type="submit" disabled={act.busy || text.trim() === ''}>
            {t('save')}
          </button>
        </form>
        <Field label={t('vmGreetingUpload')}>{(id) => <input id={id} type="file" accept="audio/wav,audio/x-wav,.wav" disabled={act.busy} onChange={upload} />}</Field>
        <ErrorBox error={act.errorAt('greeting:recorded')} />
      </Section>
    </Page>
  );
}
