import type { FastifyInstance } from 'fastify';
import { SandboxProvider } from './adapters/payments/sandbox.ts';
import { Esme, smppTransport } from './adapters/smpp/esme.ts';
import { sendClaimed } from './jobs/sms-outbox.ts';
import { espeakSpeech, promptCacheDir, type Speech } from './adapters/speech/espeak.ts';
import { buildHttpApp } from './channels/http/app.ts';
import { kannelGateway } from './channels/sms/kannel-gateway.ts';
import { smsSmppGateway } from './channels/sms/smpp-gateway.ts';
import { recoverUnhandledMo } from './channels/sms/handle-mo.ts';
import type { Job } from './jobs/scheduler.ts';
import { tmfApi } from './channels/tmf/plugin.ts';
import { publishIssuedBills } from './channels/tmf/customer-bill.ts';
import { publishCommunicationStates } from './channels/tmf/communication-management.ts';
import { publishPaymentStates } from './channels/tmf/payment-management.ts';
import { ussdHttpGateway } from './channels/ussd/http-gateway.ts';
import { ussdSmppGateway } from './channels/ussd/smpp-gateway.ts';
import { createFastAgiServer, type FastAgiServer } from './channels/voice/fastagi-server.ts';
import { voiceVxmlGateway } from './channels/voice/vxml-gateway.ts';
import { TONES_DIR } from './channels/voice/voice-prompts.ts';
import type { VoiceDeps } from './channels/voice/voice-call.ts';
import type { VoicemailSpool } from './channels/voice/voicemail-call.ts';
import { join, resolve } from 'node:path';
import { phoneRelay } from './channels/phone/plugin.ts';
import { webApp } from './channels/web/plugin.ts';
import { DEMO_NUMBERS } from './seed/seed-demo.ts';
import { simulatorNumbers } from './domain/subscribers/simulator-numbers.ts';
import type { Config } from './config.ts';
import type { Core } from './domain/core.ts';

/**
 * The composition root: the HTTP app with every channel that speaks over HTTP mounted on it.
 * Channels never import each other; they meet only here.
 */
export async function buildServer(core: Core, config: Config, voice: VoiceParts = buildVoice(core, config)): Promise<FastifyInstance> {
  return buildHttpApp(core, config, [
    (app) =>
      app.register(voiceVxmlGateway, {
        core,
        speech: voice.speech,
        deps: voice.deps,
        secret: config.VOICE_GATEWAY_SECRET,
        allowed: config.VOICE_GATEWAY_ALLOWED,
        digitTimeoutSeconds: config.VOICE_DIGIT_TIMEOUT_SECONDS,
      }),
    (app) => app.register(ussdHttpGateway, { core, config }),
    (app) => app.register(kannelGateway, { core, secret: config.SMS_GATEWAY_SECRET, dlrUrl: config.KANNEL_DLR_URL }),
    (app) => app.register(tmfApi, { core, ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}) }),
    // The phone simulator's relay to the gateways above: demo mode only.
    ...(config.DEMO_MODE
      ? [
          (app: FastifyInstance) =>
            app.register(phoneRelay, {
              ussdSecret: config.USSD_GATEWAY_SECRET,
              smsSecret: config.SMS_GATEWAY_SECRET,
              voiceSecret: config.VOICE_GATEWAY_SECRET,
              demoMode: config.DEMO_MODE,
              numbersFor: (req) => simulatorNumbers(core, req.actor, DEMO_NUMBERS),
            }),
        ]
      : []),
    // The web personal account (SPA) last: only its own client routes, nothing under the others' prefixes.
    (app) => app.register(webApp, { demo: config.DEMO_MODE }),
  ]);
}

/**
 * The SMPP link, when SMPP_HOST is set: one ESME bound to the SMSC / USSD gateway, feeding both
 * the USSD gateway (deliver_sm with ussd_service_op) and the SMS gateway (8111 commands and
 * delivery receipts). Returns null without SMPP_HOST; the caller starts and stops it.
 */
