import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/shared/errors.ts';
import { SESSION_COOKIE } from './authenticate.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The content types an HTML form (or a no-cors fetch) may send cross-site without a preflight. */
const FORM_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v.trim().toLowerCase() : undefined;
}

/** Whether an Origin names the host and port a request was sent to (default ports read alike). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (origin === 'null' || !host) return false;
  try {
    const o = new URL(origin);
    return o.host === new URL(`${o.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/**
 * Why a request is not from one of our own pages, or null when it is (OWASP CSRF cheat sheet:
 * Fetch Metadata first, then "verifying origin with standard headers"):
 * - `Sec-Fetch-Site` (every current browser sends it; scripts cannot forge it) must be
 *   `same-origin`, or `none` (the person typed or bookmarked the address). `same-site` is refused:
 *   a sibling subdomain is another application.
 * - Without it, `Origin` must be ours: PUBLIC_URL's origin, or the host and port the request was
 *   addressed to (`Host`). The scheme is not compared with `Host` — a TLS proxy in front hides it,
 *   and X-Forwarded-* are not trusted here — so behind such a proxy set PUBLIC_URL. `Origin: null`
 *   (sandboxed frames, some redirects) is refused.
 * - With neither header (a very old browser, or no browser at all) and the session cookie
 *   (`withCookie`), a form content type is refused: it is what a cross-site form would send, and
 *   our pages send JSON or nothing. Without the cookie such a request can act for no one.
 */
export function crossSiteReason(req: FastifyRequest, publicOrigin: string | null, withCookie: boolean): string | null {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none' ? null : `Sec-Fetch-Site: ${site}`;
  const origin = header(req, 'origin');
  if (origin !== undefined) {
    if (publicOrigin !== null && origin === publicOrigin) return null;
    return sameHost(origin, header(req, 'host')) ? null : `Origin: ${origin}`;
  }
  const type = header(req, 'content-type')?.split(';')[0]?.trim();
  return withCookie && type !== undefined && FORM_TYPES.has(type) ? `no Origin, Content-Type: ${type}` : null;
}

/**
 * An onRequest hook refusing cross-site unsafe requests (403 CROSS_SITE_REQUEST) that a browser
 * could make on someone's behalf. `cookie`: only requests carrying the session cookie and no
 * `Authorization` (a bearer token or API key is never sent by a browser on its own, and a
 * cross-site script cannot add one without a CORS preflight, which this server does not grant).
 * `always`: also requests without a cookie — the login routes, so a foreign page cannot log a
 * visitor into an account of its choosing.
 */
export function refuseCrossSite(opts: { publicUrl?: string | undefined; mode: 'cookie' | 'always' }) {
  const publicOrigin = opts.publicUrl ? new URL(opts.publicUrl).origin.toLowerCase() : null;
  return async (req: FastifyRequest): Promise<void> => {
    if (SAFE_METHODS.has(req.method)) return;
    // Authenticated by the bearer token, not the cookie (see installAuthentication).
    if (req.headers.authorization?.startsWith('Bearer ')) return;
    const withCookie = Boolean(req.cookies?.[SESSION_COOKIE]);
    if (opts.mode === 'cookie' && !withCookie) return;
    const reason = crossSiteReason(req, publicOrigin, withCookie);
    if (reason !== null) throw new DomainError('CROSS_SITE_REQUEST', { reason });
  };
}
