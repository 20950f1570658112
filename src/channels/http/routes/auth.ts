import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { finishBusinessLogin, loginStaff, startBusinessLogin } from '../../../domain/auth/business-login.ts';
import { listSessions, logout, logoutEverywhere, type NewSession } from '../../../domain/auth/sessions.ts';
import {
  changePassword,
  loginByNetworkIdentity,
  loginWithCode,
  loginWithPassword,
  requestLoginCode,
  sendPasswordBySms,
} from '../../../domain/auth/subscriber-login.ts';
import type { Core } from '../../../domain/core.ts';
import { mustAcceptTerms } from '../../../domain/terms/current-terms.ts';
import { DomainError } from '../../../domain/shared/errors.ts';
import { isTrusted, SESSION_COOKIE, trustedProxies } from '../authenticate.ts';
import { ctxOf } from '../context.ts';
import { refuseCrossSite } from '../same-origin.ts';
import { socialLoginRoutes } from './social-login.ts';

const msisdn = z.string().min(1).max(32).describe('Phone number in any common form: +7 900 123-45-67, 89001234567, 9001234567');
const password = z.string().min(1).max(200);
const email = z.string().min(3).max(254);
const tag = { tags: ['auth'] };

const id = z.number().int();
const demoFlag = { demo: z.boolean().describe('The server runs in demo mode: the web app offers the phone simulator') };
const whoamiSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('subscriber'), subscriberId: id, termsMustAccept: z.boolean().describe('New terms of use await acceptance'), ...demoFlag }),
  z.object({ kind: z.literal('business_admin'), adminId: id, customerId: id, role: z.enum(['contract_admin', 'accountant', 'department_manager']), departmentId: id.nullable(), ...demoFlag }),
  z.object({ kind: z.literal('staff'), staffId: id, ...demoFlag }),
  z.object({ kind: z.literal('operator_api'), apiKeyId: id, ...demoFlag }),
  z.object({ kind: z.literal('system'), name: z.string(), ...demoFlag }),
  z.object({ kind: z.literal('anonymous'), ...demoFlag }),
]);
const sessionSchema = z.object({ createdAt: z.string(), expiresAt: z.string(), channel: z.string(), method: z.string(), ip: z.string().nullable(), userAgent: z.string().nullable() });

export interface AuthRouteOptions {
  core: Core;
  trustedProxies: string[];
  msisdnHeader: string;
  secureCookies: boolean;
  /** Told to the web app in whoami, which then offers the phone simulator (demo mode only). */
  demoMode?: boolean;
  publicUrl?: string | undefined;
}

