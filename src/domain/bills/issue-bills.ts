import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import { systemCtx } from '../shared/context.ts';
import { CONTRACT_SINCE, computeBill, nextPeriod, periodAt, readHolder, targetColumn, targetId, type BillHolder, type BillPeriod, type BillTarget } from './compute-bill.ts';
import { renderBillPdf, type OperatorDetails } from './render-bill-pdf.ts';

/**
 * How long after a month ends its bills wait: a transaction that booked an entry just before local
 * midnight has committed by then, so the month's entries are all there when the bill sums them.
 */
export const ISSUE_DELAY_MS = 10 * 60_000;

/** The billing accounts with a month that has ended (plus the delay) and has no bill yet. */
async function dueTargets(core: Core, now: Date, limit: number): Promise<BillTarget[]> {
  const cutoff = new Date(now.getTime() - ISSUE_DELAY_MS);
  // The next month to bill is the one after the last bill, or the month the account began; it is
  // due once its local end has passed. Subscribers of a contract are billed with their contract.
  const next = (since: string, last: string, tz: string) =>
    `(CASE WHEN ${last} IS NULL THEN date_trunc('month', ${since} AT TIME ZONE ${tz})
           ELSE to_date(${last}, 'YYYY-MM')::timestamp + interval '1 month' END + interval '1 month') AT TIME ZONE ${tz}`;
  const rows = await core.db.query<{ kind: 'account' | 'contract'; id: number }>(
    `SELECT kind, id FROM (
       SELECT 'account' AS kind, a.id, ${next('a.created_at', 'b.last', 'r.time_zone')} AS due
         FROM account a JOIN subscriber s ON s.account_id = a.id AND s.contract_id IS NULL JOIN region r ON r.code = s.region_code
         LEFT JOIN LATERAL (SELECT max(period) AS last FROM bill WHERE account_id = a.id) b ON true
       UNION ALL
       SELECT 'contract', k.id, ${next(CONTRACT_SINCE, 'b.last', 'r.time_zone')}
         FROM contract k JOIN region r ON r.code = k.region_code
         LEFT JOIN LATERAL (SELECT max(period) AS last FROM bill WHERE contract_id = k.id) b ON true
     ) t WHERE due <= $1 ORDER BY due, kind, id LIMIT $2`,
    [cutoff, limit],
  );
  return rows.map((r) => (r.kind === 'account' ? { kind: 'account', accountId: Number(r.id) } : { kind: 'contract', contractId: Number(r.id) }));
}

/** The month a billing account's next bill is for: after its last bill, or the month it began. */
async function periodToBill(core: Core, holder: BillHolder): Promise<BillPeriod> {
  const [r] = await core.db.query<{ last: string | null }>(`SELECT max(period) AS last FROM bill WHERE ${targetColumn(holder.target)} = $1`, [targetId(holder.target)]);
  return r?.last ? nextPeriod(r.last, holder.timeZone) : periodAt(holder.since, holder.timeZone);
}

export function billNumber(target: BillTarget, period: string): string {
  return `${period.replace('-', '')}-${target.kind === 'account' ? 'A' : 'C'}${targetId(target)}`;
}

/**
 * Issues the bills that are due at `now`, oldest month first, at most `limit` of them (the job
 * comes back for the rest). A billing account that missed months gets one bill per month, in
 * order, each opening with the last one's closing balance. A bill is written once: a second
 * instance issuing the same bill at the same time finds the (account, month) taken and stores
 * nothing, and the bill's row can never change afterwards (the store refuses it).
 */
export async function issueDueBills(core: Core, opts: { now?: Date; limit?: number } = {}): Promise<{ issued: string[] }> {
  const now = opts.now ?? core.clock.now();
  const limit = opts.limit ?? 1000;
  const issued: string[] = [];
  const { operator } = await getSettings(core.db);
  while (issued.length < limit) {
    const targets = await dueTargets(core, now, limit - issued.length);
    if (targets.length === 0) break;
    let progressed = false;
    for (const target of targets) {
      const number = await issueNextBill(core, target, { now, operator });
      if (number) {
        issued.push(number);
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return { issued };
}

/**
 * Issues a billing account's next bill if its month is over (plus the delay): returns its number,
 * or null when nothing is due or another instance stored it first.
 */
export async function issueNextBill(core: Core, target: BillTarget, opts: { now: Date; operator?: OperatorDetails | undefined }): Promise<string | null> {
  const { now } = opts;
  const holder = await readHolder(core.db, target);
  if (!holder) return null;
  const period = await periodToBill(core, holder);
  if (period.end.getTime() > now.getTime() - ISSUE_DELAY_MS) return null;
  const operator = 'operator' in opts ? opts.operator : (await getSettings(core.db)).operator;
  const draft = await computeBill(core.db, holder, period, period.end);
  const number = billNumber(target, period.period);
  const pdf = await renderBillPdf({ draft, number, issuedAt: now, operator });
  const id = randomUUID();
  const ctx = systemCtx('bills');
  const stored = await core.db.tx(async (tx) => {
    const rows = await tx.query(
      `INSERT INTO bill (id, number, customer_id, account_id, contract_id, period, period_start, period_end, time_zone, language,
                         opening_balance, closing_balance, charges, credits, entries, lines, issued_at, pdf)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        id,
        number,
        holder.customerId,
        target.kind === 'account' ? target.accountId : null,
        target.kind === 'contract' ? target.contractId : null,
        period.period,
        period.start,
        period.end,
        holder.timeZone,
        holder.language,
        draft.openingBalance,
        draft.closingBalance,
        draft.charges,
        draft.credits,
        draft.entries,
        JSON.stringify(draft.lines),
        now,
        pdf,
      ],
    );
    if (rows.length) {
      await recordAudit(tx, core, ctx, {
        action: 'bill.issue',
        customerId: holder.customerId,
        details: { bill: number, period: period.period, opening: draft.openingBalance, closing: draft.closingBalance },
      });
    }
    return rows.length > 0;
  });
  return stored ? number : null;
}
