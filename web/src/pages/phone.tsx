import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useApp } from '../app-context.ts';
import { dateTime, pluralForm } from '../format.ts';
import type { DemoSms } from '../api-shapes.ts';
import { ErrorBox, Field, Loading, Page, Section, useLoad } from '../ui.tsx';
import PhoneVoice from './phone-voice.tsx';

// GSM 03.38 default alphabet and its extension table (each extension character takes two septets).
const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = '^{}\\[~]|€\f';

/** How a page travels to the handset: its length and the alphabet it needs. Display only. */
export function measure(text: string): { chars: number; alphabet: 'GSM-7' | 'UCS-2' } {
  let septets = 0;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXT.includes(ch)) septets += 2;
    else return { chars: [...text].length, alphabet: 'UCS-2' };
  }
  return { chars: septets, alphabet: 'GSM-7' };
}

interface Caps {
  numbers: string[];
  ussd: boolean;
  sms: boolean;
  voice: boolean;
}
interface Hop {
  sent: string;
  text: string;
  end: boolean;
}

function Ussd({ msisdn }: { msisdn: string }) {
  const { t, lang } = useApp();
  const [input, setInput] = useState('');
  const [session, setSession] = useState<{ id: string; serviceCode: string; history: string[] } | null>(null);
  const [hops, setHops] = useState<Hop[]>([]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

  const send = async (e?: FormEvent) => {
    e?.preventDefault();
    const value = input.trim();
    if (!value) return;
    setBusy(true);
    setError(undefined);
    try {
      let body: { msisdn: string; sessionId?: string; serviceCode: string; text: string };
      if (!session) {
        // A new dial string: *111# or *111*1024#; the gateway takes the whole string as the first hop.
        const base = /^\*(\d+)/.exec(value);
        if (!base || !value.endsWith('#')) throw new ApiError(400, { title: '*111#' });
        body = { msisdn, serviceCode: `*${base[1]}#`, text: value === `*${base[1]}#` ? '' : value };
      } else {
        body = { msisdn, sessionId: session.id, serviceCode: session.serviceCode, text: [...session.history, value].join('*') };
      }
      const r = await api<{ sessionId: string; end: boolean; text: string; status: number }>('/phone/api/ussd', { method: 'POST', body });
      setHops((h) => [...h, { sent: value, text: r.text, end: r.end }]);
      setSession(r.end ? null : { id: r.sessionId, serviceCode: body.serviceCode, history: session ? [...session.history, value] : [] });
      setInput('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const last = hops[hops.length - 1];
  return (
    <div className="handset-panel">
      <div className="handset" data-testid="handset">
        <div className="screen" aria-live="polite" data-testid="ussd-screen">
          {last ? (
            <>
              <pre>{last.text}</pre>
              <p className="muted">
                {measure(last.text).chars} {t(`chars_${pluralForm(measure(last.text).chars, lang)}`)} · {t('alphabet')} {measure(last.text).alphabet}
                {last.end ? ` · ${t('sessionEnded')}` : ''}
              </p>
            </>
          ) : (
            <p className="muted" data-testid="ussd-codes">*111# · *152#</p>
          )}
        </div>
        <form onSubmit={(e) => void send(e)}>
          <Field label={session ? t('answer') : t('dial')}>{(id) => <input id={id} inputMode="tel" autoComplete="off" value={input} onChange={(e) => setInput(e.target.value)} />}</Field>
          <div className="keypad">
            {keys.map((k) => (
              <button key={k} type="button" onClick={() => setInput((v) => v + k)} aria-label={k}>
                {k}
              </button>
            ))}
          </div>
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {session ? t('send') : t('dial')}
            </button>
            <button type="button" onClick={() => (setInput(''), setSession(null))}>
              {t('clear')}
            </button>
          </div>
        </form>
        <ErrorBox error={error} />
      </div>
      {hops.length > 1 && (
        <ol className="list">
          {hops.slice(0, -1).map((h, i) => (
            <li key={i} className="item">
              <span>
                → {h.sent}: {h.text.split('\n')[0]}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Messages({ msisdn }: { msisdn: string }) {
  const { t, lang } = useApp();
  const [to, setTo] = useState('8111');
  const [text, setText] = useState('');
  const [items, setItems] = useState<DemoSms[]>([]);
  const [error, setError] = useState<unknown>();
  const lastId = useRef(0);

  useEffect(() => {
    setItems([]);
    lastId.current = 0;
    let gone = false;
    const poll = async () => {
      try {
        const r = await api<{ items: DemoSms[] }>(`demo/sms?msisdn=${msisdn}&afterId=${lastId.current}`);
        if (gone || r.items.length === 0) return;
        lastId.current = Math.max(lastId.current, ...r.items.map((x) => x.id));
        setItems((prev) => [...r.items.filter((x) => !prev.some((p) => p.id === x.id)), ...prev].sort((a, b) => b.id - a.id));
      } catch (e) {
        if (!gone) setError(e);
      }
    };
    void poll();
    // The inbox is the server's outbox for this number: look again while the page is open.
    const timer = setInterval(() => void poll(), 1500);
    return () => {
      gone = true;
      clearInterval(timer);
    };
  }, [msisdn]);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api('/phone/api/sms', { method: 'POST', body: { msisdn, to, text } });
      setText('');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <form onSubmit={(e) => void send(e)}>
        <div className="filters">
          <Field label={t('toNumber')}>{(id) => <input id={id} inputMode="numeric" required value={to} onChange={(e) => setTo(e.target.value)} />}</Field>
          <Field label={t('text')}>{(id) => <input id={id} required value={text} onChange={(e) => setText(e.target.value)} />}</Field>
        </div>
        <button type="submit" className="primary">
          {t('send')}
        </button>
      </form>
      <ErrorBox error={error} />
      <h3>{t('inbox')}</h3>
      {items.length === 0 ? (
        <p className="muted">{t('noMessages')}</p>
      ) : (
        <ul className="list" data-testid="sms-inbox">
          {items.map((s) => (
            <li key={s.id} className={`item sms-${s.direction}`}>
              <div>
                <p className="muted">
                  {s.direction === 'mo' ? '→' : '←'} {s.peer} · {dateTime(s.at, lang)}
                </p>
                <p>{s.text}</p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export default function Phone() {
  const { t } = useApp();
  const caps = useLoad(() => api<Caps>('/phone/api/capabilities'), []);
  const [msisdn, setMsisdn] = useState('');
  const [tab, setTab] = useState<'ussd' | 'sms' | 'voice'>('ussd');
  useEffect(() => {
    if (!msisdn && caps.data?.numbers[0]) setMsisdn(caps.data.numbers[0]);
  }, [caps.data, msisdn]);
  if (caps.error instanceof ApiError && caps.error.status === 404)
    return (
      <Page title={t('phoneTitle')}>
        <p>{t('demoOnly')}</p>
      </Page>
    );
  if (caps.error) return <ErrorBox error={caps.error} />;
  if (!caps.data) return <Loading />;
  const valid = /^\d{10,15}$/.test(msisdn);
  return (
    <Page title={t('phoneTitle')}>
      <p>{t('phoneHelp')}</p>
      <Field label={t('number')}>
        {(id) => (
          <>
            <input id={id} list={`${id}-list`} inputMode="numeric" value={msisdn} onChange={(e) => setMsisdn(e.target.value.replace(/\D/g, ''))} />
            <datalist id={`${id}-list`}>
              {caps.data!.numbers.map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <div className="tabs" role="group" aria-label={t('phoneTitle')}>
        <button type="button" aria-pressed={tab === 'ussd'} onClick={() => setTab('ussd')}>
          {t('ussd')}
        </button>
        <button type="button" aria-pressed={tab === 'sms'} onClick={() => setTab('sms')}>
          {t('sms')}
        </button>
        <button type="button" aria-pressed={tab === 'voice'} onClick={() => setTab('voice')}>
          {t('voice')}
        </button>
      </div>
      {valid && (
        <Section title={tab === 'ussd' ? t('ussd') : tab === 'sms' ? t('sms') : t('voice')}>
          {tab === 'ussd' ? <Ussd key={msisdn} msisdn={msisdn} /> : tab === 'sms' ? <Messages msisdn={msisdn} /> : caps.data.voice ? (
            <PhoneVoice key={msisdn} msisdn={msisdn} />
          ) : (
            <p>{t('voiceMissing')}</p>
          )}
        </Section>
      )}
    </Page>
  );
}
