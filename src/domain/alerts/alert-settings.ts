import type { Queryable } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';

/** What a number asked to be told about, and how. */
export interface AlertSettings {
  /** Kopecks: an alert when the balance falls below it; null: none. */
  lowBalance: number | null;
  /** An alert when 80% of a package of minutes, SMS or data is used. */
  package80: boolean;
  /** An alert when a package is used up. */
  package100: boolean;
  /** Each morning, what yesterday cost. */
  dailyDigest: boolean;
  /** Alerts by SMS. */
  viaSms: boolean;
  /** Alerts in the web app's notification list. */
  viaApp: boolean;
  /** Alerts also at night (22:00–09:00 in the number's region); otherwise they wait for the morning. */
  allowNight: boolean;
}

/** A number that never chose anything gets no alerts. */
export const NO_ALERTS: AlertSettings = { lowBalance: null, package80: false, package100: false, dailyDigest: false, viaSms: true, viaApp: true, allowNight: false };

/** The largest low-balance threshold: 1,000,000 ₽. */
export const MAX_LOW_BALANCE = 100_000_000;

export async function readAlertSettings(q: Queryable, subscriberId: number): Promise<AlertSettings> {
  const rows = await q.query<AlertSettings>(
    `SELECT low_balance AS "lowBalance", package_80 AS "package80", package_100 AS "package100", daily_digest AS "dailyDigest",
            via_sms AS "viaSms", via_app AS "viaApp", allow_night AS "allowNight"
       FROM alert_setting WHERE subscriber_id = $1`,
    [subscriberId],
  );
  const row = rows[0];
  return row ? { ...row, lowBalance: row.lowBalance === null ? null : Number(row.lowBalance) } : { ...NO_ALERTS };
}

/** Changes some of a number's alert settings; the rest stay as they were. */
export async function updateAlertSettings(core: Core, ctx: Ctx, input: { msisdn: string } & Partial<AlertSettings>): Promise<{ msisdn: string } & AlertSettings> {
  return runUseCase(core, ctx, 'alerts.settings', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const was = await readAlertSettings(tx, sub.id);
    const { msisdn: _msisdn, ...change } = input;
    const next: AlertSettings = { ...was, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
    if (next.lowBalance !== null && !(Number.isSafeInteger(next.lowBalance) && next.lowBalance >= 0 && next.lowBalance <= MAX_LOW_BALANCE)) {
      throw new DomainError('AMOUNT_NOT_ALLOWED', { min: 0, max: MAX_LOW_BALANCE });
    }
    // An alert that reaches nobody is not an alert.
    if (!next.viaSms && !next.viaApp) throw new DomainError('VALIDATION', { field: 'viaSms', reason: 'choose SMS, the app or both' });
    await tx.query(
      `INSERT INTO alert_setting (subscriber_id, low_balance, package_80, package_100, daily_digest, via_sms, via_app, allow_night, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (subscriber_id) DO UPDATE SET low_balance = EXCLUDED.low_balance, package_80 = EXCLUDED.package_80, package_100 = EXCLUDED.package_100,
         daily_digest = EXCLUDED.daily_digest, via_sms = EXCLUDED.via_sms, via_app = EXCLUDED.via_app, allow_night = EXCLUDED.allow_night, updated_at = EXCLUDED.updated_at`,
      [sub.id, next.lowBalance, next.package80, next.package100, next.dailyDigest, next.viaSms, next.viaApp, next.allowNight, core.clock.now()],
    );
    await recordAudit(tx, core, ctx, { action: 'alerts.settings', subscriberId: sub.id, customerId: sub.customerId, details: { ...next } });
    return { msisdn: sub.msisdn, ...next };
  });
}
