import type { Core } from '../core.ts';

/**
 * Kannel's delivery report types (the `%d` of a dlr-url): 1 delivered to the phone, 2 not
 * delivered, 4 queued at the SMSC, 8 accepted by the SMSC, 16 refused by the SMSC.
 */
const KANNEL_STATES: Record<number, { stat: string; status?: 'delivered' | 'undelivered' }> = {
  1: { stat: 'DELIVRD', status: 'delivered' },
  2: { stat: 'UNDELIV', status: 'undelivered' },
  4: { stat: 'BUFFERED' },
  8: { stat: 'ACCEPTD' },
  16: { stat: 'REJECTD', status: 'undelivered' },
};

const FINAL = new Set(['delivered', 'undelivered']);

/**
 * Stores a delivery report that names the outbound message by its own id (Kannel calls the
 * dlr-url the message was sent with, which carries it). `meta.receipt` is the report that
 * decided its state, `meta.reports` every one (the last twenty); the message becomes `delivered` or `undelivered` on a final report,
 * and a report that is not final (accepted, buffered) never takes that back, whatever order the
 * gateway sends them in. A message sent in parts has one report for the whole: Kannel joins them.
 * Returns false when no outbound message has that id, or the type is not one Kannel sends.
 */
export async function recordDeliveryReport(core: Core, r: { messageId: number; type: number; answer?: string | null }): Promise<boolean> {
  const state = KANNEL_STATES[r.type];
  if (!state) return false;
  return core.db.tx(async (tx) => {
    const rows = await tx.query<{ id: number; status: string; meta: { reports?: unknown[] } }>(
      `SELECT id, status, meta FROM sms_message WHERE id = $1 AND direction = 'mt' FOR UPDATE`,
      [r.messageId],
    );
    const row = rows[0];
    if (!row) return false;
    const receipt = { stat: state.stat, type: r.type, answer: r.answer?.slice(0, 200) ?? null, at: core.clock.now().toISOString() };
    // A late "accepted" after "delivered" is kept in the list, not as the message's state.
    const late = !state.status && FINAL.has(row.status);
    await tx.query(`UPDATE sms_message SET status = $2, meta = meta || $3 WHERE id = $1`, [
      row.id,
      state.status ?? row.status,
      JSON.stringify({ ...(late ? {} : { receipt }), reports: [...(row.meta.reports ?? []), receipt].slice(-20) }),
    ]);
    return true;
  });
}
