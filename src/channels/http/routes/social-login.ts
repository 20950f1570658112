import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { finishSocial, listSocialLinks, listSocialProviders, requestSocialLinkCode, startSocialLink, startSocialLogin, unlinkSocial } from '../../../domain/auth/social-login.ts';
import type { Core } from '../../../domain/core.ts';
import { isDomainError } from '../../../domain/shared/errors.ts';
import { SESSION_COOKIE } from '../authenticate.ts';
import { ctxOf } from '../context.ts';

/** Holds the `state` of the request in progress; the callback must bring the same one back. */
export const SOCIAL_STATE_COOKIE = 'abonent_social_state';
const COOKIE_PATH = '/api/v1/auth/social';

const tag = { tags: ['auth'] };
const providerParam = z.object({ provider: z.string().min(1).max(40).describe('The provider\'s short name, as GET /auth/social/providers lists it') });
const started = z.object({
  authorizationUrl: z.string().describe("The provider's page to send the browser to"),
  expiresAt: z.string().describe('The request must come back by then'),
});

export interface SocialRouteOptions {
  core: Core;
  secureCookies: boolean;
  publicUrl?: string | undefined;
}

/**
 * Social login (OpenID Connect): the web app starts a login or a link with a POST, sends the
 * browser to the provider, and the provider sends it back to the callback, which answers with a
 * redirect to the web app (`?social=linked`, or `?socialError=<code>` on a refusal).
 */
export async function socialLoginRoutes(app: FastifyInstance, opts: SocialRouteOptions): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (opts.publicUrl ?? '').replace(/\/+$/, '');

  const keepState = (reply: FastifyReply, s: { authorizationUrl: string; state: string; expiresAt: string }) => {
    reply.setCookie(SOCIAL_STATE_COOKIE, s.state, { httpOnly: true, sameSite: 'lax', secure: opts.secureCookies, path: COOKIE_PATH, expires: new Date(s.expiresAt) });
    return { authorizationUrl: s.authorizationUrl, expiresAt: s.expiresAt };
  };
  const client = (req: FastifyRequest) => ({ ip: req.ip, userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null });

  r.get(
    '/auth/social/providers',
    { schema: { ...tag, summary: 'OpenID Connect providers one may log in with (none unless the operator configured them)', response: { 200: z.object({ items: z.array(z.object({ id: z.string(), name: z.string() })) }) } } },
    async () => ({ items: listSocialProviders(core) }),
  );
  r.post(
    '/auth/social/:provider/login',
    { schema: { ...tag, summary: 'Start a login with a social account (sets the state cookie; send the browser to authorizationUrl)', params: providerParam, response: { 200: started } } },
    async (req, reply) => keepState(reply, await startSocialLogin(core, ctxOf(req), { provider: req.params.provider, ip: req.ip })),
  );
  r.post(
    '/auth/social/link-code',
    { schema: { ...tag, summary: 'Send an SMS code to the logged-in number, its proof for linking a social account' } },
    async (req) => requestSocialLinkCode(core, ctxOf(req)),
  );
  r.post(
    '/auth/social/:provider/link',
    {
      schema: {
        ...tag,
        summary: "Start linking a social account to the logged-in number, with the number's password or SMS code (sets the state cookie; send the browser to authorizationUrl)",
        params: providerParam,
        body: z.object({ password: z.string().min(1).max(200).optional(), code: z.string().min(1).max(12).optional() }).strict(),
        response: { 200: started },
      },
    },
    async (req, reply) => keepState(reply, await startSocialLink(core, ctxOf(req), { provider: req.params.provider, password: req.body.password, code: req.body.code })),
  );
  r.get(
    '/auth/social/:provider/callback',
    { schema: { ...tag, summary: "The provider's redirect back (the redirect URI registered with it); answers with a redirect to the web app", params: providerParam } },
    async (req, reply) => {
      const state = (req.query as Record<string, unknown>).state;
      reply.clearCookie(SOCIAL_STATE_COOKIE, { path: COOKIE_PATH });
      const loggedIn = req.actor.kind === 'subscriber';
      try {
        const res = await finishSocial(core, ctxOf(req), {
          provider: req.params.provider,
          state: typeof state === 'string' ? state : undefined,
          browserState: req.cookies[SOCIAL_STATE_COOKIE],
          callbackUrl: `${base}${req.url}`,
          ...client(req),
        });
        if (res.purpose === 'link') return reply.redirect(`${base}/settings?social=linked`, 303);
        reply.setCookie(SESSION_COOKIE, res.session.token, { httpOnly: true, sameSite: 'lax', secure: opts.secureCookies, path: '/', expires: new Date(res.session.expiresAt) });
        return reply.redirect(`${base}/`, 303);
      } catch (e) {
        if (!isDomainError(e)) throw e;
        return reply.redirect(`${base}${loggedIn ? '/settings' : '/login'}?socialError=${e.code}`, 303);
      }
    },
  );
  r.get(
    '/auth/social/links',
    {
      schema: {
        ...tag,
        summary: 'Social accounts linked to the logged-in number',
        response: { 200: z.object({ items: z.array(z.object({ provider: z.string(), name: z.string(), configured: z.boolean(), label: z.string().nullable(), linkedAt: z.string(), lastLoginAt: z.string().nullable() })) }) },
      },
    },
    async (req) => ({ items: await listSocialLinks(core, ctxOf(req)) }),
  );
  r.delete(
    '/auth/social/links/:provider',
    { schema: { ...tag, summary: 'Unlink a social account from the logged-in number', params: providerParam, response: { 200: z.object({ unlinked: z.literal(true) }) } } },
    async (req) => unlinkSocial(core, ctxOf(req), { provider: req.params.provider }),
  );
}
