import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import { endAllowance } from '../subscribers/quotas.ts';
import type { InstanceRow } from './instances.ts';
import { liveInstances } from './instances.ts';
import { RINGBACK_PRODUCT } from '../ringback/melodies.ts';
import { queueRingbackPush } from '../ringback/settings.ts';
import { pauseMelodies } from '../ringback/pause.ts';

export interface DisableResult {
  msisdn: string;
  productCode: string;
  disabledAt: string;
}

/**
 * Stops one instance: no more fees, what it included ends now. Fees already paid are not refunded.
 * The service "Гудок" takes its melodies' fees with it: they are suspended, kept in the library.
 */
export async function stopInstance(tx: Tx, core: Core, ctx: Ctx, sub: SubscriberRow, inst: InstanceRow, reason: string): Promise<void> {
  const now = core.clock.now();
  await tx.query(
    `UPDATE product_instance SET status = 'disabled', disabled_at = $3, next_charge_at = NULL
      WHERE account_id = $1 AND id = $2`,
    [sub.accountId, inst.id, now],
  );
  await endAllowance(tx, sub.accountId, sub.id, inst.productCode, now);
  // The service "Гудок" off: its melodies stay in the library, suspended (charged nothing) until it is on again.
  const paused = inst.productCode === RINGBACK_PRODUCT ? await pauseMelodies(tx, sub) : [];
  if (inst.productCode === RINGBACK_PRODUCT) await queueRingbackPush(tx, sub, now);
  await recordAudit(tx, core, ctx, {
    action: 'product.disable',
    subscriberId: sub.id,
    customerId: sub.customerId,
    details: { product: inst.productCode, reason, ...(paused.length ? { melodies: paused } : {}) },
  });
}

export async function disableProduct(core: Core, ctx: Ctx, input: { msisdn: string; productCode: string }): Promise<DisableResult> {
  return runUseCase(core, ctx, 'product.disable', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'product.disable', { sub: sub.id, p: input.productCode }, async () => {
      const inst = (await liveInstances(tx, sub.accountId, sub.id)).find((i) => i.productCode === input.productCode);
      if (!inst) throw new DomainError('PRODUCT_NOT_CONNECTED', { product: input.productCode });
      if (!inst.spec.disableable) throw new DomainError('PRODUCT_NOT_DISABLEABLE', { product: input.productCode });
      await stopInstance(tx, core, ctx, sub, inst, 'requested');
      return { msisdn: sub.msisdn, productCode: inst.productCode, disabledAt: core.clock.now().toISOString() };
    });
  });
}
