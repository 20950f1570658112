import { randomUUID } from 'node:crypto';
import { one } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx, Lang } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { dailyPeriod } from '../shared/local-time.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { reportSms } from './labels.ts';
import { checkPeriod } from './period.ts';
import { REPORT_COLUMNS, reportView, type ReportFormat, type ReportRow, type ReportView } from './report-row.ts';

/** Orders one number may place in a local day. */
export const REPORT_ORDERS_PER_DAY = 20;

/**
 * Orders a detail report for a period of local days. Free of charge; the files are made later by
 * the report job, and the number gets an SMS now ("accepted") and when the report is ready.
 * Ordering changes nothing on the number, so a read-only accountant may order one too.
 */
export async function orderDetailReport(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; from: string; to: string; format?: ReportFormat; language?: Lang },
): Promise<ReportView> {
  return runUseCase(core, ctx, 'report.order', async (tx, subject) => {
    // The lock makes concurrent orders of one number count against the daily cap one by one.
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'read', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const format = input.format ?? 'pdf';
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'report.order', { sub: sub.id, from: input.from, to: input.to, format, language: input.language ?? null }, async () => {
      const now = core.clock.now();
      // The language it was ordered in (the app sends the one on its screen), else the number's own.
      const language = input.language ?? sub.language;
      const period = checkPeriod(input, now, sub.timeZone);
      // Each order texts the number, so orders per local day are capped.
      const today = dailyPeriod(now, sub.timeZone);
      const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM report WHERE account_id = $1 AND subscriber_id = $2 AND requested_at >= $3',
        [sub.accountId, sub.id, today.start],
      );
      if (n >= REPORT_ORDERS_PER_DAY) {
        throw new DomainError('RATE_LIMITED', { retryAfterSeconds: Math.ceil((today.end.getTime() - now.getTime()) / 1000) });
      }
      const row = await one<ReportRow>(
        tx,
        `INSERT INTO report (account_id, id, subscriber_id, period_from, period_to, period_start, period_end, time_zone, language, format, status, channel, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $12) RETURNING ${REPORT_COLUMNS}`,
        [sub.accountId, randomUUID(), sub.id, period.from, period.to, period.start, period.end, sub.timeZone, language, format, ctx.channel, now],
      );
      await enqueueSms(tx, { msisdn: sub.msisdn, text: reportSms.accepted(language, period.from, period.to), kind: 'report.accepted', at: now });
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
