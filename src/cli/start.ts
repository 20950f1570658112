import type { Config } from '../config.ts';
import { buildFastAgi, buildServer, buildSmpp, buildVoice, channelJobs } from '../server.ts';
import { startScheduler } from '../jobs/scheduler.ts';
import { logTransport } from '../jobs/sms-outbox.ts';
import { recordTransport } from '../jobs/mail-outbox.ts';
import { smtpTransport } from '../adapters/mail/smtp.ts';
import { kannelTransport } from '../adapters/sms/kannel.ts';
import { smppTransport } from '../adapters/smpp/esme.ts';
import { simulateTick, simulationNumbers } from '../seed/simulate-traffic.ts';
import { createCore } from '../runtime.ts';
import { DEMO } from '../seed/seed-demo.ts';
import { metricsServer } from '../channels/http/metrics.ts';
import { prepareStore } from './prepare-store.ts';
import { startAdminChannel } from './admin-channel.ts';

/**
 * `npm start`: migrate, load the catalog into an empty store (and demo data in demo mode), serve
 * until a signal. Returns -1 (keeps running).
 */
export async function startServer(config: Config): Promise<number> {
  const core = await createCore(config);
  const todo = await prepareStore(core, config, { demoSubscribers: Number(process.env.DEMO_SUBSCRIBERS ?? 3000), progress: process.stdout.isTTY });
  const voice = buildVoice(core, config);
  const app = await buildServer(core, config, voice);
  await app.listen({ port: config.PORT, host: config.HOST });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = config.PUBLIC_URL ?? `http://${host}:${port}`;
  // Metrics on a port of their own (METRICS_PORT), usually reachable only from the monitoring network.
  const metrics = config.METRICS_PORT !== undefined ? metricsServer(app.metricsRegistry, config.METRICS_TOKEN) : null;
  const metricsUrl = metrics
    ? await metrics.listen({ port: config.METRICS_PORT, host: config.METRICS_HOST }).then(() => {
        const a = metrics.server.address();
        return `http://${config.METRICS_HOST}:${typeof a === 'object' && a ? a.port : config.METRICS_PORT}/metrics`;
      })
    : config.METRICS_TOKEN || config.NODE_ENV !== 'production'
      ? `${url}/metrics${config.METRICS_TOKEN ? ' (Bearer METRICS_TOKEN)' : ''}`
      : 'off (set METRICS_TOKEN or METRICS_PORT)';

  // Voice over Asterisk FastAGI beside HTTP; a busy port leaves the rest of the platform serving.
  const agi = buildFastAgi(core, config, voice);
  const agiPort = agi
    ? await agi.listen().catch((err: unknown) => {
        core.log.error({ err }, `FastAGI could not listen on port ${config.VOICE_AGI_PORT}: voice over Asterisk is off`);
        return null;
      })
    : null;

  const esme = buildSmpp(core, config);
  esme?.start();
  const sms =
    config.SMS_TRANSPORT === 'smpp' && esme
      ? smppTransport(esme)
      : config.SMS_TRANSPORT === 'kannel'
        ? kannelTransport({
            url: config.KANNEL_SENDSMS_URL!,
            username: config.KANNEL_USERNAME ?? '',
            password: config.KANNEL_PASSWORD ?? '',
            ...(config.KANNEL_DLR_URL ? { dlrUrl: config.KANNEL_DLR_URL } : {}),
            ...(config.SMS_GATEWAY_SECRET ? { secret: config.SMS_GATEWAY_SECRET } : {}),
          })
        : logTransport(core);
  const mail = config.SMTP_URL ? smtpTransport({ url: config.SMTP_URL, from: config.MAIL_FROM! }) : recordTransport(core);
  const scheduler = startScheduler(core, { sms, mail, extra: channelJobs(core, config.PUBLIC_URL) });
  // A gentle stream of demo traffic, so quotas and spending move while someone looks.
  let traffic: NodeJS.Timeout | undefined;
  if (config.DEMO_MODE && process.env.DEMO_TRAFFIC !== 'off') {
    const numbers = await simulationNumbers(core, 100);
    let tick = Date.now();
    traffic = setInterval(() => {
      simulateTick(core, { msisdns: numbers, records: 20, seed: ++tick }).catch((err: unknown) => core.log.error({ err }, 'demo traffic'));
    }, 15_000);
  }

  // The embedded store is this process's alone: operator commands come to it over the admin channel.
  const admin =
    core.db.kind === 'pglite' && config.STORE === 'file'
      ? await startAdminChannel(core, config.DATA_DIR).catch((err: unknown) => {
          console.error(`Admin channel off (${(err as Error).message}): operator commands will wait until the server stops.`);
          return null;
        })
      : null;

  console.log(`
Abonent is running at ${url}  (store: ${core.db.kind}${core.db.kind === 'pglite' ? `, ${config.STORE === 'memory' ? 'in memory' : config.DATA_DIR}` : ''})
  API docs:         ${url}/docs
  OpenAPI:          ${url}/api/v1/openapi.json
  Health:           ${url}/health
  Metrics:          ${metricsUrl}${admin ? `\n  Admin channel:    ${admin.path} (abonent apikey|staff|numbers|seed|backup|… run here)` : ''}
  Voice (111):      ${url}/gateways/voice/vxml?caller=<number>${agiPort !== null ? `   FastAGI agi://${config.VOICE_AGI_HOST ?? host}:${agiPort}` : ''}${esme ? `\n  SMPP:             ${config.SMPP_HOST}:${config.SMPP_PORT} (binding as ${config.SMPP_SYSTEM_ID || '-'})` : ''}
${
  config.DEMO_MODE
    ? `Demo logins:
  Subscriber:       ${DEMO.subscriber.msisdn} / ${DEMO.subscriber.password}   (or an SMS code: see ${url}/api/v1/demo/sms?msisdn=${DEMO.subscriber.msisdn})
  Business admin:   ${DEMO.businessAdmin.email} / ${DEMO.businessAdmin.password}   (SMS code goes to ${DEMO.businessAdmin.phone})
  Accountant:       ${DEMO.accountant.email} / ${DEMO.accountant.password}
  Department head:  ${DEMO.departmentManager.email} / ${DEMO.departmentManager.password}
  Operator staff:   ${DEMO.staff.email} / ${DEMO.staff.password}`
    : ''
}${config.DEMO_MODE ? '' : firstSteps(todo)}`);

  // Graceful shutdown (SIGTERM from systemd, an orchestrator or a deploy script): readiness fails
  // at once; after SHUTDOWN_DRAIN_SECONDS the listener closes and the requests in flight finish;
  // then jobs finish their run and release their leases, SMPP unbinds, and the store closes.
  // Past SHUTDOWN_TIMEOUT_SECONDS the process exits anyway, with code 1.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      core.log.error({ signal }, `shutdown took longer than ${config.SHUTDOWN_TIMEOUT_SECONDS} s: exiting with work unfinished`);
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
    deadline.unref();
    core.log.info({ signal }, 'shutting down: draining');
    app.lifecycle.draining = true;
    clearInterval(traffic);
    if (config.SHUTDOWN_DRAIN_SECONDS > 0) await new Promise((r) => setTimeout(r, config.SHUTDOWN_DRAIN_SECONDS * 1000));
    const step = async (what: string, fn: () => Promise<unknown> | undefined) => {
      await fn();
      core.log.debug({ signal }, `shutdown: ${what}`);
    };
    await step('requests finished', () => app.close());
    await step('metrics closed', () => metrics?.close());
    await step('jobs finished, leases released', () => scheduler.stop());
    await step('SMPP unbound', () => esme?.stop());
    await step('FastAGI closed', () => agi?.close());
    await step('admin channel closed', () => admin?.close());
    await step('store closed', async () => {
      if (core.reads !== core.db) await core.reads.close();
      await core.db.close();
    });
    core.log.info({ signal }, 'shut down: requests finished, leases released, SMPP unbound');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return -1;
}

/** How to make what a fresh production store lacks: its first staff account, an operator API key. */
function firstSteps(todo: { needsStaff: boolean; needsApiKey: boolean }): string {
  const lines = [
    todo.needsStaff ? '  Staff account:    npx abonent staff create --email you@operator.example   (the password is shown once)' : '',
    todo.needsApiKey ? '  Operator API key: npx abonent apikey create --name crm   (the key is shown once)' : '',
  ].filter(Boolean);
  return lines.length ? `\nFirst steps (run beside the server, with the same environment):\n${lines.join('\n')}` : '';
}
