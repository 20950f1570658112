import type { Logger } from 'pino';
import type { Db } from '../store/db.ts';
import type { SocialIdentityPort } from './auth/social-identity.ts';
import type { LocationPort } from './locator/location-port.ts';
import type { PaymentProvider } from './payments/provider.ts';
import type { RingbackPort } from './ringback/ringback-port.ts';
import type { Clock } from './shared/clock.ts';
import type { DiversionPort } from './voicemail/diversion-port.ts';

/** Settings the domain reads; a slice of the app config so use cases stay testable. */
export interface DomainSettings {
  otpTtlSeconds: number;
  loginMaxAttempts: number;
  loginLockoutMinutes: number;
  otpRequestsPerHour: number;
  sessionTtlHours: number;
  /** Usage this many days older than now is refused per record. */
  usageMaxAgeDays: number;
  /** Usage this many days ahead of now is refused per record. */
  usageMaxFutureDays: number;
  /** Months of usage detail kept; the history job summarises and drops older months. */
  usageDetailRetentionMonths: number;
  /** Months of the audit log kept; the history job drops older months whole. */
  auditRetentionMonths: number;
  /** Months of the SMS history kept; the history job drops older months whole. */
  smsRetentionMonths: number;
  /** Months the finished rows of the per-event tables (hub deliveries, mail, alerts, locations, …) are kept. */
  eventRetentionMonths: number;
  /** Addresses/CIDRs TMF hub callbacks may reach although loopback, private or link-local. */
  hubCallbackAllowed: string[];
  hubDeliveryTimeoutMs: number;
  hubDeliveryMaxAttempts: number;
  /** The number calls divert to for voicemail. */
  voicemailNumber: string;
  /** Days a voicemail message is kept. */
  voicemailRetentionDays: number;
}

/** What every use case is given: the store, the clock, a secret for keyed hashes, a logger. */
export interface Core {
  db: Db;
  /**
   * For reads that tolerate a replica's lag (the catalog, usage detail, reports, analytics): a
   * streaming replica when DATABASE_READ_URL is set, else the same store as `db`. Money, sessions
   * and anything read right after a write stay on `db`.
   */
  reads: Db;
  clock: Clock;
  secret: string;
  settings: DomainSettings;
  log: Logger;
  /** The payment provider: the built-in sandbox unless configured otherwise. */
  payments: PaymentProvider;
  /** OpenID Connect providers for social login: none unless configured. */
  social: SocialIdentityPort;
  /** Where a number's device is: CAMARA Device Location Retrieval (the sandbox unless configured). */
  location: LocationPort;
  /** Voicemail's call diversions on the network (the demo adapter records them). */
  diversions: DiversionPort;
  /** The ringback platform that plays melodies to callers (the demo platform unless configured). */
  ringback: RingbackPort;
}

export const defaultSettings: DomainSettings = {
  otpTtlSeconds: 300,
  loginMaxAttempts: 5,
  loginLockoutMinutes: 15,
  otpRequestsPerHour: 5,
  sessionTtlHours: 24 * 30,
  usageMaxAgeDays: 90,
  usageMaxFutureDays: 1,
  usageDetailRetentionMonths: 36,
  auditRetentionMonths: 60,
  smsRetentionMonths: 12,
  eventRetentionMonths: 12,
  hubCallbackAllowed: [],
  hubDeliveryTimeoutMs: 5000,
  hubDeliveryMaxAttempts: 8,
  voicemailNumber: '0600',
  voicemailRetentionDays: 30,
};
