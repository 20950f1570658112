import { DateTime } from 'luxon';
import { recordAudit } from '../audit/record-audit.ts';
import { charge } from '../billing/charge.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import { requireFunds } from '../ledger/funds.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { dataLiftedUntil, readCapSettings } from './caps.ts';
import { familyPayer } from '../family/family-rules.ts';

export interface DataLiftResult {
  msisdn: string;
  /** Kopecks charged now: the catalog's fee, or 0 when the cap was already lifted for this month. */
  charged: number;
  /** Data beyond the packages is allowed until then: the end of the calendar month in the region's time. */
  liftedUntil: string;
}

/** The calendar month of `at` in the zone: its key (for the charge's idempotency key) and its end. */
export function liftPeriod(at: Date, timeZone: string): { month: string; end: Date } {
  const start = DateTime.fromJSDate(at, { zone: timeZone }).startOf('month');
  return { month: start.toFormat('yyyy-MM'), end: start.plus({ months: 1 }).toJSDate() };
}

/**
 * "Continue for N ₽": lifts the number's data hard cap until the end of the calendar month (its
 * region's), for the catalog's `dataCapLift.fee`. Under the account's lock (the one rating takes,
 * so the next batch sees it). The charge's key names the number and the month, so the month is
 * paid once however often it is asked for: a repeat answers the lift already bought, charging 0.
 * Refused: DATA_CAP_LIFT_NOT_ALLOWED {reason: off (no data hard cap), unavailable (the catalog
 * offers none)}, INSUFFICIENT_FUNDS.
 */
export async function liftDataCap(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<DataLiftResult> {
  return runUseCase(core, ctx, 'caps.lift_data', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true, payer: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'caps.lift_data', { sub: sub.id }, async () => {
      const now = core.clock.now();
      const lifted = await dataLiftedUntil(tx, sub.id, now);
      if (lifted) return { msisdn: sub.msisdn, charged: 0, liftedUntil: lifted.toISOString() };
      const fee = (await getSettings(tx)).dataCapLift?.fee;
      if (fee === undefined) throw new DomainError('DATA_CAP_LIFT_NOT_ALLOWED', { reason: 'unavailable' });
      if (!(await readCapSettings(tx, sub.id)).dataHard) throw new DomainError('DATA_CAP_LIFT_NOT_ALLOWED', { reason: 'off' });
      // A family member whose head pays: the head's account pays the lift.
      const payer = fee > 0 ? await familyPayer(tx, sub.id, sub) : { ...sub, headMsisdn: null };
      requireFunds(payer, fee);
      const period = liftPeriod(now, sub.timeZone);
      if (fee > 0) {
        await charge(tx, {
          accountId: payer.accountId,
          subscriberId: sub.id,
          amount: fee,
          kind: 'fee',
          category: 'internet',
          idempotencyKey: `data_lift:${sub.id}:${period.month}`,
          reference: `data_lift:${period.month}`,
          description: `data beyond the packages until the end of ${period.month}`,
          at: now,
        });
      }
      await tx.query('UPDATE spending_cap SET data_lifted_until = $2, updated_at = $3 WHERE subscriber_id = $1', [sub.id, period.end, now]);
      await recordAudit(tx, core, ctx, { action: 'caps.lift_data', subscriberId: sub.id, customerId: sub.customerId, details: { fee, until: period.end.toISOString() } });
      return { msisdn: sub.msisdn, charged: fee, liftedUntil: period.end.toISOString() };
    });
  });
}
