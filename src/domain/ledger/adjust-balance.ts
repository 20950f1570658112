import { recordAudit } from '../audit/record-audit.ts';
import { applyBalanceRules } from '../billing/balance-rules.ts';
import { repayPromisedFromTopUp } from '../billing/promised-payment.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { assertMinor } from '../shared/money.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { requireFunds } from './funds.ts';
import { postEntry, type EntryKind } from './post-entry.ts';
import { readBalances } from './read-balance.ts';

export interface AdjustInput {
  msisdn: string;
  /** Signed kopecks: a credit is positive, a debit negative. */
  amount: number;
  kind?: Extract<EntryKind, 'adjustment' | 'refund' | 'payment' | 'fee'>;
  reason: string;
  /** Debits that would pass the credit limit are refused unless forced (e.g. a correction). */
  allowOverdraft?: boolean;
}

/**
 * A manual credit or debit by operator staff or an integration (TMF654 adjustBalance). It needs an
 * idempotency key: a retried call must never book twice.
 */
export async function adjustBalance(core: Core, ctx: Ctx, input: AdjustInput): Promise<{ msisdn: string; entryId: number; balance: number }> {
  if (!['staff', 'operator_api', 'system'].includes(ctx.actor.kind)) throw new DomainError('FORBIDDEN');
  if (!ctx.idempotencyKey) throw new DomainError('VALIDATION', { field: 'Idempotency-Key' });
  assertMinor(input.amount);
  if (input.amount === 0) throw new DomainError('VALIDATION', { field: 'amount' });
  return runUseCase(core, ctx, 'balance.adjust', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'balance.adjust', input, async () => {
      if (input.amount < 0 && !input.allowOverdraft) requireFunds(sub, -input.amount);
      const entry = await postEntry(tx, {
        accountId: sub.accountId,
        subscriberId: sub.id,
        amount: input.amount,
        kind: input.kind ?? 'adjustment',
        category: input.kind === 'payment' ? 'payment' : 'other',
        idempotencyKey: `adjust:${ctx.idempotencyKey}`,
        description: input.reason.slice(0, 500),
        at: core.clock.now(),
      });
      // Money paid in (cash at a shop, a bank transfer keyed in by staff) repays a promised payment first.
      if (input.amount > 0 && input.kind === 'payment') {
        await repayPromisedFromTopUp(tx, sub.accountId, sub.id, input.amount, core.clock.now(), `adjust:${ctx.idempotencyKey}`);
      }
      await applyBalanceRules(tx, core, ctx, [sub.accountId]);
      await recordAudit(tx, core, ctx, {
        action: 'balance.adjust',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { amount: input.amount, kind: input.kind ?? 'adjustment', reason: input.reason.slice(0, 500) },
      });
      const [after] = await readBalances(tx, { subscriberIds: [sub.id] }, core.clock.now());
      return { msisdn: sub.msisdn, entryId: entry.id, balance: mustExist(after, 'balance').balance };
    });
  });
}
