import { isStoreUnavailable } from '../../store/store-errors.ts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Lang } from '../../domain/shared/context.ts';
import { refusalWords } from '../../domain/actions/refusal-words.ts';
import type { Core } from '../../domain/core.ts';
import { errorMessage } from '../../domain/shared/error-messages.ts';
import { isDomainError, type ErrorCode } from '../../domain/shared/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    lang: Lang;
  }
}

/** HTTP status of each domain refusal on the TM Forum APIs (the channel's one mapping table). */
const status: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INSUFFICIENT_FUNDS: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  AMOUNT_NOT_ALLOWED: 422,
  BALANCE_LIMIT_EXCEEDED: 422,
  CALLBACK_NOT_ALLOWED: 400,
  RATE_LIMITED: 429,
  PAYMENT_FAILED: 402,
  PAYMENTS_UNAVAILABLE: 503,
  USAGE_DETAIL_DROPPED: 410,
};

const reasons: Partial<Record<ErrorCode, string>> = {
  VALIDATION: 'Invalid request',
  UNAUTHENTICATED: 'Authentication required: an operator API key as Bearer',
  FORBIDDEN: 'Only operator API keys may use the TM Forum APIs',
  NOT_FOUND: 'Resource not found',
  SUBSCRIBER_NOT_FOUND: 'Subscriber not found',
  PRODUCT_NOT_FOUND: 'Product offering not found',
  TARIFF_NOT_FOUND: 'Tariff not found',
  INSUFFICIENT_FUNDS: 'Not enough money',
  PRODUCT_INCOMPATIBLE: 'Incompatible with a connected product',
  PRODUCT_REQUIRES: 'Requires another product',
  PRODUCT_NOT_ALLOWED_ON_TARIFF: 'Not allowed on the tariff',
  PRODUCT_NOT_AVAILABLE: 'Not available',
  PRODUCT_NOT_CONNECTED: 'Not connected',
  PRODUCT_NOT_DISABLEABLE: 'Cannot be disabled',
  ALREADY_CONNECTED: 'Already connected',
  ALREADY_ON_TARIFF: 'Already on this tariff',
  CONTENT_BANNED: 'Paid content is banned on this number',
  SUBSCRIBER_BLOCKED: 'The number is blocked',
  CONFLICT: 'Conflict',
  BALANCE_LIMIT_EXCEEDED: 'The balance would leave the bounds an account may hold',
  CALLBACK_NOT_ALLOWED: 'The callback address is not allowed',
  PAYMENT_FAILED: 'The payment provider refused',
  PAYMENTS_UNAVAILABLE: 'No payment provider is configured',
  CARD_NOT_FOUND: 'Saved card not found',
  PAYMENT_NOT_FOUND: 'Payment not found',
  USAGE_DETAIL_DROPPED: 'Usage detail of that period is no longer kept',
};

export function statusOf(code: ErrorCode): number {
  return status[code] ?? (code.endsWith('NOT_FOUND') ? 404 : 409);
}

/** The TM Forum Error body: code and reason required, message and status optional. */
export function tmfError(code: string, reason: string, httpStatus: number, message?: string): Record<string, unknown> {
  return { code, reason, message: message ?? reason, status: String(httpStatus), '@type': 'Error' };
}

/**
 * A refusal in words a TM Forum client reads: the stable code (the registry's refusal code), a
 * short English reason, and as the message the refusal's own words in the request's language —
 * what every other channel says for that code (errorMessage) — followed by its parameters.
 */
export function describeRefusal(code: ErrorCode, params: Record<string, string | number>, lang: Lang, words = errorMessage(code, params, lang)): { reason: string; message: string } {
  const reason = reasons[code] ?? code.toLowerCase().replace(/_/g, ' ');
  const detail = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ');
  return { reason, message: detail ? `${words} (${detail})` : words };
}

