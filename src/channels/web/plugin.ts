import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Client routes of the single-page app: each answers with index.html (the router takes over). */
export const SPA_ROUTES = [
  '/',
  '/login',
  '/services',
  '/tariffs',
  '/payments',
  '/bonuses',
  '/sharing',
  '/bill', // the old address of /spending-changes, sent on there
  '/spending-changes',
  '/family',
  '/detail',
  '/bills',
  '/history',
  '/support',
  '/settings',
  '/alerts',
  '/caps',
  '/more',
  '/locator',
  '/ringback',
  '/staff',
  '/terms',
  '/business',
  '/business/*',
];

/** The phone simulator's page: served in demo mode only. */
export const DEMO_ROUTES = ['/phone'];

/** The app's own pages: scripts only from this origin, never framed (the widget card is served elsewhere). */
export const SPA_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // React and uPlot set element styles through the CSSOM; style attributes in markup stay allowed for them.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

function secure(reply: FastifyReply): void {
  reply.header('content-security-policy', SPA_CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

/**
 * The web channel: serves the built SPA (web/dist) from the same server as the API. Hashed assets
 * are cached for a year, index.html, the service worker and the manifest are revalidated every time.
 * Files the build compressed (name.br, name.gz beside name) go out in the encoding the client
 * accepts, so nothing is compressed per request. Only the app's own client routes fall back to
 * index.html: /api, /gateways, /docs, /tmf-api, /sandbox and /widget keep their own answers (and
 * their 404 problem documents); /phone only in demo mode.
 */
export async function webApp(app: FastifyInstance, opts: { dist?: string; demo?: boolean } = {}): Promise<void> {
  const dist = resolve(opts.dist ?? join(import.meta.dirname, '../../../web/dist'));
  const routes = opts.demo ? [...SPA_ROUTES, ...DEMO_ROUTES] : SPA_ROUTES;
  app.addHook('onSend', async (_req, reply) => {
    secure(reply);
  });
  if (!existsSync(join(dist, 'index.html'))) {
    app.log.warn({ dist }, 'web app not built: run `npm run build:web`');
    for (const url of routes) {
      app.get(url, { schema: { hide: true } }, async (_req, reply) =>
        reply.status(503).type('text/plain; charset=utf-8').send('Веб-кабинет не собран: npm run build:web / The web app is not built: npm run build:web'),
      );
    }
    return;
  }
  // Looked up per request (wildcard), so a rebuild is served without a restart.
  await app.register(fastifyStatic, {
    root: join(dist, 'assets'),
    prefix: '/assets/',
    wildcard: true,
    index: false,
    cacheControl: false,
    preCompressed: true,
    // sendFile() below goes through this registration too: only hashed assets are immutable.
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.startsWith(join(dist, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
      // The same URL answers brotli, gzip or plain by Accept-Encoding: caches must keep them apart.
      res.setHeader('vary', 'accept-encoding');
    },
  });
  await app.register(fastifyStatic, {
    root: join(dist, 'icons'),
    prefix: '/icons/',
    wildcard: true,
    index: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (res) => {
      res.setHeader('cache-control', 'public, max-age=86400');
    },
  });
  // The ringback previews synthesised at build time (scripts/ringback-tones.mjs): Ogg and 8 kHz WAV.
  if (existsSync(join(dist, 'tones'))) {
    await app.register(fastifyStatic, {
      root: join(dist, 'tones'),
      prefix: '/tones/',
      wildcard: true,
      index: false,
      decorateReply: false,
      cacheControl: false,
      setHeaders: (res) => {
        res.setHeader('cache-control', 'public, max-age=86400');
      },
    });
  }
  const file = (name: string, type?: string) => async (_req: unknown, reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache');
    if (name === 'sw.js') reply.header('service-worker-allowed', '/');
    if (type) reply.type(type);
    return reply.sendFile(name, dist, { cacheControl: false });
  };
  app.get('/sw.js', { schema: { hide: true } }, file('sw.js', 'text/javascript; charset=utf-8'));
  app.get('/manifest.webmanifest', { schema: { hide: true } }, file('manifest.webmanifest', 'application/manifest+json'));
  for (const url of routes) app.get(url, { schema: { hide: true } }, file('index.html'));
}
