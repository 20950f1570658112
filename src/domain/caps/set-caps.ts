import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { MAX_CAP, readCapSettings, type CapSettings } from './caps.ts';

/** Changes some of a number's spending caps; the rest stay as they were. */
export async function setCaps(core: Core, ctx: Ctx, input: { msisdn: string } & Partial<CapSettings>): Promise<{ msisdn: string } & CapSettings> {
  return runUseCase(core, ctx, 'caps.settings', async (tx, subject) => {
    // The account's lock: a change of caps waits for a batch being rated on it, and the next sees it.
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const was = await readCapSettings(tx, sub.id);
    const next: CapSettings = {
      monthly: input.monthly === undefined ? was.monthly : input.monthly,
      roaming: input.roaming ?? was.roaming,
      dataHard: input.dataHard ?? was.dataHard,
    };
    for (const v of [next.monthly, next.roaming]) {
      if (v !== null && !(Number.isSafeInteger(v) && v >= 0 && v <= MAX_CAP)) throw new DomainError('AMOUNT_NOT_ALLOWED', { min: 0, max: MAX_CAP });
    }
    if (next.monthly === 0) throw new DomainError('AMOUNT_NOT_ALLOWED', { min: 100, max: MAX_CAP });
    await tx.query(
      `INSERT INTO spending_cap (subscriber_id, monthly, roaming, data_hard, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (subscriber_id) DO UPDATE SET monthly = EXCLUDED.monthly, roaming = EXCLUDED.roaming, data_hard = EXCLUDED.data_hard, updated_at = EXCLUDED.updated_at`,
      [sub.id, next.monthly, next.roaming, next.dataHard, core.clock.now()],
    );
    await recordAudit(tx, core, ctx, { action: 'caps.settings', subscriberId: sub.id, customerId: sub.customerId, details: { ...next } });
    return { msisdn: sub.msisdn, ...next };
  });
}
