import Fastify, { type FastifyInstance } from 'fastify';
import { buildServer } from '../src/server.ts';
import type { BenchEnv } from './setup.ts';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance, path: string): Promise<Listening> {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${address}${path}`, close: () => app.close() };
}

/** The real server, listening on a random port of 127.0.0.1, with the URL of one of its routes. */
export async function startServer(env: BenchEnv, path: string): Promise<Listening> {
  const app = await buildServer(env.core, env.config);
  return listen(app, path);
}

/** The real HTTP API with its balance URL. */
export function startApi(env: BenchEnv): Promise<Listening> {
  return startServer(env, '/api/v1/subscribers/me/balance');
}

/** A plain Fastify instance with one route returning a small JSON: the ceiling for this machine. */
export async function startBare(): Promise<Listening> {
  const app = Fastify({ logger: false });
  app.get('/bare', async () => ({ ok: true, service: 'bare' }));
  return listen(app, '/bare');
}
