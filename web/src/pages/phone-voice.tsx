import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { useApp } from '../app-context.ts';
import { ErrorBox } from '../ui.tsx';

/** One step of the call as the relay reads it from the gateway's VoiceXML page. */
export interface VoiceTurn {
  lang: string | null;
  prompts: { text: string; audioUrl: string | null }[];
  expects: { kind: 'menu'; keys: string[] } | { kind: 'digits'; maxDigits: number } | null;
  /** How long the portal waits for a key once its prompts have played (the page's `timeout`). */
  timeoutMs: number | null;
  next: string | null;
  ended: boolean;
}
type Input = { kind: 'keys'; keys: string } | { kind: 'noinput' } | { kind: 'hangup' };
type Line = { id: number; who: 'portal'; text: string; lang: string | null } | { id: number; who: 'caller'; text: string };

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/**
 * The voice tab: call 111 from the picked number, press keys, keep silent or hang up. Each page
 * of the voice portal comes through the phone relay; its prompts are played in order (a key
 * press interrupts them, as barge-in does on a real call) and written in the transcript. As on a
 * real call, once the last prompt has played the portal listens for the page's timeout and then
 * hears silence; each key of a number starts the wait again. (A browser that will not play the
 * prompts does not time out: the caller is reading the transcript, and has the silence button.)
 */
export default function PhoneVoice({ msisdn }: { msisdn: string }) {
  const { t } = useApp();
  const [turn, setTurn] = useState<VoiceTurn | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [digits, setDigits] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const audio = useRef<HTMLAudioElement>(null);
  const queue = useRef<string[]>([]);
  const seq = useRef(0);
  const box = useRef<HTMLDivElement>(null);
  const live = turn !== null && !turn.ended && turn.next !== null;
  const [listening, setListening] = useState(false);
  const turnRef = useRef<VoiceTurn | null>(null);
  const wait = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const stopListening = () => {
    clearTimeout(wait.current);
    wait.current = undefined;
    setListening(false);
  };
  /** The prompts are over: the portal waits for a key, then hears silence. */
  const listen = () => {
    const current = turnRef.current;
    clearTimeout(wait.current);
    if (!current || current.ended || !current.next || !current.expects || current.timeoutMs === null) return;
    setListening(true);
    wait.current = setTimeout(() => {
      wait.current = undefined;
      setListening(false);
      if (turnRef.current === current) silenceRef.current();
    }, current.timeoutMs);
  };

  const playNext = () => {
    const el = audio.current;
    if (!el) return;
    const url = queue.current.shift();
    if (!url) return listen();
    el.src = url;
    // A browser that refuses to play still has the transcript; the player's controls can start it.
    el.play().catch(() => undefined);
  };

  const show = (r: VoiceTurn) => {
    stopListening();
    turnRef.current = r;
    setTurn(r);
    setDigits('');
    const text = r.prompts.map((p) => p.text).join(' ');
    if (text) setLines((l) => [...l, { id: ++seq.current, who: 'portal', text, lang: r.lang }]);
    audio.current?.pause();
    queue.current = r.prompts.map((p) => p.audioUrl).filter((u): u is string => u !== null);
    playNext();
  };

  const run = async (fn: () => Promise<VoiceTurn>) => {
    setBusy(true);
    setError(undefined);
    try {
      show(await fn());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const call = () => {
    if (busy) return;
    setLines([]);
    void run(() => api<VoiceTurn>('/phone/api/voice/call', { method: 'POST', body: { msisdn } }));
  };

  const send = (input: Input, said: string) => {
    if (busy || !turn?.next) return;
    const next = turn.next;
    stopListening();
    audio.current?.pause();
    setLines((l) => [...l, { id: ++seq.current, who: 'caller', text: said }]);
    void run(() => api<VoiceTurn>('/phone/api/voice/step', { method: 'POST', body: { next, input } }));
  };

  const press = (key: string) => {
    if (!live || busy || !turn.expects) return;
    if (turn.expects.kind === 'menu') return send({ kind: 'keys', keys: key }, key);
    // A number: keys collect until '#' or the most the field takes.
    if (key === '#') return digits ? send({ kind: 'keys', keys: `${digits}#` }, `${digits}#`) : send({ kind: 'noinput' }, t('voiceSilence'));
    const typed = digits + key;
    if (typed.length >= turn.expects.maxDigits) send({ kind: 'keys', keys: typed }, typed);
    else {
      setDigits(typed);
      // A key stops the prompts (barge-in) and the wait starts again for the next one.
      audio.current?.pause();
      queue.current = [];
      listen();
    }
  };

  const silenceRef = useRef<() => void>(() => undefined);
  silenceRef.current = () => {
    if (digits) send({ kind: 'keys', keys: `${digits}#` }, `${digits}#`);
    else send({ kind: 'noinput' }, t('voiceSilence'));
  };

  // Keys typed on a keyboard while the voice tab has focus press the keypad.
  const pressRef = useRef(press);
  pressRef.current = press;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || !KEYS.includes(e.key)) return;
      e.preventDefault();
      pressRef.current(e.key);
    };
    el.addEventListener('keydown', onKey);
    return () => el.removeEventListener('keydown', onKey);
  }, []);

  // Leaving the tab stops the voice and the wait.
  useEffect(() => {
    const el = audio.current;
    return () => {
      el?.pause();
      clearTimeout(wait.current);
    };
  }, []);

  const last = [...lines].reverse().find((l) => l.who === 'portal');
  const status = !turn ? t('voiceIdle') : turn.ended ? t('voiceEnded') : turn.expects?.kind === 'digits' ? t('voiceEnterDigits') : t('voiceInCall');
  return (
    <div ref={box} className="voice">
      <div className="screen" data-testid="voice-screen" data-listening={listening ? 'true' : 'false'}>
        <p className="muted" role="status">
          {status}
          {digits ? ` · ${digits}` : ''}
        </p>
        {last && last.who === 'portal' && <p lang={last.lang ?? undefined}>{last.text}</p>}
      </div>
      <div className="keypad" role="group" aria-label={t('voiceKeypad')}>
        {KEYS.map((k) => (
          <button key={k} type="button" disabled={!live} onClick={() => press(k)} aria-label={k}>
            {k}
          </button>
        ))}
      </div>
      <div className="row voice-actions">
        {/* One button that dials and hangs up, so keyboard focus stays on it through the call. */}
        <button type="button" className={live ? 'danger' : 'primary'} onClick={() => (live ? send({ kind: 'hangup' }, t('voiceHangup')) : call())}>
          {live ? t('voiceHangup') : t('voiceCall')}
        </button>
        <button type="button" disabled={!live} onClick={() => send({ kind: 'noinput' }, t('voiceSilence'))}>
          {t('voiceSilence')}
        </button>
      </div>
      <ErrorBox error={error} />
      <audio ref={audio} data-testid="voice-audio" controls aria-label={t('voiceAudio')} onEnded={playNext} onError={playNext} />
      {lines.length > 0 && (
        <>
          <h3>{t('voiceTranscript')}</h3>
          <ol className="list transcript" data-testid="voice-transcript">
            {lines.map((l) => (
              <li key={l.id} className={`item voice-${l.who}`} lang={l.who === 'portal' ? (l.lang ?? undefined) : undefined}>
                <span>
                  {l.who === 'caller' ? '→ ' : ''}
                  {l.text}
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
