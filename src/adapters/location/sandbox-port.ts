import { randomBytes } from 'node:crypto';
import type { Db } from '../../store/db.ts';
import type { LocationPort } from '../../domain/locator/location-port.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { camaraLocation } from './camara.ts';
import { buildCamaraSandbox, SANDBOX_API_PATH } from './camara-sandbox.ts';

const ORIGIN = 'http://camara-sandbox.invalid';

/**
 * The demo's location: the CAMARA adapter, unchanged, talking HTTP semantics (token, JSON,
 * status codes) to the sandbox server in this process (Fastify's inject, no socket), which places
 * each number in a cell of its subscriber's region.
 */
export function sandboxLocation(db: Db, now: () => Date): LocationPort {
  const clientSecret = randomBytes(16).toString('hex');
  const sandbox = buildCamaraSandbox({
    clientId: 'abonent',
    clientSecret,
    now,
    regionOf: async (msisdn) => (await db.query<{ region_code: string }>('SELECT region_code FROM subscriber WHERE msisdn = $1', [msisdn]))[0]?.region_code ?? null,
  });
  const inProcess: typeof fetch = async (url, init) => {
    const u = new URL(String(url));
    const res = await sandbox.inject({
      method: (init?.method ?? 'GET') as 'POST',
      url: u.pathname + u.search,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      payload: typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : undefined,
    });
    return new Response(res.body, { status: res.statusCode, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') } });
  };
  return camaraLocation({ apiRoot: `${ORIGIN}${SANDBOX_API_PATH}`, tokenUrl: `${ORIGIN}/oauth/token`, clientId: 'abonent', clientSecret, now, fetch: inProcess });
}

/** No location service configured (production without CAMARA_LOCATION_URL): every request is refused. */
export const noLocation: LocationPort = {
  retrieve: () => Promise.reject(new DomainError('LOCATION_UNAVAILABLE', { reason: 'UNAVAILABLE', detail: 'no location service is configured' })),
};
