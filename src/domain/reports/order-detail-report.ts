import { randomUUID } from 'node:crypto';
import { one } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { idempotent } from '../shared/idempotency.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { reportSms } from './labels.ts';
import { checkPeriod } from './period.ts';
import { REPORT_COLUMNS, reportView, type ReportFormat, type ReportRow, type ReportView } from './report-row.ts';

/**
 * Orders a detail report for a period of local days. Free of charge; the files are made later by
 * the report job, and the number gets an SMS now ("accepted") and when the report is ready.
 * Ordering changes nothing on the number, so a read-only accountant may order one too.
 */
export async function orderDetailReport(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; from: string; to: string; format?: ReportFormat },
): Promise<ReportView> {
  return runUseCase(core, ctx, 'report.order', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'read' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const format = input.format ?? 'pdf';
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'report.order', { sub: sub.id, from: input.from, to: input.to, format }, async () => {
      const now = core.clock.now();
      const period = checkPeriod(input, now, sub.timeZone);
      const row = await one<ReportRow>(
        tx,
        `INSERT INTO report (account_id, id, subscriber_id, period_from, period_to, period_start, period_end, time_zone, language, format, status, channel, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $12) RETURNING ${REPORT_COLUMNS}`,
        [sub.accountId, randomUUID(), sub.id, period.from, period.to, period.start, period.end, sub.timeZone, sub.language, format, ctx.channel, now],
      );
      await enqueueSms(tx, { msisdn: sub.msisdn, text: reportSms.accepted(sub.language, period.from, period.to), kind: 'report.accepted', at: now });
      await recordAudit(tx, core, ctx, {
        action: 'report.order',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { report: row.id, from: period.from, to: period.to, format },
      });
      return reportView(sub.msisdn, row);
    });
  });
}
