import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * One typed config, read from the environment (and optionally a JSON file named by ABONENT_CONFIG),
 * validated at start. A bad value fails with a message naming the variable.
 */
const cidrList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** `memory` keeps the embedded store in memory only (nothing written to DATA_DIR). */
  STORE: z.enum(['file', 'memory']).default('file'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** A streaming replica of DATABASE_URL for reads that tolerate lag (catalog, detail, reports, analytics). */
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** PostgreSQL schema to use (search_path); the server's default when unset. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** On SIGTERM, how long readiness fails before the listener closes, so balancers stop sending requests first. */
  SHUTDOWN_DRAIN_SECONDS: z.coerce.number().min(0).max(300).default(0),
  /** On SIGTERM, how long requests in flight and running jobs may take before the process exits anyway (exit code 1). */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(30),
  /** Addresses or CIDRs of the operator's proxies allowed to inject the MSISDN header. */
  TRUSTED_PROXIES: cidrList,
  MSISDN_HEADER: z.string().min(1).default('x-msisdn').transform((s) => s.toLowerCase()),
  /** Keys the hashes of one-time codes. Without it, a random secret is made once per install and kept in the store. */
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 30),
  OTP_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  OTP_REQUESTS_PER_HOUR: z.coerce.number().int().min(1).max(1000).default(5),
  /** Demo mode: demo data in an empty store, the phone simulator, the SMS inbox and demo logins. Never in production. */
  DEMO_MODE: bool.optional(),
  /**
   * Who takes card payments: the built-in `sandbox` (test cards, no money moves) or `none` (card
   * payments refused). The default is the sandbox outside production and none in production.
   */
  PAYMENT_PROVIDER: z.enum(['sandbox', 'none']).optional(),
  /** When set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** When set, /metrics is served on this port (of METRICS_HOST) instead of the public one. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The address the metrics port binds to. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Shared secret SMS gateways (Kannel's get-url) send as `secret`; loopback only when unset. */
  SMS_GATEWAY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How outbound SMS leave: written to the log (demo), through Kannel's sendsms interface, or SMPP (the default when SMPP_HOST is set). */
  SMS_TRANSPORT: z.enum(['log', 'kannel', 'smpp']).optional(),
  KANNEL_SENDSMS_URL: z.string().url().optional(),
  KANNEL_USERNAME: z.string().optional(),
  KANNEL_PASSWORD: z.string().optional(),
  /** Where Kannel reaches /gateways/sms/kannel/dlr for delivery reports; unset: sendsms asks for none, get-url answers name the address Kannel called. */
  KANNEL_DLR_URL: z.string().url().optional(),
  /** Where e-mail leaves (bills by e-mail link): `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; unset, e-mails are only recorded in the store. */
  SMTP_URL: z
    .string()
    .url()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// address')
    .optional(),
  /** The sender of e-mails, e.g. `Abonent <bills@operator.example>`; required with SMTP_URL. */
  MAIL_FROM: z.string().min(3).max(200).regex(/@/, 'must contain an e-mail address').optional(),
  /** The SMSC / USSD gateway the SMPP 3.4 ESME binds to (bind_transceiver); unset: no SMPP. */
  SMPP_HOST: z.string().min(1).optional(),
  SMPP_PORT: z.coerce.number().int().min(1).max(65535).default(2775),
  SMPP_SYSTEM_ID: z.string().max(15).default(''),
  SMPP_PASSWORD: z.string().max(8, 'SMPP 3.4 passwords are at most 8 characters').default(''),
  SMPP_SYSTEM_TYPE: z.string().max(12).optional(),
  SMPP_ENQUIRE_LINK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  SMPP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(10),
  SMPP_WINDOW: z.coerce.number().int().min(1).max(1000).default(10),
  /** USSD over SMPP without its_session_info: a dialogue is the number's (msisdn), or the number's and its user_message_reference. */
  SMPP_USSD_SESSION_KEY: z.enum(['msisdn', 'user_message_reference']).default('msisdn'),
  /** submit_sm per second on the bind (the SMSC's agreed rate), throttled retries included; 0: no limit. */
  SMPP_SUBMIT_RATE: z.coerce.number().min(0).max(10_000).default(0),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  /** Shared secret USSD gateways send in the X-Gateway-Secret header. */
  USSD_GATEWAY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Addresses or CIDRs allowed to call the USSD gateway endpoints without the secret (loopback only when neither is set). */
  USSD_GATEWAY_ALLOWED: cidrList,
  /** Voice portal over Asterisk FastAGI: on unless false; port 0 takes a free one. */
  VOICE_AGI_ENABLED: bool.optional(),
  VOICE_AGI_PORT: z.coerce.number().int().min(0).max(65535).default(4573),
  /** Address the FastAGI server binds to; HOST when unset. */
  VOICE_AGI_HOST: z.string().min(1).optional(),
  /** Asterisk servers allowed to connect to FastAGI (addresses or CIDRs; loopback only when unset). */
  VOICE_AGI_ALLOWED: cidrList,
  /** Asterisk on another machine: the exported prompts' folder under its sounds directory (`abonent`); unset, prompts are played by their absolute path here. */
  VOICE_AGI_SOUNDS: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'must be a relative folder such as abonent (letters, digits, _ and -, separated by /)')
    .optional(),
  /** With VOICE_AGI_SOUNDS: where Asterisk fetches the prompts made per call (res_http_media_cache), e.g. http://abonent-host:8080/gateways/voice/prompts. */
  VOICE_AGI_PROMPT_URL: z.string().url().regex(/^https?:\/\//, 'must be an http:// or https:// address').optional(),
  /** Shared secret VoiceXML browsers send in the X-Gateway-Secret header. */
  VOICE_GATEWAY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Addresses or CIDRs of VoiceXML browsers allowed without the secret (loopback only when neither is set). */
  VOICE_GATEWAY_ALLOWED: cidrList,
  /** Seconds the voice menu waits for a key. */
  VOICE_DIGIT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
  /** Where synthesised prompts are cached; DATA_DIR/voice-prompts when unset. */
  VOICE_PROMPT_DIR: z.string().min(1).optional(),
  /** The number calls divert to for voicemail (what the network is told to forward to). */
  VOICEMAIL_NUMBER: z.string().regex(/^\+?[0-9]{3,15}$/, 'must be a phone number (digits, an optional +)').default('0600'),
  /** Days a voicemail message is kept; a job removes older ones (rows and audio). */
  VOICEMAIL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** The folder Asterisk records voicemail into and plays greetings from, as Abonent reaches it; DATA_DIR/voicemail-spool when unset. */
  VOICEMAIL_SPOOL_DIR: z.string().min(1).optional(),
  /** The same folder as Asterisk names it on its own host (an NFS mount, say); VOICEMAIL_SPOOL_DIR when unset. */
  VOICEMAIL_AGI_SPOOL: z.string().regex(/^\//, 'must be an absolute path').optional(),
  /** The longest message RECORD FILE takes, in seconds. */
  VOICEMAIL_MAX_SECONDS: z.coerce.number().int().min(5).max(600).default(120),
  /** Seconds of silence that end a message. */
  VOICEMAIL_SILENCE_SECONDS: z.coerce.number().int().min(1).max(30).default(5),
  /** Usage older than this many days (before the clock's now) is refused record by record. */
  USAGE_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Usage dated more than this many days ahead of now is refused record by record. */
  USAGE_MAX_FUTURE_DAYS: z.coerce.number().int().min(0).max(365).default(1),
  /**
   * Months of usage detail kept (per record); older months are summarised per day and their detail
   * dropped. At least 7: the detail report and the usage list reach six months back.
   */
  USAGE_DETAIL_RETENTION_MONTHS: z.coerce.number().int().min(7).max(1200).default(36),
  /** Months of the audit log kept; the history job drops whole older months. At least a year. */
  AUDIT_RETENTION_MONTHS: z.coerce.number().int().min(12).max(1200).default(60),
  /**
   * Months of the SMS history (messages in and out) kept; the history job drops whole older months.
   * At least 7, as usage detail: an SMS in the detail report (six months back) can still be read.
   */
  SMS_RETENTION_MONTHS: z.coerce.number().int().min(7).max(1200).default(12),
  /**
   * Months the finished rows of the other per-event tables are kept (TMF hub deliveries, e-mail,
   * spending alerts, locator requests, automatic top-up attempts, company limit events, expired
   * sessions and login codes). At least 3.
   */
  EVENT_RETENTION_MONTHS: z.coerce.number().int().min(3).max(1200).default(12),
  /** Addresses or CIDRs TMF hub callbacks may reach although loopback, private or link-local (none by default). */
  HUB_CALLBACK_ALLOWED: cidrList,
  /** How long one TMF event delivery may take before it counts as failed and is retried. */
  HUB_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Tries of one TMF event delivery before it is recorded as failed for good. */
  HUB_DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** The CAMARA Device Location Retrieval API (up to its version, e.g. https://api.example/location-retrieval/v0); unset: the sandbox (not in production). */
  CAMARA_LOCATION_URL: z.string().url().optional(),
  /** Its OAuth 2.0 token endpoint (client credentials). */
  CAMARA_TOKEN_URL: z.string().url().optional(),
  CAMARA_CLIENT_ID: z.string().min(1).optional(),
  CAMARA_CLIENT_SECRET: z.string().min(1).optional(),
  /**
   * OpenID Connect providers a subscriber may log in with (VK ID, Yandex ID, any other), by short
   * names separated by commas; each is set up by OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET
   * (and optionally _NAME, the button's label). None by default.
   */
  OIDC_PROVIDERS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9]{0,19}$/, 'provider names are letters and digits (at most 20), separated by commas'))),
});

