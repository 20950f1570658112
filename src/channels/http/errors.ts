import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError } from '../../domain/shared/errors.ts';
import { refusalWords } from '../../domain/actions/refusal-words.ts';
import type { Core } from '../../domain/core.ts';
import { errorMessage } from '../../domain/shared/error-messages.ts';
import { requestLang } from './context.ts';
import { httpStatus, problemType, type Problem } from './problems.ts';
import { isStoreUnavailable } from '../../store/store-errors.ts';

function send(reply: FastifyReply, p: Problem): FastifyReply {
  if ((p.status === 429 || p.status === 503) && typeof p.retryAfterSeconds === 'number') reply.header('retry-after', String(p.retryAfterSeconds));
  return reply.status(p.status).type('application/problem+json').send(p);
}

const edgeProblems: Record<string, { status: number; code: string; ru: string; en: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', ru: 'Тело запроса — не корректный JSON', en: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', ru: 'Пустое тело JSON', en: 'Empty JSON body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE', ru: 'Тело запроса слишком большое', en: 'The request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', ru: 'Неподдерживаемый тип содержимого', en: 'Unsupported content type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_CONTENT_LENGTH', ru: 'Неверная длина тела', en: 'Bad content length' },
};

/** Errors the router raises before any hook runs (Fastify's `frameworkErrors` option): bad or over-long URLs. */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const lang = requestLang(req);
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const code = tooLong ? 'URI_TOO_LONG' : 'BAD_URL';
  reply.header('x-request-id', req.id);
  return send(reply, {
    type: problemType(code),
    title: tooLong ? (lang === 'ru' ? 'Слишком длинный адрес' : 'The address is too long') : lang === 'ru' ? 'Неверный адрес' : 'Malformed address',
    status: tooLong ? 414 : 400,
    code,
    requestId: String(req.id),
  });
}

/** Text no field may hold: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates (not text at all). */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const BAD_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Deeper than any body an API takes (TM Forum resources nest about 8 levels); deeper is refused. */
export const MAX_INPUT_DEPTH = 64;

type Finding = { field: string; problem: 'text' | 'depth' };

/**
 * Walks a parsed input with its own stack (never the call stack, so a body nested 10,000 levels
 * deep costs a loop, not a stack overflow) and reports the first bad string or key, or the first
 * value nested deeper than MAX_INPUT_DEPTH.
 */
export function findBadInput(root: unknown): Finding | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (BAD_TEXT.test(v)) return { field: path || '(root)', problem: 'text' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return { field: path || '(root)', problem: 'depth' };
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const at = `${path}${path ? '.' : ''}${k.length > 40 ? `${k.slice(0, 40)}…` : k}`;
      if (BAD_TEXT.test(k)) return { field: `${path}${path ? '.' : ''}(key)`, problem: 'text' };
      stack.push({ v: x, path: at, depth: depth + 1 });
    }
  }
  return null;
}

/** Every error leaves as RFC 9457 problem+json with a stable type; never a stack trace. */
export function installErrorHandling(app: FastifyInstance, core: Core): void {
  // One guard for every route, present and future: bad text is refused before any handler.
  // It answers as schema validation does: the request never reaches a use case.
  app.addHook('preValidation', async (req, reply) => {
    // Gateways relaying what a handset sent (an SMS may hold anything) take the text as it is.
    if ((req.routeOptions.config as { rawText?: boolean } | undefined)?.rawText) return;
    const inHeader = findBadInput(req.headers);
    // A header is named as it is written (Idempotency-Key), not as Node lower-cases it.
    if (inHeader) inHeader.field = inHeader.field.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    const found = findBadInput(req.params) ?? findBadInput(req.query) ?? inHeader ?? findBadInput(req.body);
    if (!found) return;
    const { field } = found;
    const lang = req.lang ?? requestLang(req);
    const en = found.problem === 'text' ? 'NUL or broken Unicode' : `nested deeper than ${MAX_INPUT_DEPTH} levels`;
    const ru = found.problem === 'text' ? 'недопустимые символы' : `вложенность глубже ${MAX_INPUT_DEPTH} уровней`;
    return send(reply, {
      type: problemType('VALIDATION'),
      title: lang === 'ru' ? 'Неверные данные запроса' : 'Invalid request data',
      status: 400,
      detail: `${field}: ${en}`,
      field,
      code: 'VALIDATION',
      requestId: String(req.id),
      errors: [{ path: field, message: lang === 'ru' ? ru : en }],
    });
  });
  app.setErrorHandler(async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const lang = req.lang ?? requestLang(req);
    const requestId = String(req.id);
    if (isDomainError(err)) {
      const status = httpStatus[err.code];
      return send(reply, {
        // The refusal's params first: one named like a problem member (a subscriber's `status`)
        // must not take that member's place.
        ...err.params,
        type: problemType(err.code),
        // The reason in words with catalog names, as every channel says it; the params keep the codes.
        title: await refusalWords(core.db, { code: err.code, params: err.params }, lang).catch(() => errorMessage(err.code, err.params, lang)),
        status,
        code: err.code,
        requestId,
      });
    }
    if (err.validation) {
      const errors = err.validation.map((v) => ({
        path: (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || String((v.params as Record<string, unknown>)?.missingProperty ?? ''),
        message: v.message ?? 'invalid',
      }));
      return send(reply, {
        type: problemType('VALIDATION'),
        title: lang === 'ru' ? 'Неверные данные запроса' : 'Invalid request data',
        status: 400,
        detail: `${err.validationContext ?? 'request'}: ${errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`.slice(0, 1000),
        code: 'VALIDATION',
        requestId,
        errors: errors.slice(0, 20),
      });
    }
    const edge = err.code ? edgeProblems[err.code] : undefined;
    if (edge) {
      return send(reply, { type: problemType(edge.code), title: edge[lang], status: edge.status, code: edge.code, requestId });
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, { type: problemType('BAD_REQUEST'), title: lang === 'ru' ? 'Неверный запрос' : 'Bad request', status: err.statusCode, code: 'BAD_REQUEST', requestId });
    }
    if (isStoreUnavailable(err)) {
      // A failover in progress: nothing is lost, and a retry (with the same Idempotency-Key for
      // money) is applied at most once. See docs/cluster.md.
      req.log.warn({ err, requestId }, 'store unavailable');
      return send(reply, {
        type: problemType('STORE_UNAVAILABLE'),
        title:
          lang === 'ru'
            ? 'Сервис на минуту недоступен. Повторите запрос через несколько секунд: повторный запрос не спишет деньги дважды.'
            : 'The service is briefly unavailable. Retry in a few seconds: a retried request is never charged twice.',
        status: 503,
        code: 'STORE_UNAVAILABLE',
        retryAfterSeconds: 2,
        requestId,
      });
    }
    req.log.error({ err, requestId }, 'unhandled error');
    return send(reply, {
      type: problemType('INTERNAL'),
      title: lang === 'ru' ? 'Внутренняя ошибка. Мы уже разбираемся.' : 'Internal error. We are looking into it.',
      status: 500,
      code: 'INTERNAL',
      requestId,
    });
  });
  app.setNotFoundHandler((req, reply) => {
    const lang = req.lang ?? requestLang(req);
    return send(reply, {
      type: problemType('ROUTE_NOT_FOUND'),
      title: lang === 'ru' ? 'Такого адреса нет' : 'No such endpoint',
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      requestId: String(req.id),
    });
  });
}