export async function authRoutes(app: FastifyInstance, opts: AuthRouteOptions): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const proxies = trustedProxies(opts.trustedProxies);
  // Login CSRF: a foreign page must not post a login (no cookie yet) and log the visitor in as someone else.
  app.addHook('onRequest', refuseCrossSite({ publicUrl: opts.publicUrl, mode: 'always' }));

  const open = (reply: FastifyReply, s: NewSession) => {
    reply.setCookie(SESSION_COOKIE, s.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secureCookies,
      path: '/',
      expires: new Date(s.expiresAt),
    });
    return s;
  };
  const client = (req: { ip: string; headers: Record<string, unknown> }) => ({ ip: req.ip, userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null });

  r.post('/auth/login', { schema: { ...tag, summary: 'Log in with phone number and password', body: z.object({ msisdn, password }) } }, async (req, reply) =>
    open(reply, await loginWithPassword(core, ctxOf(req), { ...req.body, ...client(req) })),
  );
  r.post('/auth/code', { schema: { ...tag, summary: 'Send a one-time login code by SMS', body: z.object({ msisdn }) } }, async (req) =>
    requestLoginCode(core, ctxOf(req), req.body),
  );
  r.post(
    '/auth/code/verify',
    { schema: { ...tag, summary: 'Log in with the SMS code', body: z.object({ msisdn, code: z.string().min(1).max(12) }) } },
    async (req, reply) => open(reply, await loginWithCode(core, ctxOf(req), { ...req.body, ...client(req) })),
  );
  r.post('/auth/password/sms', { schema: { ...tag, summary: "Send a new password by SMS (every other session of the number's subscriber ends)", body: z.object({ msisdn }) } }, async (req) =>
    sendPasswordBySms(core, ctxOf(req), { ...req.body, sessionToken: req.sessionToken }),
  );
  r.post(
    '/auth/password/change',
    { schema: { ...tag, summary: 'Change the password (every other session of the subscriber ends)', body: z.object({ currentPassword: password, newPassword: z.string().min(8).max(200) }) } },
    async (req) => changePassword(core, ctxOf(req), { ...req.body, sessionToken: req.sessionToken }),
  );
  // Asked first, so a visit from anywhere else makes no failing request.
  r.get(
    '/auth/network',
    {
      schema: {
        ...tag,
        summary: "Whether a login on the operator's mobile data is possible from here (a trusted proxy names the number); logs nobody in",
        response: { 200: z.object({ available: z.boolean() }) },
      },
    },
    async (req) => ({ available: isTrusted(proxies, req.socket.remoteAddress) && typeof req.headers[opts.msisdnHeader] === 'string' }),
  );
  r.post(
    '/auth/network',
    { schema: { ...tag, summary: "Log in on the operator's mobile data (number from a trusted proxy's header)" } },
    async (req, reply) => {
      // Only the direct peer counts: a forwarded-for header is as forgeable as the number itself.
      const header = req.headers[opts.msisdnHeader];
      if (!isTrusted(proxies, req.socket.remoteAddress) || typeof header !== 'string') {
        throw new DomainError('UNAUTHENTICATED', { reason: 'network_identity_unavailable' });
      }
      return open(reply, await loginByNetworkIdentity(core, ctxOf(req), { msisdn: header, ...client(req) }));
    },
  );
  r.post('/auth/logout', { schema: { ...tag, summary: 'End this session' } }, async (req, reply) => {
    if (req.sessionToken) await logout(core, ctxOf(req), { token: req.sessionToken });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { loggedOut: true };
  });
  r.post('/auth/logout-all', { schema: { ...tag, summary: 'End every session on every device' } }, async (req, reply) => {
    const res = await logoutEverywhere(core, ctxOf(req));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return res;
  });
  r.get('/auth/sessions', { schema: { ...tag, summary: 'Open sessions of the person logged in', response: { 200: z.object({ items: z.array(sessionSchema) }) } } }, async (req) => ({
    items: await listSessions(core, ctxOf(req)),
  }));
  // Inside this scope: the same cross-site guard covers starting a social login.
  await app.register(socialLoginRoutes, { core, secureCookies: opts.secureCookies, publicUrl: opts.publicUrl });
  const demo = opts.demoMode ?? false;
  r.get(
    '/auth/whoami',
    {
      schema: {
        ...tag,
        summary: 'Who the request is authenticated as (subscribers: whether new terms of use await acceptance), and whether the server runs in demo mode',
        response: { 200: whoamiSchema },
      },
    },
    async (req) => (req.actor.kind === 'subscriber' ? { ...req.actor, termsMustAccept: await mustAcceptTerms(core, req.actor.subscriberId), demo } : { ...req.actor, demo }),
  );

  r.post(
    '/auth/business/login',
    { schema: { ...tag, summary: 'Business administrator: email and password (step 1 of 2)', body: z.object({ email, password }) } },
    async (req) => startBusinessLogin(core, ctxOf(req, 'business'), req.body),
  );
  r.post(
    '/auth/business/verify',
    { schema: { ...tag, summary: 'Business administrator: SMS code (step 2 of 2)', body: z.object({ email, challenge: z.string().min(1).max(200), code: z.string().min(1).max(12) }) } },
    async (req, reply) => open(reply, await finishBusinessLogin(core, ctxOf(req, 'business'), { ...req.body, ...client(req) })),
  );
  r.post('/auth/staff/login', { schema: { ...tag, summary: 'Operator staff login', body: z.object({ email, password }) } }, async (req, reply) =>
    open(reply, await loginStaff(core, ctxOf(req, 'staff'), { ...req.body, ...client(req) })),
  );
}
