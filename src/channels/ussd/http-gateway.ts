import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { addressList, onList } from '../../net/address-list.ts';
import { parse as parseQuery } from 'node:querystring';
import type { Config } from '../../config.ts';
import type { Core } from '../../domain/core.ts';
import { createUssdEngine, parseDialString } from './engine.ts';

export type UssdGatewayConfig = Partial<Pick<Config, 'USSD_GATEWAY_SECRET' | 'USSD_GATEWAY_ALLOWED' | 'PUBLIC_URL' | 'PORT'>>;

export const GATEWAY_SECRET_HEADER = 'x-gateway-secret';

/** Control characters, NUL and broken UTF-16 a gateway may pass through from a handset. */
// eslint-disable-next-line no-control-regex -- dropping control characters is the point
const JUNK = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function clean(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return clean(v[v.length - 1]);
  return typeof v === 'string' ? v.replace(JUNK, '') : undefined;
}

/** Only the four fields, as clean strings: whatever else a body holds never reaches the engine. */
function fields(body: unknown): Record<string, string | undefined> {
  const b = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return { sessionId: clean(b.sessionId), serviceCode: clean(b.serviceCode), phoneNumber: clean(b.phoneNumber), text: clean(b.text) };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The USSD gateway in the common HTTP aggregator form: POST (form or JSON) `sessionId`,
 * `serviceCode`, `phoneNumber`, `text` — every input so far joined by '*', empty on the first
 * hop — answered as text/plain "CON …" (wait for input) or "END …". The caller is the
 * `phoneNumber` of an authenticated gateway: the shared secret header, or an allowed address
 * (only loopback when neither is configured).
 */
export async function ussdHttpGateway(app: FastifyInstance, opts: { core: Core; config: UssdGatewayConfig }): Promise<void> {
  const { core, config } = opts;
  const secret = config.USSD_GATEWAY_SECRET ? digest(config.USSD_GATEWAY_SECRET) : null;
  const list = config.USSD_GATEWAY_ALLOWED?.length ? config.USSD_GATEWAY_ALLOWED : secret ? [] : ['127.0.0.1', '::1'];
  const sources = addressList('USSD_GATEWAY_ALLOWED', list);
  const engine = createUssdEngine(core, { appUrl: config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT ?? 8080}` });

  // Bodies are read here, in this scope only, so that a handset's stray control byte becomes an
  // invalid choice on the menu instead of the API's 400 problem document.
  await app.register(formbody, { parser: (s: string) => fields(parseQuery(s)) });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, fields(JSON.parse(body as string)));
    } catch {
      done(null, {});
    }
  });

  const answer = (reply: FastifyReply, status: number, text: string, end: boolean) =>
    reply.status(status).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(`${end ? 'END' : 'CON'} ${text}`);

  app.post('/gateways/ussd/http', { schema: { hide: true } }, async (req: FastifyRequest, reply: FastifyReply) => {
    const given = req.headers[GATEWAY_SECRET_HEADER];
    const bySecret = secret !== null && typeof given === 'string' && timingSafeEqual(digest(given), secret);
    if (!bySecret && !onList(sources, req.socket.remoteAddress)) return answer(reply, 403, 'Forbidden', true);
    const f = fields(req.body);
    if (!f.sessionId || f.sessionId.length > 200 || !f.phoneNumber || f.phoneNumber.length > 32 || f.serviceCode === undefined || f.serviceCode.length > 64) {
      return answer(reply, 400, 'Bad request: sessionId, serviceCode, phoneNumber and text are required', true);
    }
    const text = (f.text ?? '').slice(0, 4096);
    // Some gateways put the whole dial string in `text` (or send it as the service code).
    const dial = /[#]$/.test(text.trim()) && parseDialString(text) !== null;
    const isFirst = text === '' || dial;
    try {
      const r = await engine.handleUssd({
        sessionId: f.sessionId,
        msisdn: f.phoneNumber,
        serviceCode: f.serviceCode,
        input: dial ? text : (text.split('*').pop() ?? ''),
        isFirst,
        history: dial ? '' : text,
      });
      return answer(reply, 200, r.text, r.end);
    } catch (err) {
      req.log.error({ err, requestId: req.id }, 'ussd hop failed');
      return answer(reply, 200, 'Сервис временно недоступен / Service unavailable', true);
    }
  });
}
