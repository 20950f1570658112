import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { loadBusinessNumber, requireBusinessAdmin, requireDepartment } from './access.ts';

/**
 * Moves a number to another department (cost centre) of the same customer, or out of any (`null`).
 * A department manager may move numbers only into their own department; out of it, no.
 */
export async function moveToDepartment(core: Core, ctx: Ctx, input: { msisdn: string; departmentId: number | null }): Promise<{ msisdn: string; departmentId: number | null }> {
  return runUseCase(core, ctx, 'business.number.move', async (tx, subject) => {
    const admin = requireBusinessAdmin(ctx, 'write');
    subject.customerId = admin.customerId;
    const num = await loadBusinessNumber(tx, admin, input.msisdn, { lock: true });
    subject.subscriberId = num.id;
    return idempotent(tx, ctx, `account:${num.accountId}`, 'business.number.move', { sub: num.id, d: input.departmentId }, async () => {
      if (input.departmentId === null) {
        if (admin.role === 'department_manager') throw new DomainError('FORBIDDEN', { reason: 'role' });
      } else await requireDepartment(tx, admin, input.departmentId);
      if (num.departmentId === input.departmentId) throw new DomainError('ALREADY_IN_DEPARTMENT', { departmentId: input.departmentId ?? 0 });
      await tx.query('UPDATE subscriber SET department_id = $2 WHERE id = $1', [num.id, input.departmentId]);
      await recordAudit(tx, core, ctx, {
        action: 'business.number.move',
        subscriberId: num.id,
        customerId: num.customerId,
        details: { from: num.departmentId, to: input.departmentId },
      });
      return { msisdn: num.msisdn, departmentId: input.departmentId };
    });
  });
}
