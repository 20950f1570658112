import type { FastifyRequest } from 'fastify';
import type { Actor, Channel, Ctx, Lang } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    sessionToken: string | null;
    lang: Lang;
  }
}

/** The language of answers: ?lang=, then Accept-Language, then Russian. */
export function requestLang(req: FastifyRequest): Lang {
  const q = (req.query as Record<string, unknown> | undefined)?.lang;
  if (q === 'en' || q === 'ru') return q;
  const header = req.headers['accept-language'];
  if (typeof header === 'string') {
    for (const part of header.split(',')) {
      const tag = part.trim().slice(0, 2).toLowerCase();
      if (tag === 'ru' || tag === 'en') return tag;
    }
  }
  return 'ru';
}

const keyPattern = /^[\x21-\x7e]{1,200}$/;

/** The use-case context of an HTTP request. Apps identify themselves with `X-Client: app`. */
export function ctxOf(req: FastifyRequest, channel?: Channel): Ctx {
  const key = req.headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || !keyPattern.test(key))) {
    throw new DomainError('VALIDATION', { field: 'Idempotency-Key' });
  }
  const ch: Channel = channel ?? (req.headers['x-client'] === 'app' ? 'app' : 'web');
  return {
    actor: req.actor,
    channel: ch,
    requestId: String(req.id),
    lang: req.lang,
    ...(key ? { idempotencyKey: key } : {}),
  };
}