/** One OpenID Connect provider social login may use. */
export interface OidcProviderConfig {
  /** The short name in OIDC_PROVIDERS and in the callback address. */
  id: string;
  /** The label of the login button. */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** Button labels of well-known providers, used unless OIDC_<NAME>_NAME says otherwise. */
const KNOWN_PROVIDER_NAMES: Record<string, string> = { vk: 'VK ID', yandex: 'Яндекс ID', google: 'Google', mailru: 'Mail ID', sber: 'Сбер ID' };

function oidcProviders(ids: string[], get: (key: string) => string | undefined, production: boolean, publicUrl: string | undefined): OidcProviderConfig[] {
  const problems: string[] = [];
  const out: OidcProviderConfig[] = [];
  if (ids.length > 0 && !publicUrl) problems.push('  PUBLIC_URL: required when OIDC_PROVIDERS is set (the callback address registered with each provider is built from it)');
  for (const id of new Set(ids)) {
    const p = `OIDC_${id.toUpperCase()}_`;
    const issuer = get(`${p}ISSUER`);
    const clientId = get(`${p}CLIENT_ID`);
    const clientSecret = get(`${p}CLIENT_SECRET`);
    if (!issuer) problems.push(`  ${p}ISSUER: required for the provider ${id} named in OIDC_PROVIDERS`);
    else {
      let url: URL | null = null;
      try {
        url = new URL(issuer);
      } catch {
        problems.push(`  ${p}ISSUER: not a URL`);
      }
      if (url && url.protocol !== 'https:' && !(url.protocol === 'http:' && !production)) {
        problems.push(`  ${p}ISSUER: must be an https:// address${production ? ' in production' : ''}`);
      }
    }
    if (!clientId) problems.push(`  ${p}CLIENT_ID: required for the provider ${id} named in OIDC_PROVIDERS`);
    if (!clientSecret) problems.push(`  ${p}CLIENT_SECRET: required for the provider ${id} named in OIDC_PROVIDERS`);
    out.push({ id, name: get(`${p}NAME`) ?? KNOWN_PROVIDER_NAMES[id] ?? id, issuer: issuer ?? '', clientId: clientId ?? '', clientSecret: clientSecret ?? '' });
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return out;
}

export type Config = Omit<z.output<typeof schema>, 'DEMO_MODE' | 'SMS_TRANSPORT' | 'VOICE_AGI_ENABLED' | 'PAYMENT_PROVIDER'> & {
  /** The providers of OIDC_PROVIDERS with their settings (empty: no social login). */
  oidcProviders: OidcProviderConfig[];
  DEMO_MODE: boolean;
  SMS_TRANSPORT: 'log' | 'kannel' | 'smpp';
  VOICE_AGI_ENABLED: boolean;
  PAYMENT_PROVIDER: 'sandbox' | 'none';
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, string> = {}): Config {
  let fileValues: Record<string, string> = {};
  const file = env.ABONENT_CONFIG;
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`ABONENT_CONFIG: file ${file} does not exist`);
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      fileValues = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch (e) {
      throw new ConfigError(`ABONENT_CONFIG: ${file} is not valid JSON (${(e as Error).message})`);
    }
  }
  const raw: Record<string, string | undefined> = { ...fileValues };
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  Object.assign(raw, overrides);
  const res = schema.safeParse(raw);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = res.data;
  const production = c.NODE_ENV === 'production';
  const smsTransport = c.SMS_TRANSPORT ?? (c.SMPP_HOST ? 'smpp' : 'log');
  if (smsTransport === 'smpp' && !c.SMPP_HOST) {
    throw new ConfigError('invalid configuration:\n  SMPP_HOST: required when SMS_TRANSPORT=smpp');
  }
  if (c.SMS_TRANSPORT === 'kannel' && !c.KANNEL_SENDSMS_URL) {
    throw new ConfigError('invalid configuration:\n  KANNEL_SENDSMS_URL: required when SMS_TRANSPORT=kannel');
  }
  if (c.SMTP_URL && !c.MAIL_FROM) {
    throw new ConfigError('invalid configuration:\n  MAIL_FROM: required when SMTP_URL is set (the sender of e-mails, e.g. Abonent <bills@operator.example>)');
  }
  if (production && c.DEMO_MODE) {
    // Demo mode ships known passwords and a simulator that acts for any number: never on a live store.
    throw new ConfigError('invalid configuration:\n  DEMO_MODE: cannot be on when NODE_ENV=production');
  }
  if (production && c.PAYMENT_PROVIDER === 'sandbox') {
    // The sandbox's test cards credit balances without any money: anyone could top up for free.
    throw new ConfigError('invalid configuration:\n  PAYMENT_PROVIDER: the sandbox cannot be used when NODE_ENV=production');
  }
  if (production && !c.SECRET_KEY) {
    throw new ConfigError('invalid configuration:\n  SECRET_KEY: required in production (at least 32 characters)');
  }
  if (c.CAMARA_LOCATION_URL && (!c.CAMARA_TOKEN_URL || !c.CAMARA_CLIENT_ID || !c.CAMARA_CLIENT_SECRET)) {
    throw new ConfigError('invalid configuration:\n  CAMARA_TOKEN_URL, CAMARA_CLIENT_ID, CAMARA_CLIENT_SECRET: required when CAMARA_LOCATION_URL is set');
  }
  // Per-provider variables are named after the providers, so they are read here rather than in the schema.
  const get = (key: string) => {
    const v = overrides[key] ?? (env[key] !== undefined && env[key] !== '' ? env[key] : fileValues[key]);
    return v === undefined || v === '' ? undefined : v;
  };
  const oidc = oidcProviders(c.OIDC_PROVIDERS, get, production, c.PUBLIC_URL);
  return {
    ...c,
    oidcProviders: oidc,
    SMS_TRANSPORT: smsTransport,
    DEMO_MODE: c.DEMO_MODE ?? !production,
    VOICE_AGI_ENABLED: c.VOICE_AGI_ENABLED ?? true,
    PAYMENT_PROVIDER: c.PAYMENT_PROVIDER ?? (production ? 'none' : 'sandbox'),
  };
}
