import { z } from 'zod';
import { orderDetailReport } from '../reports/order-detail-report.ts';
import { checkPeriod, REPORT_MAX_MONTHS } from '../reports/period.ts';
import type { ReportView } from '../reports/report-row.ts';
import { calendarDate } from '../shared/strict-input.ts';
import { isDomainError } from '../shared/errors.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action, Refusal } from './types.ts';

const date = calendarDate.describe('a date YYYY-MM-DD that exists in the calendar');
const input = z.object({
  from: date,
  to: date,
  format: z.enum(['csv', 'pdf']).optional(),
  language: z.enum(['ru', 'en']).optional().describe("The report's language: the one the order was placed in (the number's own when left out)"),
});

/**
 * Order a detail report for local days. Free (facts null). Given `{ from, to }` the offer judges
 * the period (REPORT_PERIOD_INVALID with the rule that failed: at most REPORT_MAX_MONTHS back and
 * long, not in the future); the daily cap on orders is the use case's (RATE_LIMITED).
 */
export const orderReportAction: Action<{ from?: string; to?: string }, z.infer<typeof input>, ReportView, { maxMonths: number }> = {
  id: 'report.order',
  summary: 'Order a detail report',
  input,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    let refusal: Refusal | null = null;
    if (t.from !== undefined && t.to !== undefined) {
      try {
        checkPeriod({ from: t.from, to: t.to }, core.clock.now(), sub.timeZone);
      } catch (e) {
        if (!isDomainError(e)) throw e;
        refusal = { code: e.code, params: e.params };
      }
    }
    return { action: 'report.order', refusal, shown: true, facts: null, details: { maxMonths: REPORT_MAX_MONTHS } };
  },
  confirmation: (_offer, channel) => confirmationFor('read', channel),
  run: (core, ctx, i) => orderDetailReport(core, ctx, { msisdn: i.msisdn, from: i.from, to: i.to, ...(i.format ? { format: i.format } : {}), ...(i.language ? { language: i.language } : {}) }),
};
