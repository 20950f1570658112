import fastifyCompress from '@fastify/compress';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Core } from '../../domain/core.ts';
import { DEMO_NUMBERS } from '../../seed/seed-demo.ts';
import { installAuthentication } from './authenticate.ts';
import { frameworkErrorHandler, installErrorHandling } from './errors.ts';
import { installMetrics } from './metrics.ts';
import { refuseCrossSite } from './same-origin.ts';
import { authRoutes } from './routes/auth.ts';
import { billingRoutes } from './routes/billing.ts';
import { billRoutes } from './routes/bills.ts';
import { businessRoutes } from './routes/business.ts';
import { paymentProviderRoutes } from './routes/payment-provider.ts';
import { bonusInstallmentRoutes } from './routes/bonus-installments.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { locatorRoutes } from './routes/locator.ts';
import { voicemailRoutes } from './routes/voicemail.ts';
import { ringbackRoutes } from './routes/ringback.ts';
import { operatorRoutes } from './routes/operator.ts';
import { reportRoutes } from './routes/reports.ts';
import { sharingRoutes } from './routes/sharing.ts';
import { billChangeRoutes } from './routes/bill-change.ts';
import { familyRoutes } from './routes/family.ts';
import { staffRoutes } from './routes/staff.ts';
import { subscriberRoutes } from './routes/subscribers.ts';
import { supportRoutes } from './routes/support.ts';
import { termsRoutes } from './routes/terms.ts';
import { widgetRoutes, widgetTokenRoutes } from './routes/widget.ts';

export type HttpConfig = Pick<Config, 'TRUSTED_PROXIES' | 'MSISDN_HEADER' | 'DEMO_MODE' | 'BODY_LIMIT_BYTES' | 'NODE_ENV' | 'PUBLIC_URL' | 'METRICS_TOKEN' | 'METRICS_PORT'>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Set `draining` when shutdown begins: readiness fails at once, so balancers stop sending requests. */
    lifecycle: { draining: boolean };
  }
}

/** Responses smaller than this go out as they are: compressing them saves less than it costs. */
export const COMPRESS_THRESHOLD_BYTES = 1024;

/** The HTTP channel: /api/v1 for the web app and native apps, OpenAPI 3.1, /docs, /health, /metrics (see installMetrics). */
export async function buildHttpApp(core: Core, config: HttpConfig, mounts: ((app: FastifyInstance) => PromiseLike<unknown>)[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    // Per-request lines stay out of the log (warn and above only); metrics count requests instead.
    loggerInstance: core.log.child({ channel: "http" }, { level: core.log.isLevelEnabled("warn") ? "warn" : core.log.level }) as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{8,100}$/.test(given) ? given : randomUUID();
    },
    trustProxy: false,
    frameworkErrors: frameworkErrorHandler,
  });
  app.decorate('lifecycle', { draining: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Callback-style hooks on every request: no promise per hook.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    // While draining, every answer closes its connection: no client keeps one open to an
    // instance that is about to stop (it would hold the shutdown until its keep-alive ran out).
    if (app.lifecycle.draining) reply.header('connection', 'close');
    done(null, payload);
  });

  // Before any route: it attaches itself to each route as it is added. Brotli (at the plugin's
  // quick level 4) or gzip for JSON, text and XML; already-encoded replies (the web app's
  // precompressed files) and binary downloads (PDF, XLSX) pass untouched. Request bodies are not
  // inflated: clients send them plain.
  await app.register(fastifyCompress, { encodings: ['br', 'gzip'], threshold: COMPRESS_THRESHOLD_BYTES, globalDecompression: false });
  await app.register(fastifyCookie);
  installErrorHandling(app, core);
  installAuthentication(app, core);
  // A browser attaches the session cookie to any site's form post: such requests must come from our own pages.
  app.addHook('onRequest', refuseCrossSite({ publicUrl: config.PUBLIC_URL, mode: 'cookie' }));
  // /metrics on the public port unless a port of its own serves them; in production only behind a token.
  installMetrics(app, { token: config.METRICS_TOKEN, expose: config.METRICS_PORT === undefined && (config.NODE_ENV !== 'production' || config.METRICS_TOKEN !== undefined) });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Abonent API',
        version: '1.0.0',
        description:
          'Self-service API of a mobile operator: the web personal account and native apps call it. ' +
          'Errors are RFC 9457 problem+json with a stable `type`. Authenticate with the session cookie, ' +
          'a session token or an operator API key as `Authorization: Bearer …`.',
      },
      servers: config.PUBLIC_URL ? [{ url: config.PUBLIC_URL }] : [],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'abonent_session' } } },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  // Liveness: the process serves HTTP. A load balancer or supervisor restarts an instance only
  // when this fails; a store that is away for a failover must not get every instance restarted.
  app.get('/health/live', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  // Readiness: send this instance traffic. It fails while the instance drains for shutdown, and
  // while its store is unreachable or read-only (a standby, or a primary being demoted).
  const ready = async (_req: FastifyRequest, reply: FastifyReply) => {
    if (app.lifecycle.draining) return reply.status(503).send({ status: 'draining', store: core.db.kind });
    try {
      if (core.db.kind === 'postgres') {
        const [row] = await core.db.query<{ standby: boolean; ro: string }>("SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS ro");
        if (row?.standby || row?.ro === 'on') return reply.status(503).send({ status: 'read-only', store: core.db.kind });
      } else {
        await core.db.query('SELECT 1');
      }
      return { status: 'ok', store: core.db.kind };
    } catch (err) {
      core.log.error({ err }, 'health check failed');
      return reply.status(503).send({ status: 'unavailable', store: core.db.kind });
    }
  };
  app.get('/health/ready', { schema: { hide: true } }, ready);
  app.get('/health', { schema: { hide: true } }, ready);

  await app.register(
    async (api) => {
      await api.register(authRoutes, { core, trustedProxies: config.TRUSTED_PROXIES, msisdnHeader: config.MSISDN_HEADER, secureCookies: config.NODE_ENV === 'production', demoMode: config.DEMO_MODE, publicUrl: config.PUBLIC_URL });
      await api.register(subscriberRoutes, { core });
      await api.register(bonusInstallmentRoutes, { core });
      await api.register(sharingRoutes, { core });
      await api.register(billChangeRoutes, { core });
      await api.register(familyRoutes, { core });
      await api.register(reportRoutes, { core });
      await api.register(billRoutes, { core, publicUrl: config.PUBLIC_URL });
      await api.register(catalogRoutes, { core });
      await api.register(operatorRoutes, { core, demoMode: config.DEMO_MODE, demoNumbers: DEMO_NUMBERS });
      await api.register(billingRoutes, { core });
      await api.register(businessRoutes, { core });
      await api.register(supportRoutes, { core });
      await api.register(termsRoutes, { core });
      await api.register(locatorRoutes, { core });
      await api.register(voicemailRoutes, { core });
      await api.register(ringbackRoutes, { core });
      await api.register(widgetTokenRoutes, { core, ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}) });
      await api.register(staffRoutes, { core });
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api/v1' },
  );
  // Its own scope: raw-text JSON for signed webhooks and form posts for the sandbox page.
  await app.register(paymentProviderRoutes, { core });
  // The embeddable widget card and script: outside /api/v1, no session, framable anywhere.
  await app.register(widgetRoutes, { core });
  // Other channels that speak HTTP (USSD and SMS gateways, TM Forum), mounted by the composition root.
  for (const mount of mounts) await mount(app);
  return app;
}
