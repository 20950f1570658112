import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import type { Core } from './domain/core.ts';
import { systemClock, type Clock } from './domain/shared/clock.ts';
import type { Db } from './store/db.ts';
import { installSecret } from './store/install-secret.ts';
import { migrate } from './store/migrate.ts';
import { openStore } from './store/open-store.ts';

/** Opens the store, applies migrations and wires the domain's dependencies. */
export async function createCore(config: Config, opts: { clock?: Clock; log?: Logger; db?: Db } = {}): Promise<Core> {
  const log = opts.log ?? pino({ level: config.LOG_LEVEL, base: { service: 'abonent' } });
  const db = opts.db ?? (await openStore(config));
  await migrate(db);
  const secret = config.SECRET_KEY ?? (await installSecret(db));
  return {
    db,
    clock: opts.clock ?? systemClock,
    secret,
    log,
    settings: {
      otpTtlSeconds: config.OTP_TTL_SECONDS,
      loginMaxAttempts: config.LOGIN_MAX_ATTEMPTS,
      loginLockoutMinutes: config.LOGIN_LOCKOUT_MINUTES,
      otpRequestsPerHour: config.OTP_REQUESTS_PER_HOUR,
      sessionTtlHours: config.SESSION_TTL_HOURS,
    },
  };
}
