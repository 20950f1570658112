import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BlockList, isIP } from 'node:net';
import { resolveApiKey } from '../../domain/auth/api-keys.ts';
import { resolveSession } from '../../domain/auth/sessions.ts';
import type { Core } from '../../domain/core.ts';
import { requestLang } from './context.ts';

export const SESSION_COOKIE = 'abonent_session';

/** Addresses allowed to assert the subscriber's number in a header (the operator's own proxies). */
export function trustedProxies(list: string[]): BlockList {
  const bl = new BlockList();
  for (const entry of list) {
    const [addr, bits] = entry.split('/');
    const family = isIP(addr ?? '');
    if (!family) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) bl.addAddress(addr!, type);
    else bl.addSubnet(addr!, Number(bits), type);
  }
  return bl;
}

export function isTrusted(bl: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4mapped) return bl.check(v4mapped[1]!, 'ipv4');
  return bl.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

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
