import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { areaSurface } from '../../domain/locator/location-port.ts';
import { SANDBOX_CELLS } from './cells.ts';

export const SANDBOX_SCOPE = 'location-retrieval:read';
export const SANDBOX_API_PATH = '/location-retrieval/v0';

export interface CamaraSandboxOptions {
  clientId: string;
  clientSecret: string;
  /** The region code of the number's subscriber, or null when the network does not know it. */
  regionOf(msisdn: string): Promise<string | null>;
  now(): Date;
  /** Numbers whose device is off: only their last fix (three hours old) is known. */
  offline?: Set<string>;
}

const TOKEN_TTL_SECONDS = 3600;

function error(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.status(status).send({ status, code, message });
}

function same(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The demo network's location service: CAMARA Device Location Retrieval (`POST
 * /location-retrieval/v0/retrieve`) behind OAuth 2.0 client credentials (`POST /oauth/token`),
 * answering from a cell table per region. A number is served by one of its region's cells (the
 * same one each time); its last fix is a few minutes old, and a fresh one (`maxAge` below that) is
 * calculated on request unless the device is off.
 */
export function buildCamaraSandbox(opts: CamaraSandboxOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const tokens = new Map<string, { expires: number; scope: string }>();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addHook('onRequest', async (req, reply) => {
    const c = req.headers['x-correlator'];
    if (typeof c === 'string') reply.header('x-correlator', c);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => error(reply, err.statusCode === 415 ? 415 : 400, 'INVALID_ARGUMENT', err.message));

  app.post('/oauth/token', async (req: FastifyRequest, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    let id = body.client_id ?? '';
    let secret = body.client_secret ?? '';
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Basic ')) {
      const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (body.grant_type !== 'client_credentials') return reply.status(400).send({ error: 'unsupported_grant_type' });
    if (!same(id, opts.clientId) || !same(secret, opts.clientSecret)) return reply.status(401).send({ error: 'invalid_client' });
    const scope = body.scope ?? SANDBOX_SCOPE;
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { expires: opts.now().getTime() + TOKEN_TTL_SECONDS * 1000, scope });
    return { access_token: token, token_type: 'Bearer', expires_in: TOKEN_TTL_SECONDS, scope };
  });

  app.post(`${SANDBOX_API_PATH}/retrieve`, async (req: FastifyRequest, reply) => {
    const auth = req.headers.authorization;
    const t = typeof auth === 'string' && auth.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    if (!t || t.expires <= opts.now().getTime()) return error(reply, 401, 'UNAUTHENTICATED', 'Request not authenticated due to missing, invalid, or expired credentials.');
    if (!t.scope.split(' ').includes(SANDBOX_SCOPE)) return error(reply, 403, 'PERMISSION_DENIED', 'Client does not have sufficient permissions to perform this action.');
    const body = req.body as { device?: { phoneNumber?: unknown; ipv4Address?: unknown; ipv6Address?: unknown; networkAccessIdentifier?: unknown }; maxAge?: unknown; maxSurface?: unknown } | null;
    if (!body || typeof body !== 'object') return error(reply, 400, 'INVALID_ARGUMENT', 'Client specified an invalid argument, request body or query param.');
    const { maxAge, maxSurface } = body;
    if (maxAge !== undefined && !(Number.isInteger(maxAge) && (maxAge as number) >= 0 && (maxAge as number) <= 2147483647)) return error(reply, 400, 'INVALID_ARGUMENT', 'maxAge must be an integer from 0');
    if (maxSurface !== undefined && !(Number.isInteger(maxSurface) && (maxSurface as number) >= 1 && (maxSurface as number) <= 2147483647)) return error(reply, 400, 'INVALID_ARGUMENT', 'maxSurface must be an integer from 1');
    const device = body.device;
    if (!device) return error(reply, 422, 'MISSING_IDENTIFIER', 'The device cannot be identified.');
    if (device.phoneNumber === undefined) return error(reply, 422, 'UNSUPPORTED_IDENTIFIER', 'The identifier provided is not supported.');
    if (typeof device.phoneNumber !== 'string' || !/^\+[1-9][0-9]{4,14}$/.test(device.phoneNumber)) return error(reply, 400, 'INVALID_ARGUMENT', 'device.phoneNumber must be in E.164 form with a leading +');
    const msisdn = device.phoneNumber.slice(1);
    const region = await opts.regionOf(msisdn);
    if (region === null) return error(reply, 404, 'IDENTIFIER_NOT_FOUND', 'Device identifier not found.');
    const cells = SANDBOX_CELLS[region];
    if (!cells || cells.length === 0) return error(reply, 422, 'LOCATION_RETRIEVAL.UNABLE_TO_LOCATE', 'The network is unable to locate the device');
    const h = createHash('sha256').update(msisdn).digest();
    const cell = cells[h[0]! % cells.length]!;
    const now = opts.now();
    const offline = opts.offline?.has(msisdn) ?? false;
    const age = offline ? 3 * 3600 : 60 + (h[1]! % 240);
    let fixAt = new Date(now.getTime() - age * 1000);
    if (typeof maxAge === 'number' && maxAge < age) {
      if (offline) return error(reply, 422, 'LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_AGE', 'Unable to provide expected freshness for location');
      fixAt = now;
    }
    if (typeof maxSurface === 'number' && areaSurface(cell.area) > maxSurface) {
      return error(reply, 422, 'LOCATION_RETRIEVAL.UNABLE_TO_FULFILL_MAX_SURFACE', 'Unable to provide accurate acceptable surface for location');
    }
    return { lastLocationTime: fixAt.toISOString(), area: cell.area, device: { phoneNumber: device.phoneNumber } };
  });
  return app;
}
