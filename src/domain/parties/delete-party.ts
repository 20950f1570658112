import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { runUseCase } from '../shared/run-use-case.ts';

/**
 * Deletes a customer that holds nothing (TMF632 DELETE individual / organization): one recorded
 * before provisioning gave it a number or onboarding a contract, and that never did. A customer
 * holding numbers or contracts is refused (CONFLICT, `party_holds_numbers` / `party_holds_contracts`
 * with the count); one that held them once, or has bills, accounts or mail on record, keeps its
 * history and is refused too (`party_has_history`). The row is locked first, so provisioning a
 * number for it at the same moment either waits for the delete or is seen by it. Only operator
 * integrations and staff may; audited (`party.delete`, the audit keeps the customer's id).
 */
export async function deleteParty(core: Core, ctx: Ctx, input: { id: number; kind: 'person' | 'business' }): Promise<void> {
  requireOperator(ctx);
  await runUseCase(core, ctx, 'party.delete', async (tx, subject) => {
    const [c] = await tx.query<{ id: number }>('SELECT id FROM customer WHERE id = $1 AND kind = $2 FOR UPDATE', [input.id, input.kind]);
    if (!c) throw new DomainError('NOT_FOUND', { id: String(input.id) });
    subject.customerId = input.id;
    const [held] = await tx.query<{ numbers: number; contracts: number }>(
      `SELECT (SELECT count(*) FROM subscriber WHERE customer_id = $1)::int AS numbers, (SELECT count(*) FROM contract WHERE customer_id = $1)::int AS contracts`,
      [input.id],
    );
    if (held!.numbers > 0) throw new DomainError('CONFLICT', { reason: 'party_holds_numbers', count: held!.numbers });
    if (held!.contracts > 0) throw new DomainError('CONFLICT', { reason: 'party_holds_contracts', count: held!.contracts });
    // Whatever else names the customer (accounts, bills, mail, business records) is its history:
    // the foreign keys say so, and the delete is undone to the savepoint and refused.
    await tx.query('SAVEPOINT party_delete');
    try {
      await tx.query('DELETE FROM customer WHERE id = $1', [input.id]);
    } catch (err) {
      if ((err as { code?: string }).code !== '23503') throw err;
      await tx.query('ROLLBACK TO SAVEPOINT party_delete');
      throw new DomainError('CONFLICT', { reason: 'party_has_history' });
    }
    await recordAudit(tx, core, ctx, { action: 'party.delete', customerId: input.id, details: { kind: input.kind } });
  });
}
