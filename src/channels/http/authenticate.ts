import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BlockList } from 'node:net';
import { addressList, onList } from '../../net/address-list.ts';
import { resolveApiKey } from '../../domain/auth/api-keys.ts';
import { resolveSession } from '../../domain/auth/sessions.ts';
import type { Core } from '../../domain/core.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { requestLang } from './context.ts';

export const SESSION_COOKIE = 'abonent_session';

/** Addresses allowed to assert the subscriber's number in a header (the operator's own proxies). */
export function trustedProxies(list: string[]): BlockList {
  return addressList('TRUSTED_PROXIES', list);
}

export const isTrusted = onList;

/**
 * Works out who is calling, once per request: an operator API key or a session token as Bearer,
 * or the session cookie. Anything unknown is simply anonymous; use cases refuse what needs more.
 */
export function installAuthentication(app: FastifyInstance, core: Core): void {
  app.decorateRequest('actor', null as never);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('lang', 'ru');
  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    req.lang = requestLang(req);
    req.actor = { kind: 'anonymous' };
    const auth = req.headers.authorization;
    let token: string | null = null;
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) token = auth.slice(7).trim();
    else token = req.cookies?.[SESSION_COOKIE] ?? null;
    if (!token) return;
    if (token.startsWith('abk_')) {
      const actor = await resolveApiKey(core, token);
      // A key limited to some scopes is for the TM Forum APIs only, which check its scopes.
      if (actor?.kind === 'operator_api' && actor.scopes && !req.url.startsWith('/tmf-api/')) throw new DomainError('FORBIDDEN', { reason: 'api_key_scope', scope: 'all' });
      if (actor) req.actor = actor;
      return;
    }
    const actor = await resolveSession(core, token);
    if (actor) {
      const { sessionId: _id, ...rest } = actor;
      req.actor = rest;
      req.sessionToken = token;
    }
  });
}