export function buildSmpp(core: Core, config: Config): Esme | null {
  if (!config.SMPP_HOST) return null;
  const esme = new Esme({
    host: config.SMPP_HOST,
    port: config.SMPP_PORT,
    systemId: config.SMPP_SYSTEM_ID,
    password: config.SMPP_PASSWORD,
    ...(config.SMPP_SYSTEM_TYPE ? { systemType: config.SMPP_SYSTEM_TYPE } : {}),
    enquireLinkMs: config.SMPP_ENQUIRE_LINK_SECONDS * 1000,
    requestTimeoutMs: config.SMPP_REQUEST_TIMEOUT_SECONDS * 1000,
    window: config.SMPP_WINDOW,
    submitRate: config.SMPP_SUBMIT_RATE,
    log: core.log,
  });
  ussdSmppGateway(core, esme, { appUrl: config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`, sessionKey: config.SMPP_USSD_SESSION_KEY });
  // Replies to 8111 go out over this link as soon as they are queued, when SMPP is the SMS
  // transport (otherwise the outbox job sends them through the configured one).
  const transport = smppTransport(esme);
  smsSmppGateway(core, esme, config.SMS_TRANSPORT === 'smpp' ? { sendReply: (reply) => sendClaimed(core, transport, reply) } : {});
  return esme;
}

/** What both voice front ends share: the prompt synthesiser and its cache, and the provider's phone flow. */
export interface VoiceParts {
  speech: Speech;
  deps: VoiceDeps;
}

export function buildVoice(core: Core, config: Config, speech?: Speech): VoiceParts {
  const payments = core.payments;
  return {
    speech: speech ?? espeakSpeech({ dir: promptCacheDir(config) }),
    deps: {
      // The sandbox takes the keyed-in card itself; a real acquirer's phone flow is wired here.
      phoneCardFlow:
        payments instanceof SandboxProvider
          ? {
              enterCard: async ({ providerRef, number, expiry }) => {
                await payments.complete(providerRef, { action: 'pay', card: number, expiry });
              },
            }
          : null,
      tones: TONES_DIR,
    },
  };
}

/** The FastAGI server for Asterisk, when VOICE_AGI_ENABLED; the caller listens and closes it. */
export function buildFastAgi(core: Core, config: Config, voice: VoiceParts): FastAgiServer | null {
  if (!config.VOICE_AGI_ENABLED) return null;
  if (config.VOICE_AGI_SOUNDS && !config.VOICE_AGI_PROMPT_URL) {
    core.log.warn('VOICE_AGI_SOUNDS without VOICE_AGI_PROMPT_URL: prompts made per call (balances, amounts, names) are not heard on a remote Asterisk');
  }
  return createFastAgiServer({
    core,
    speech: voice.speech,
    deps: voice.deps,
    port: config.VOICE_AGI_PORT,
    host: config.VOICE_AGI_HOST ?? config.HOST,
    allowed: config.VOICE_AGI_ALLOWED,
    digitTimeoutMs: config.VOICE_DIGIT_TIMEOUT_SECONDS * 1000,
    sounds: config.VOICE_AGI_SOUNDS,
    promptUrl: config.VOICE_AGI_PROMPT_URL,
    voicemail: voicemailSpool(config),
  });
}

/** Where Asterisk records voicemail and plays recorded greetings from (see docs/voicemail.md). */
export function voicemailSpool(config: Config): VoicemailSpool {
  const dir = resolve(config.VOICEMAIL_SPOOL_DIR ?? join(config.DATA_DIR, 'voicemail-spool'));
  return { dir, agiDir: config.VOICEMAIL_AGI_SPOOL ?? dir, maxSeconds: config.VOICEMAIL_MAX_SECONDS, silenceSeconds: config.VOICEMAIL_SILENCE_SECONDS };
}

/** Periodic work of the channels, run by the scheduler: incoming SMS left unanswered are answered. */
export function channelJobs(core: Core, publicUrl?: string): Job[] {
  return [
    { name: 'sms-inbox', everyMs: 30_000, run: () => recoverUnhandledMo(core) },
    // TMF681 messages moved by the outbox and the delivery reports: their state-change events.
    { name: 'tmf-communication-states', everyMs: 2000, run: () => publishCommunicationStates(core, publicUrl) },
    // TMF676 payments settled after their create answer (the provider's webhook): their state-change events.
    { name: 'tmf-payment-states', everyMs: 2000, run: () => publishPaymentStates(core, publicUrl) },
    // TMF678 bills the bills job issued: their create events.
    { name: 'tmf-bill-events', everyMs: 10_000, run: () => publishIssuedBills(core, publicUrl) },
  ];
}
