import { changeTariffAction, connectProductAction, disableProductAction, perform } from '../actions/registry.ts';
import type { Core } from '../core.ts';
import type { BusinessRole, Ctx } from '../shared/context.ts';
import { isDomainError } from '../shared/errors.ts';
import { blockNumber, unblockNumber } from '../subscribers/set-block.ts';
import { refusalWords } from '../actions/refusal-words.ts';
import type { BulkKind, BulkParams } from './bulk.ts';
import { moveToDepartment } from './move-to-department.ts';

export interface BulkRunResult {
  processed: number;
  done: number;
  refused: number;
  finished: string[];
}

/**
 * What each kind of bulk operation does for one number. A self-service change is the registry's
 * action, run through `perform` as the admin — the offer for that number decides, with the reason
 * any channel would give. Blocking and moving between departments are the business portal's own
 * use cases (no subscriber channel offers them).
 */
function apply(core: Core, ctx: Ctx, kind: BulkKind, p: BulkParams, msisdn: string): Promise<unknown> {
  switch (kind) {
    case 'connect_product':
      return perform(core, ctx, connectProductAction, msisdn, { productCode: p.productCode });
    case 'disable_product':
      return perform(core, ctx, disableProductAction, msisdn, { productCode: p.productCode });
    case 'change_tariff':
      return perform(core, ctx, changeTariffAction, msisdn, { tariffCode: p.tariffCode });
    case 'block':
      return blockNumber(core, ctx, { msisdn });
    case 'unblock':
      return unblockNumber(core, ctx, { msisdn });
    case 'move_department':
      return moveToDepartment(core, ctx, { msisdn, departmentId: p.departmentId ?? null });
  }
}

/**
 * Applies pending items of open bulk operations, oldest operation first, at most `maxItems` per
 * call (the job calls again). Each number runs its use case as the admin who started the operation
 * (their role and department as they are now), with the idempotency key `bulk:<operation>:<seq>`:
 * if the process dies after the use case committed but before the item was marked, the next run
 * gets the stored result back instead of applying the change again. Marking an item and counting
 * it are one statement pair guarded by `status = 'pending'`, so an item is counted once.
 */
export async function runBulkOperations(core: Core, opts: { maxItems?: number; batch?: number } = {}): Promise<BulkRunResult> {
  const maxItems = opts.maxItems ?? 500;
  const batch = Math.min(opts.batch ?? 100, maxItems);
  const result: BulkRunResult = { processed: 0, done: 0, refused: 0, finished: [] };
  const ops = await core.db.query<{ id: string; kind: BulkKind; params: BulkParams; admin_id: number; customer_id: number; role: BusinessRole; department_id: number | null; language: 'ru' | 'en' }>(
    `SELECT o.id::text AS id, o.kind, o.params, o.admin_id, b.customer_id, b.role, b.department_id, o.language
       FROM bulk_operation o JOIN business_admin b ON b.id = o.admin_id
      WHERE o.status <> 'done' ORDER BY o.created_at, o.id LIMIT 20`,
  );
  for (const op of ops) {
    if (result.processed >= maxItems) break;
    await core.db.query("UPDATE bulk_operation SET status = 'running' WHERE id = $1::uuid AND status = 'queued'", [op.id]);
    const ctxBase: Omit<Ctx, 'idempotencyKey'> = {
      actor: { kind: 'business_admin', adminId: Number(op.admin_id), customerId: Number(op.customer_id), role: op.role, departmentId: op.department_id === null ? null : Number(op.department_id) },
      channel: 'business',
      requestId: `bulk-${op.id}`,
      lang: op.language,
    };
    for (;;) {
      const room = Math.min(batch, maxItems - result.processed);
      if (room <= 0) break;
      const items = await core.db.query<{ seq: number; msisdn: string }>(
        `SELECT seq, msisdn FROM bulk_item WHERE operation_id = $1::uuid AND status = 'pending' ORDER BY seq LIMIT ${room}`,
        [op.id],
      );
      if (items.length === 0) {
        const closed = await core.db.query(
          `UPDATE bulk_operation SET status = 'done', finished_at = $2 WHERE id = $1::uuid AND status <> 'done'
              AND NOT EXISTS (SELECT 1 FROM bulk_item WHERE operation_id = $1::uuid AND status = 'pending') RETURNING id`,
          [op.id, core.clock.now()],
        );
        if (closed.length) result.finished.push(op.id);
        break;
      }
      for (const item of items) {
        const ctx: Ctx = { ...ctxBase, idempotencyKey: `bulk:${op.id}:${item.seq}` };
        let outcome: { status: 'done' | 'refused'; code: string | null; ru: string | null; en: string | null };
        try {
          await apply(core, ctx, op.kind, op.params, item.msisdn);
          outcome = { status: 'done', code: null, ru: null, en: null };
        } catch (e) {
          if (!isDomainError(e)) throw e; // the store failing: stop here, the item stays pending for the next run
          const r = { code: e.code, params: e.params };
          outcome = { status: 'refused', code: e.code, ru: await refusalWords(core.db, r, 'ru'), en: await refusalWords(core.db, r, 'en') };
        }
        await core.db.tx(async (tx) => {
          const marked = await tx.query(
            `UPDATE bulk_item SET status = $3, code = $4, reason_ru = $5, reason_en = $6, processed_at = $7
              WHERE operation_id = $1::uuid AND seq = $2 AND status = 'pending' RETURNING seq`,
            [op.id, item.seq, outcome.status, outcome.code, outcome.ru, outcome.en, core.clock.now()],
          );
          if (marked.length === 0) return;
          await tx.query(`UPDATE bulk_operation SET ${outcome.status === 'done' ? 'done = done + 1' : 'refused = refused + 1'} WHERE id = $1::uuid`, [op.id]);
        });
        result.processed++;
        if (outcome.status === 'done') result.done++;
        else result.refused++;
      }
    }
  }
  return result;
}
