import type { Core } from '../core.ts';
import type { PartProgress } from './sms-transport.ts';

const DELIVERED = 'DELIVRD';
const FINAL_FAILURES = new Set(['UNDELIV', 'EXPIRED', 'DELETED', 'REJECTD']);

/**
 * Stores a delivery receipt on the outbound message the gateway knows by `ref` (meta.ref, or one
 * of meta.refs, or of meta.parts.ids while a message in parts is still being sent): meta.receipts
 * maps each part's id to its state. The message becomes `delivered` when every part is,
 * `undelivered` when any part finally failed; one still in the outbox (some parts not accepted
 * yet) keeps its status, the receipts wait in the row. The ids are found through the index on
 * `sms_gateway_refs(meta)` (migration 047).
 * Returns false when no message carries that id (a receipt for something this store never sent).
 */
export async function recordDeliveryReceipt(core: Core, r: { ref: string; stat: string; err?: string | null }): Promise<boolean> {
  const ref = r.ref.slice(0, 100);
  const stat = r.stat.toUpperCase().slice(0, 20);
  return core.db.tx(async (tx) => {
    const rows = await tx.query<{ id: number; status: string; meta: { ref?: string; refs?: string[]; parts?: PartProgress; receipts?: Record<string, string> } }>(
      `SELECT id, status, meta FROM sms_message
        WHERE direction = 'mt' AND sms_gateway_refs(meta) @> ARRAY[$1::text]
        -- \`id + 0\`: ordered by the key itself, the planner walks the primary key backwards and
        -- evaluates the function on every row (a second on 20,000 messages) instead of asking the index.
        ORDER BY id + 0 DESC LIMIT 1 FOR UPDATE`,
      [ref],
    );
    const row = rows[0];
    if (!row) return false;
    const receipts = { ...(row.meta.receipts ?? {}), [ref]: stat };
    // A message in parts counts every part, accepted or not: one never accepted is never delivered.
    const p = row.meta.parts;
    const parts = p ? Array.from({ length: p.total }, (_, i) => p.ids[i + 1]) : row.meta.refs?.length ? row.meta.refs : [row.meta.ref ?? ref];
    const states = parts.map((id) => (id === undefined ? undefined : receipts[id]));
    const outgoing = row.status === 'queued' || row.status === 'sending';
    const status = outgoing ? row.status : states.some((s) => s !== undefined && FINAL_FAILURES.has(s)) ? 'undelivered' : states.every((s) => s === DELIVERED) ? 'delivered' : row.status;
    await tx.query(`UPDATE sms_message SET status = $2, meta = meta || $3 WHERE id = $1`, [
      row.id,
      status,
      JSON.stringify({ receipts, receipt: { id: ref, stat, err: r.err ?? null, at: core.clock.now().toISOString() } }),
    ]);
    return true;
  });
}
