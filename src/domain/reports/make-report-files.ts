import { IANAZone } from 'luxon';
import type { Queryable } from '../../store/db.ts';
import type { Lang } from '../shared/context.ts';
import { loadSubscriberById } from '../subscribers/access.ts';
import { detailTotals, loadDetailRecords } from './detail.ts';
import { loadCharges } from './ledger-charges.ts';
import { renderCsv } from './render-csv.ts';
import { renderPdf } from './render-pdf.ts';

/** A queued report as the job claims it: whose, which local days, which instants, which words. */
export interface QueuedReport {
  accountId: number;
  id: string;
  subscriberId: number;
  from: string;
  to: string;
  start: Date;
  end: Date;
  timeZone: string;
  language: Lang;
}

export interface ReportFiles {
  msisdn: string;
  csv: Buffer;
  pdf: Buffer;
  records: number;
  charged: number;
}

/**
 * Reads the period's usage records and the ledger's charges once and renders both files from them,
 * so CSV and PDF agree, and their total is what the balance was charged in the period.
 */
export async function makeReportFiles(q: Queryable, r: QueuedReport, generatedAt: Date): Promise<ReportFiles> {
  // Local times in an unknown zone would print as "Invalid DateTime": refuse to make such a file.
  if (!IANAZone.isValidZone(r.timeZone)) throw new Error(`report ${r.id}: unknown time zone ${r.timeZone}`);
  const sub = await loadSubscriberById(q, r.subscriberId);
  if (!sub) throw new Error(`report ${r.id}: subscriber ${r.subscriberId} is gone`);
  const records = await loadDetailRecords(q, { accountId: r.accountId, subscriberId: r.subscriberId, start: r.start, end: r.end });
  const charges = await loadCharges(q, { accountId: r.accountId, subscriberId: r.subscriberId, start: r.start, end: r.end });
  const report = { msisdn: sub.msisdn, language: r.language, timeZone: r.timeZone, from: r.from, to: r.to, generatedAt, records, charges: charges.other, totalCharged: charges.total };
  return { msisdn: sub.msisdn, csv: renderCsv(report), pdf: await renderPdf(report), records: detailTotals(records).count, charged: charges.total };
}
