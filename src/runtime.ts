import { createHmac } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { camaraLocation } from './adapters/location/camara.ts';
import { noLocation, sandboxLocation } from './adapters/location/sandbox-port.ts';
import { recordedDiversions } from './adapters/voicemail/recorded-diversions.ts';
import { openIdConnect } from './adapters/oidc/openid-connect.ts';
import { demoRingbackPlatform } from './adapters/ringback/demo-platform.ts';
import { noSocialIdentity } from './domain/auth/social-identity.ts';
import { NoPaymentProvider } from './adapters/payments/none.ts';
import { SandboxProvider, SIGNATURE_HEADER } from './adapters/payments/sandbox.ts';
import { receiveWebhook } from './domain/payments/settle-payment.ts';
import type { Config } from './config.ts';
import type { Core } from './domain/core.ts';
import { systemClock, type Clock } from './domain/shared/clock.ts';
import { callbackPolicy } from './domain/events/callback-address.ts';
import type { Db } from './store/db.ts';
import { installSecret } from './store/install-secret.ts';
import { migrate } from './store/migrate.ts';
import { openReadStore, openStore } from './store/open-store.ts';

/** Opens the store, applies migrations and wires the domain's dependencies. */
export async function createCore(config: Config, opts: { clock?: Clock; log?: Logger; db?: Db; reads?: Db } = {}): Promise<Core> {
  const log = opts.log ?? pino({ level: config.LOG_LEVEL, base: { service: 'abonent' } });
  const db = opts.db ?? (await openStore(config));
  await migrate(db);
  const secret = config.SECRET_KEY ?? (await installSecret(db));
  const clock = opts.clock ?? systemClock;
  // A bad HUB_CALLBACK_ALLOWED entry stops the start, not the first hub registration.
  callbackPolicy(config.HUB_CALLBACK_ALLOWED);
  const reads = opts.reads ?? (opts.db ? db : ((await openReadStore(config)) ?? db));
  const core: Core = {
    db,
    reads,
    clock,
    secret,
    log,
    payments: undefined as unknown as Core['payments'],
    location: config.CAMARA_LOCATION_URL
      ? camaraLocation({ apiRoot: config.CAMARA_LOCATION_URL, tokenUrl: config.CAMARA_TOKEN_URL!, clientId: config.CAMARA_CLIENT_ID!, clientSecret: config.CAMARA_CLIENT_SECRET!, now: () => clock.now() })
      : config.NODE_ENV === 'production'
        ? noLocation
        : sandboxLocation(db, () => clock.now()),
    diversions: recordedDiversions(() => clock.now()),
    ringback: demoRingbackPlatform(log),
    social: config.oidcProviders.length > 0 && config.PUBLIC_URL ? openIdConnect(config.oidcProviders, { publicUrl: config.PUBLIC_URL }) : noSocialIdentity,
    settings: {
      otpTtlSeconds: config.OTP_TTL_SECONDS,
      loginMaxAttempts: config.LOGIN_MAX_ATTEMPTS,
      loginLockoutMinutes: config.LOGIN_LOCKOUT_MINUTES,
      otpRequestsPerHour: config.OTP_REQUESTS_PER_HOUR,
      sessionTtlHours: config.SESSION_TTL_HOURS,
      usageMaxAgeDays: config.USAGE_MAX_AGE_DAYS,
      usageMaxFutureDays: config.USAGE_MAX_FUTURE_DAYS,
      usageDetailRetentionMonths: config.USAGE_DETAIL_RETENTION_MONTHS,
      auditRetentionMonths: config.AUDIT_RETENTION_MONTHS,
      smsRetentionMonths: config.SMS_RETENTION_MONTHS,
      eventRetentionMonths: config.EVENT_RETENTION_MONTHS,
      hubCallbackAllowed: config.HUB_CALLBACK_ALLOWED,
      hubDeliveryTimeoutMs: config.HUB_DELIVERY_TIMEOUT_MS,
      hubDeliveryMaxAttempts: config.HUB_DELIVERY_MAX_ATTEMPTS,
      voicemailNumber: config.VOICEMAIL_NUMBER,
      voicemailRetentionDays: config.VOICEMAIL_RETENTION_DAYS,
    },
  };
  // The sandbox provider delivers its signed webhooks straight to the platform's receiver, the
  // same code the HTTP webhook route runs; a real provider would POST them.
  core.payments = config.PAYMENT_PROVIDER === 'none' ? new NoPaymentProvider() : new SandboxProvider({
    db,
    secret: createHmac('sha256', secret).update('sandbox-webhooks').digest('hex'),
    // Relative unless PUBLIC_URL is set: the browser resolves it against the page it came from.
    publicUrl: () => config.PUBLIC_URL ?? '',
    deliver: async (body, signature) => {
      await receiveWebhook(core, body, { [SIGNATURE_HEADER]: signature });
    },
    now: () => clock.now(),
  });
  return core;
}
