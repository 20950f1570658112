import type { Core } from '../core.ts';

const DELIVERED = 'DELIVRD';
const FINAL_FAILURES = new Set(['UNDELIV', 'EXPIRED', 'DELETED', 'REJECTD']);

/**
 * Stores a delivery receipt on the outbound message the gateway knows by `ref` (meta.ref, or one
 * of meta.refs for a message sent in parts): meta.receipts maps each part's id to its state. The
 * message becomes `delivered` when every part is, `undelivered` when any part finally failed.
 * Returns false when no message carries that id (a receipt for something this store never sent).
 */
export async function recordDeliveryReceipt(core: Core, r: { ref: string; stat: string; err?: string | null }): Promise<boolean> {
  const ref = r.ref.slice(0, 100);
  const stat = r.stat.toUpperCase().slice(0, 20);
  return core.db.tx(async (tx) => {
    const rows = await tx.query<{ id: number; status: string; meta: { ref?: string; refs?: string[]; receipts?: Record<string, string> } }>(
      `SELECT id, status, meta FROM sms_message
        WHERE direction = 'mt' AND (meta->>'ref' = $1 OR meta->'refs' @> jsonb_build_array($1::text))
        ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [ref],
    );
    const row = rows[0];
    if (!row) return false;
    const receipts = { ...(row.meta.receipts ?? {}), [ref]: stat };
    const parts = row.meta.refs?.length ? row.meta.refs : [row.meta.ref ?? ref];
    const states = parts.map((p) => receipts[p]);
    const status = states.some((s) => s !== undefined && FINAL_FAILURES.has(s)) ? 'undelivered' : states.every((s) => s === DELIVERED) ? 'delivered' : row.status;
    await tx.query(`UPDATE sms_message SET status = $2, meta = meta || $3 WHERE id = $1`, [
      row.id,
      status,
      JSON.stringify({ receipts, receipt: { id: ref, stat, err: r.err ?? null, at: core.clock.now().toISOString() } }),
    ]);
    return true;
  });
}
