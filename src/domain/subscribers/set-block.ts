import { recordAudit } from '../audit/record-audit.ts';
import { applyBalanceRules } from '../billing/balance-rules.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from './access.ts';

export interface BlockResult {
  msisdn: string;
  status: 'active' | 'blocked' | 'suspended';
}

/**
 * Blocks a number on request (lost phone, an employee leaving): status `suspended`, which the
 * balance rules leave alone — unlike `blocked`, which is about money and lifts itself on a top-up.
 */
export async function blockNumber(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BlockResult> {
  return runUseCase(core, ctx, 'subscriber.block_request', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'subscriber.block_request', { sub: sub.id }, async () => {
      if (sub.status === 'suspended') throw new DomainError('ALREADY_BLOCKED');
      await tx.query("UPDATE subscriber SET status = 'suspended' WHERE id = $1", [sub.id]);
      await recordAudit(tx, core, ctx, { action: 'subscriber.block_request', subscriberId: sub.id, customerId: sub.customerId, details: { from: sub.status } });
      return { msisdn: sub.msisdn, status: 'suspended' as const };
    });
  });
}

/** Lifts a block on request; the balance rules then decide whether money still blocks the number. */
export async function unblockNumber(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BlockResult> {
  return runUseCase(core, ctx, 'subscriber.unblock_request', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'subscriber.unblock_request', { sub: sub.id }, async () => {
      if (sub.status !== 'suspended') throw new DomainError('NOT_BLOCKED');
      await tx.query("UPDATE subscriber SET status = 'active' WHERE id = $1", [sub.id]);
      await recordAudit(tx, core, ctx, { action: 'subscriber.unblock_request', subscriberId: sub.id, customerId: sub.customerId });
      await applyBalanceRules(tx, core, ctx, [sub.accountId]);
      const [row] = await tx.query<{ status: BlockResult['status'] }>('SELECT status FROM subscriber WHERE id = $1', [sub.id]);
      return { msisdn: sub.msisdn, status: row!.status };
    });
  });
}
