import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's Prometheus registry, for a metrics listener of its own (METRICS_PORT). */
    metricsRegistry: Registry;
  }
}

export interface MetricsOptions {
  /** Bearer token /metrics demands; open to anyone who reaches it when unset. */
  token?: string | undefined;
  /** Whether the app itself answers /metrics (off when a port of its own serves them, or in production without a token). */
  expose: boolean;
}

/**
 * Prometheus metrics: request counts and latencies by route, plus the process's own. Served at
 * /metrics of the app when `expose`, behind the bearer token when one is given.
 */
export function installMetrics(app: FastifyInstance, opts: MetricsOptions): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'abonent_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'abonent_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    done();
  });
  app.decorate('metricsRegistry', registry);
  if (opts.expose) app.get('/metrics', { schema: { hide: true } }, metricsHandler(registry, opts.token));
  return registry;
}

/** A listener of its own for /metrics (METRICS_PORT), so the public port need not serve them. */
export function metricsServer(registry: Registry, token?: string): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', metricsHandler(registry, token));
  return app;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function metricsHandler(registry: Registry, token: string | undefined) {
  const expected = token ? digest(token) : null;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (expected) {
      const auth = req.headers.authorization;
      const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
      // Compared as equal-length digests: the time taken says nothing about the token.
      if (!timingSafeEqual(digest(given), expected)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        return reply.status(401).type('text/plain; charset=utf-8').send('metrics need Authorization: Bearer <METRICS_TOKEN>\n');
      }
    }
    reply.type(registry.contentType);
    return registry.metrics();
  };
}
