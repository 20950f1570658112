import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import { ApiError, errorText } from './api.ts';
import { money } from './format.ts';
import { useApp } from './app-context.ts';

/** Loads data for a page; `reload` fetches again (after an action changes it). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data: T | undefined; error: unknown; loading: boolean; reload: () => Promise<void> } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const reload = useCallback(async () => {
    const n = ++seq.current;
    setLoading(true);
    try {
      const v = await load();
      if (n === seq.current) {
        setData(v);
        setError(undefined);
      }
    } catch (e) {
      if (n === seq.current) setError(e);
    } finally {
      if (n === seq.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}

export function Page({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useApp();
  useEffect(() => {
    document.title = `${title} — ${t('appName')}`;
  }, [title, t]);
  return (
    <>
      <h1>{title}</h1>
      {children}
    </>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const hid = useId();
  return (
    <section className="card" aria-labelledby={hid} id={id}>
      <h2 id={hid}>{title}</h2>
      {children}
    </section>
  );
}

export function Loading() {
  const { t } = useApp();
  return (
    <p className="muted" role="status">
      {t('loading')}
    </p>
  );
}

/** What is missing when a refusal says the money is not enough: kopecks, rounded up to whole rubles. */
export function missingMoney(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.problem.code !== 'INSUFFICIENT_FUNDS') return null;
  const p = error.problem as { required?: unknown; available?: unknown };
  if (typeof p.required !== 'number' || typeof p.available !== 'number') return null;
  const missing = p.required - Math.max(0, p.available);
  return missing > 0 ? Math.ceil(missing / 100) * 100 : null;
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t, lang } = useApp();
  if (!error) return null;
  const missing = missingMoney(error);
  return (
    <div className="alert alert-error" role="alert">
      <p>{errorText(error)}</p>
      {missing !== null && (
        // Not a dead end: top up by what is missing, the amount filled in.
        <Link href={`/payments?topup=${missing}`} className="button" data-testid="top-up-missing">
          {t('topUpBy', { amount: money(missing, lang) })}
        </Link>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

export function Notice({ text }: { text: string | null }) {
  return (
    <p className="notice" role="status" aria-live="polite">
      {text ?? ''}
    </p>
  );
}

export function Field({ label, children, hint }: { label: string; children: (id: string) => ReactNode; hint?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint && <p className="hint">{hint}</p>}
    </div>
  );
}

/** A switch as a button (role=switch): large enough to tap, reachable by keyboard. */
export function Switch({ label, checked, onChange, disabled }: { label: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean }) {
  return (
    <button type="button" role="switch" aria-checked={checked} className="switch" onClick={() => onChange(!checked)} disabled={disabled}>
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span>{label}</span>
    </button>
  );
}

/**
 * A modal confirmation on the native <dialog>: focus is trapped and Escape cancels. It opens with
 * focus on "Cancel" (an Enter pressed out of habit spends nothing) and, once closed either way,
 * gives focus back to the control that opened it.
 */
export function Confirm({ text, onConfirm, onCancel, busy }: { text: string; onConfirm: () => void; onCancel: () => void; busy?: boolean }) {
  const { t } = useApp();
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const hid = useId();
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    if (d && !d.open) d.showModal();
    cancel.current?.focus();
    return () => {
      d?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={hid} onCancel={(e) => (e.preventDefault(), onCancel())}>
      <p id={hid}>{text}</p>
      <div className="row">
        <button type="button" className="primary" onClick={onConfirm} disabled={busy}>
          {t('confirm')}
        </button>
        <button ref={cancel} type="button" onClick={onCancel} disabled={busy}>
          {t('cancel')}
        </button>
      </div>
    </dialog>
  );
}

/** Runs an action with a confirmation, showing its error or a success notice. */
export function useAction() {
  const [pending, setPending] = useState<{ text: string; run: () => Promise<void>; at?: string } | null>(null);
  // Which control the running action came from (a key the page chose), so its refusal can be shown beside it.
  const [failedAt, setFailedAt] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | null>(null);
  const run = async (fn: () => Promise<void>, done?: string, at?: string) => {
    setBusy(true);
    setError(undefined);
    setFailedAt(at ?? null);
    setNotice(null);
    try {
      await fn();
      if (done) setNotice(done);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const ask = (text: string, fn: () => Promise<void>, at?: string) => setPending({ text, run: fn, at });
  const dialog = pending ? (
    <Confirm
      text={pending.text}
      busy={busy}
      onCancel={() => setPending(null)}
      onConfirm={() => {
        const p = pending;
        setPending(null);
        void run(p.run, undefined, p.at);
      }}
    />
  ) : null;
  /** The refusal of the action started from control `at`, to show beside it. */
  const errorAt = (at: string) => (failedAt === at ? error : undefined);
  /** A refusal that belongs to no particular control, for the top of the page. */
  const pageError = failedAt === null ? error : undefined;
  /** A refusal found before asking the server (an amount that does not parse), shown beside control `at` if given. */
  const fail = (e: unknown, at?: string) => {
    setFailedAt(at ?? null);
    setNotice(null);
    setError(e);
  };
  return { run, ask, dialog, busy, error, errorAt, pageError, notice, setNotice, setError: fail };
}
