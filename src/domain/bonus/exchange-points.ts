import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { recordAudit } from '../audit/record-audit.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { Allowance } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import { postEntry } from '../ledger/post-entry.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { grantAllowance } from '../subscribers/quotas.ts';
import { rewardsOf } from './lots.ts';

export interface ExchangeResult {
  msisdn: string;
  rewardCode: string;
  cost: number;
  pointsLeft: number;
  /** The package added to the quotas, until `validUntil`. */
  granted: Allowance | null;
  validUntil: string | null;
  /** Kopecks credited to the balance. */
  credited: number;
  balance: number;
}

/**
 * Exchanges points for a catalog reward: the cost is taken from the oldest lots first; a package
 * goes to the quotas (source `bonus:<code>`) for the reward's days, a credit is booked on the balance.
 */
export async function exchangePoints(core: Core, ctx: Ctx, input: { msisdn: string; rewardCode: string }): Promise<ExchangeResult> {
  return runUseCase(core, ctx, 'bonus.exchange', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'bonus.exchange', { sub: sub.id, r: input.rewardCode }, async () => {
      const reward = rewardsOf(await getSettings(tx)).find((r) => r.code === input.rewardCode);
      if (!reward) throw new DomainError('REWARD_NOT_FOUND', { reward: input.rewardCode });
      const now = core.clock.now();
      // The account row is locked, so no other exchange on it runs meanwhile; the lots are locked
      // against the expiry job.
      const lots = await tx.query<{ id: number; remaining: number }>(
        `SELECT id, remaining FROM bonus_lot WHERE account_id = $1 AND remaining > 0 AND expires_at > $2
          ORDER BY earned_at, id FOR UPDATE`,
        [sub.accountId, now],
      );
      const available = lots.reduce((s, l) => s + Number(l.remaining), 0);
      if (available < reward.cost) throw new DomainError('INSUFFICIENT_POINTS', { required: reward.cost, available });

      let need = reward.cost;
      const taken: { lotId: number; points: number }[] = [];
      for (const lot of lots) {
        if (need === 0) break;
        const points = Math.min(Number(lot.remaining), need);
        await tx.query('UPDATE bonus_lot SET remaining = remaining - $3 WHERE account_id = $1 AND id = $2', [sub.accountId, lot.id, points]);
        taken.push({ lotId: Number(lot.id), points });
        need -= points;
      }
      const reference = `exchange:${ctx.idempotencyKey ?? randomUUID()}`;
      await tx.query(
        `INSERT INTO bonus_entry (account_id, subscriber_id, kind, points, reward_code, lots, reference, idempotency_key, created_at)
         VALUES ($1, $2, 'spend', $3, $4, $5, $6, $6, $7)`,
        [sub.accountId, sub.id, -reward.cost, reward.code, JSON.stringify(taken), reference, now],
      );

      let validUntil: Date | null = null;
      let credited = 0;
      if (reward.grants) {
        validUntil = DateTime.fromJSDate(now, { zone: sub.timeZone }).plus({ days: reward.validDays }).toJSDate();
        await grantAllowance(tx, {
          accountId: sub.accountId,
          subscriberId: sub.id,
          source: `bonus:${reward.code}`,
          allowance: reward.grants,
          period: { start: now, end: validUntil },
        });
      } else if (reward.credit) {
        credited = reward.credit;
        await postEntry(tx, {
          accountId: sub.accountId,
          subscriberId: sub.id,
          amount: reward.credit,
          kind: 'bonus',
          category: 'bonus',
          reference,
          idempotencyKey: `bonus:${reference}`,
          description: `bonus points exchanged: ${reward.code}`,
          at: now,
        });
      }
      const pointsLeft = available - reward.cost;
      await recordAudit(tx, core, ctx, {
        action: 'bonus.exchange',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { reward: reward.code, cost: reward.cost, pointsLeft, ...(credited ? { credited } : {}) },
      });
      return {
        msisdn: sub.msisdn,
        rewardCode: reward.code,
        cost: reward.cost,
        pointsLeft,
        granted: reward.grants ?? null,
        validUntil: validUntil?.toISOString() ?? null,
        credited,
        balance: sub.balance + credited,
      };
    });
  });
}