/**
 * The scope a request needs of a key limited to some: `read` for reads and for the event
 * listeners (`/hub`: a listener is told what it could read), the API's write scope otherwise.
 */
function scopeNeeded(req: FastifyRequest, writeScope: string): string {
  if (req.method === 'GET' || req.method === 'HEAD') return 'read';
  const path = (req.url.split('?', 1)[0] ?? '').replace(/\/+$/, '');
  return /\/hub(\/[^/]+)?$/.test(path) ? 'read' : writeScope;
}

function send(reply: FastifyReply, httpStatus: number, body: Record<string, unknown>): FastifyReply {
  return reply.status(httpStatus).type('application/json').send(body);
}

/**
 * What every TM Forum API scope shares: only operator API keys get in, errors answer with the TMF
 * Error body, PATCH takes merge-patch+json as well as JSON, and a JSON content type with no body is
 * a request without one.
 */
export function installTmfConventions(app: FastifyInstance, core: Core, writeScope: string): void {
  // A request that names JSON but sends nothing (a DELETE from many HTTP clients) has no body: the
  // route's schema decides whether it needed one, instead of FST_ERR_CTP_EMPTY_JSON_BODY.
  const json = app.getDefaultJsonParser('error', 'ignore');
  const jsonOrEmpty: typeof json = (req, body, done) => (String(body).trim() === '' ? done(null, undefined) : json(req, body, done));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonOrEmpty);
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, jsonOrEmpty);
  app.addHook('onRequest', async (req, reply) => {
    if (req.actor.kind === 'operator_api') {
      const needed = scopeNeeded(req, writeScope);
      if (!req.actor.scopes || req.actor.scopes.includes(needed)) return;
      const { message } = describeRefusal('FORBIDDEN', { reason: 'api_key_scope', scope: needed }, req.lang);
      return send(reply, 403, tmfError('FORBIDDEN', `The API key lacks the scope ${needed}`, 403, message));
    }
    const code: ErrorCode = req.actor.kind === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
    const httpStatus = statusOf(code);
    if (httpStatus === 401) reply.header('www-authenticate', 'Bearer');
    return send(reply, httpStatus, tmfError(code, reasons[code]!, httpStatus));
  });
  app.setErrorHandler(async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (isDomainError(err)) {
      const httpStatus = statusOf(err.code);
      const words = await refusalWords(core.db, { code: err.code, params: err.params }, req.lang).catch(() => errorMessage(err.code, err.params, req.lang));
      const { reason, message } = describeRefusal(err.code, err.params, req.lang, words);
      return send(reply, httpStatus, { ...tmfError(err.code, reason, httpStatus, message), ...(err.code === 'VALIDATION' ? { field: err.params.field } : {}) });
    }
    if (err.validation) {
      const message = err.validation
        .map((v) => `${(v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || String((v.params as Record<string, unknown>)?.missingProperty ?? '(root)')}: ${v.message ?? 'invalid'}`)
        .join('; ')
        .slice(0, 1000);
      return send(reply, 400, tmfError('VALIDATION', 'Invalid request', 400, `${err.validationContext ?? 'request'}: ${message}`));
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, err.statusCode, tmfError(err.code ?? 'BAD_REQUEST', 'Bad request', err.statusCode, err.message));
    }
    if (isStoreUnavailable(err)) {
      req.log.warn({ err, requestId: req.id }, 'store unavailable');
      reply.header('retry-after', '2');
      return send(reply, 503, tmfError('STORE_UNAVAILABLE', 'Service unavailable', 503, 'The store is failing over: retry in a few seconds (with the same Idempotency-Key, a retry is applied at most once)'));
    }
    req.log.error({ err, requestId: req.id }, 'unhandled error');
    return send(reply, 500, tmfError('INTERNAL', 'Internal error', 500, `request ${req.id}`));
  });
  app.setNotFoundHandler((_req, reply) => send(reply, 404, tmfError('NOT_FOUND', 'No such resource or endpoint', 404)));
}
