import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from './channels/http/app.ts';
import { kannelGateway } from './channels/sms/kannel-gateway.ts';
import { tmfApi } from './channels/tmf/plugin.ts';
import { ussdHttpGateway } from './channels/ussd/http-gateway.ts';
import type { Config } from './config.ts';
import type { Core } from './domain/core.ts';

/**
 * The composition root: the HTTP app with every channel that speaks over HTTP mounted on it.
 * Channels never import each other; they meet only here.
 */
export async function buildServer(core: Core, config: Config): Promise<FastifyInstance> {
  return buildHttpApp(core, config, [
    (app) => app.register(ussdHttpGateway, { core, config }),
    (app) => app.register(kannelGateway, { core, secret: config.SMS_GATEWAY_SECRET }),
    (app) => app.register(tmfApi, { core, ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}) }),
  ]);
}
