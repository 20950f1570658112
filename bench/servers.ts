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

/** The real HTTP API, listening on a random port of 127.0.0.1, with its balance URL. */
export async function startApi(env: BenchEnv): Promise<Listening> {
  const app = await buildServer(env.core, env.config);
  return listen(app, '/api/v1/subscribers/me/balance');
}

/** A plain Fastify instance with one route returning a small JSON: the ceiling for this machine. */
export async function startBare(): Promise<Listening> {
  const app = Fastify({ logger: false });
  app.get('/bare', async () => ({ ok: true, service: 'bare' }));
  return listen(app, '/bare');
}
