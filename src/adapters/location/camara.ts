import { randomUUID } from 'node:crypto';
import type { DeviceLocation, LocationArea, LocationPort, LocationRefusal } from '../../domain/locator/location-port.ts';
import { DomainError } from '../../domain/shared/errors.ts';

export interface CamaraOptions {
  /** The API's base, up to and including its version: `https://api.example/location-retrieval/v0`. */
  apiRoot: string;
  /** The OAuth 2.0 token endpoint (client credentials). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  timeoutMs?: number;
  now?: () => Date;
  /** The HTTP client; the demo passes one that reaches the in-process sandbox. */
  fetch?: typeof fetch;
}

const refusals: Record<string, LocationRefusal> = {
  IDENTIFIER_NOT_FOUND: 'NOT_FOUND',
  'LOCATION_RETRIEVAL.UNABLE_TO_LOCATE': 'UNABLE_TO_LOCATE',
  'LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_AGE': 'MAX_AGE',
  'LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_SURFACE': 'MAX_SURFACE',
  SERVICE_NOT_APPLICABLE: 'NOT_APPLICABLE',
};

function refuse(reason: LocationRefusal, detail?: string): DomainError {
  return new DomainError('LOCATION_UNAVAILABLE', { reason, ...(detail ? { detail: detail.slice(0, 200) } : {}) });
}

function isPoint(p: unknown): p is { latitude: number; longitude: number } {
  const x = p as { latitude?: unknown; longitude?: unknown };
  return typeof x?.latitude === 'number' && typeof x.longitude === 'number' && Math.abs(x.latitude) <= 90 && Math.abs(x.longitude) <= 180;
}

/** The answer's area, checked: a circle with a centre and a positive radius, or a polygon of 3 to 15 points. */
function parseArea(a: unknown): LocationArea {
  const x = a as { areaType?: unknown; center?: unknown; radius?: unknown; boundary?: unknown };
  if (x?.areaType === 'CIRCLE' && isPoint(x.center) && typeof x.radius === 'number' && x.radius > 0) {
    return { areaType: 'CIRCLE', center: { latitude: x.center.latitude, longitude: x.center.longitude }, radius: x.radius };
  }
  if (x?.areaType === 'POLYGON' && Array.isArray(x.boundary) && x.boundary.length >= 3 && x.boundary.length <= 15 && x.boundary.every(isPoint)) {
    return { areaType: 'POLYGON', boundary: x.boundary.map((p) => ({ latitude: p.latitude, longitude: p.longitude })) };
  }
  throw refuse('UNAVAILABLE', 'the answer holds no circle or polygon area');
}

/**
 * CAMARA Device Location Retrieval client: an access token by OAuth 2.0 client credentials
 * (kept until shortly before it expires, fetched again once on a 401), then `POST /retrieve`
 * with the number in E.164 form, `maxAge` and `maxSurface`, and an `x-correlator`.
 */
export function camaraLocation(opts: CamaraOptions): LocationPort {
  const now = opts.now ?? (() => new Date());
  const timeout = opts.timeoutMs ?? 5000;
  const fetch = opts.fetch ?? globalThis.fetch;
  let token: { value: string; until: number } | null = null;

  const fetchToken = async (): Promise<string> => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: opts.scope ?? 'location-retrieval:read' });
    const basic = Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64');
    let res: Response;
    try {
      res = await fetch(opts.tokenUrl, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body, signal: AbortSignal.timeout(timeout) });
    } catch (e) {
      throw refuse('UNAVAILABLE', `token endpoint: ${(e as Error).message}`);
    }
    const json = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (!res.ok || typeof json.access_token !== 'string') throw refuse('UNAVAILABLE', `token endpoint answered ${res.status}`);
    const ttl = typeof json.expires_in === 'number' ? json.expires_in : 300;
    token = { value: json.access_token, until: now().getTime() + Math.max(0, ttl - 30) * 1000 };
    return token.value;
  };

  const call = async (bearer: string, payload: object): Promise<Response> => {
    try {
      return await fetch(`${opts.apiRoot.replace(/\/+$/, '')}/retrieve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json', 'x-correlator': randomUUID() },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (e) {
      throw refuse('UNAVAILABLE', `retrieve: ${(e as Error).message}`);
    }
  };

  return {
    async retrieve(req): Promise<DeviceLocation> {
      const payload = {
        device: { phoneNumber: `+${req.msisdn}` },
        ...(req.maxAge !== undefined ? { maxAge: req.maxAge } : {}),
        ...(req.maxSurface !== undefined ? { maxSurface: req.maxSurface } : {}),
      };
      const cached = token && token.until > now().getTime() ? token.value : null;
      let res = await call(cached ?? (await fetchToken()), payload);
      if (res.status === 401 && cached) res = await call(await fetchToken(), payload);
      const json = (await res.json().catch(() => ({}))) as { code?: string; message?: string; lastLocationTime?: unknown; area?: unknown };
      if (!res.ok) throw refuse(refusals[json.code ?? ''] ?? 'UNAVAILABLE', `${res.status} ${json.code ?? ''} ${json.message ?? ''}`.trim());
      const at = typeof json.lastLocationTime === 'string' ? new Date(json.lastLocationTime) : new Date(NaN);
      if (Number.isNaN(at.getTime())) throw refuse('UNAVAILABLE', 'the answer has no lastLocationTime');
      return { lastLocationTime: at, area: parseArea(json.area) };
    },
  };
}
