import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { addressRefusal, guardedLookup, literalAddress, RefusedAddress, type CallbackPolicy } from './callback-address.ts';

export interface PostOutcome {
  ok: boolean;
  /** The listener's HTTP status, when it answered. */
  status?: number;
  error?: string;
}

/**
 * POSTs one event to a listener: refused before any connection when the address (a literal, or
 * what DNS gives at this moment) is not allowed; no redirects followed; the whole exchange bounded
 * by `timeoutMs`, so a listener that accepts and never answers costs that long and no more.
 */
export function postEvent(url: string, body: string, opts: { policy: CallbackPolicy; timeoutMs: number }): Promise<PostOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, error: 'not a URL' });
  }
  const literal = literalAddress(target);
  const refused = literal ? addressRefusal(opts.policy, literal) : null;
  if (refused) return Promise.resolve({ ok: false, error: `refused: ${refused}` });
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    // One connection per delivery (no pooled socket from another resolution), closed after it.
    const req = request(target, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(opts.policy),
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, error: `no answer within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` });
    });
    req.on('error', (err) => finish({ ok: false, error: err instanceof RefusedAddress ? `refused: ${err.message}` : `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${err.message}`.slice(0, 300) }));
    req.end(body);
  });
}
