import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../../domain/core.ts';
import { downloadReport } from '../../../domain/reports/download-report.ts';
import { getReports } from '../../../domain/reports/get-reports.ts';
import { getSpending } from '../../../domain/reports/get-spending.ts';
import { getTrafficSeries } from '../../../domain/reports/get-traffic-series.ts';
import { listUsage } from '../../../domain/reports/list-usage.ts';
import { orderReportAction, perform } from '../../../domain/actions/registry.ts';
import { nextCursor, pageQuery } from '../paging.ts';
import { ctxOf } from '../context.ts';
import { spendingSchema } from '../schemas/subscriber.ts';
import { calendarDate, wholeNumber } from '../../../domain/shared/strict-input.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const date = calendarDate.describe('a date YYYY-MM-DD that exists in the calendar');
const format = z.enum(['csv', 'pdf']);
const tag = { tags: ['reports'] };

/** The last N local days of the number's region, ending today there (or at `to`). */
const days = wholeNumber({ min: 1 }).optional().describe("the last N local days of the number's region, today included");

const usageItemSchema = z.object({
  id: z.string(),
  kind: z.enum(['voice', 'sms', 'mms', 'data']),
  zone: z.enum(['home', 'intercity', 'roaming']),
  startedAt: z.string(),
  durationSeconds: z.number().int().nullable().describe('Call seconds as used'),
  bytes: z.number().int().nullable(),
  counterpart: z.string().nullable(),
  billedUnits: z.number().int(),
  quotaUnits: z.number().int().describe('Of the billed units, covered by an allowance'),
  charged: z.number().int().describe('Kopecks'),
  refused: z.enum(['SPENDING_CAP', 'ROAMING_CAP', 'DATA_CAP', 'FAMILY_LIMIT']).nullable().describe('Refused by a spending cap or a family limit: nothing charged'),
});
const usageListSchema = z.object({ msisdn: z.string(), from: z.string(), to: z.string(), timeZone: z.string(), items: z.array(usageItemSchema), nextCursor });

const trafficTotals = z.object({ voiceSeconds: z.number().int(), sms: z.number().int(), mms: z.number().int(), bytes: z.number().int(), charged: z.number().int().describe('Kopecks charged, as the ledger and the balance count them: usage, fees, packages, content, one-off charges') });
const trafficSchema = z.object({
  msisdn: z.string(),
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  days: z.array(trafficTotals.extend({ date: z.string().describe('Local date YYYY-MM-DD') })),
  totals: trafficTotals,
});

export const reportSchema = z.object({
  id: z.string(),
  msisdn: z.string(),
  kind: z.literal('detail'),
  from: z.string(),
  to: z.string(),
  format,
  status: z.enum(['queued', 'ready', 'failed']),
  requestedAt: z.string(),
  readyAt: z.string().nullable(),
  records: z.number().int().nullable(),
  totalCharged: z.number().int().nullable().describe('Kopecks charged in the period as the ledger counts them: usage, fees, packages, content, one-off charges'),
  files: z.object({ csv: z.number().int().nullable(), pdf: z.number().int().nullable() }).describe('Sizes of the files in bytes, once made'),
});

/** Detail reports, spending by category and traffic per day of a number. */
export async function reportRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/subscribers/:msisdn';

  r.post(
    `${base}/reports`,
    {
      schema: {
        ...tag,
        summary: 'Order a detail report for local days (at most 6 months back, at most 6 months long); free, ready later with an SMS',
        params,
        body: orderReportAction.input,
      },
    },
    async (req, reply) => reply.status(202).send(await perform(core, ctxOf(req), orderReportAction, req.params.msisdn, req.body)),
  );
  r.get(
    `${base}/reports`,
    {
      schema: {
        ...tag,
        summary: 'Ordered reports with their status, newest first, a page at a time (cursor)',
        params,
        querystring: z.object(pageQuery),
        response: { 200: z.object({ msisdn: z.string(), items: z.array(reportSchema), nextCursor }) },
      },
    },
    async (req) => getReports(core, ctxOf(req), { msisdn: req.params.msisdn, ...req.query }),
  );
  r.get(
    `${base}/reports/:id/download`,
    {
      schema: {
        ...tag,
        summary: 'A ready report as CSV (Excel, Russian locale) or PDF',
        params: params.extend({ id: z.string().min(1).max(64) }),
        querystring: z.object({ format: format.optional() }),
      },
    },
    async (req, reply) => {
      const file = await downloadReport(core, ctxOf(req), { msisdn: req.params.msisdn, id: req.params.id, format: req.query.format });
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .header('cache-control', 'private, no-store')
        .send(file.content);
    },
  );
  r.get(
    `${base}/spending`,
    {
      schema: {
        ...tag,
        summary: 'Spending by category in a calendar month of local time, with last month to compare',
        params,
        querystring: z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month YYYY-MM').optional() }),
        response: { 200: spendingSchema },
      },
    },
    async (req) => getSpending(core, ctxOf(req), { msisdn: req.params.msisdn, month: req.query.month }),
  );
  r.get(
    `${base}/traffic`,
    {
      schema: {
        ...tag,
        summary: 'Calls, messages, traffic and money per local day of the number\'s region (the last `days`, 30 unless from/to are given)',
        params,
        querystring: z.object({ from: date.optional(), to: date.optional(), days }),
        response: { 200: trafficSchema },
      },
    },
    async (req) => getTrafficSeries(core, ctxOf(req), { msisdn: req.params.msisdn, from: req.query.from, to: req.query.to, days: req.query.days }),
  );
  r.get(
    `${base}/usage`,
    {
      schema: {
        ...tag,
        summary: 'Usage record by record, newest first: calls, messages and data sessions of local days of the number\'s region (the last `days`, 30 unless from/to are given), optionally of one kind',
        params,
        querystring: z.object({
          from: date.optional(),
          to: date.optional(),
          days,
          kind: z.enum(['voice', 'sms', 'mms', 'data']).optional(),
          ...pageQuery,
        }),
        response: { 200: usageListSchema },
      },
    },
    async (req) =>
      listUsage(core, ctxOf(req), {
        msisdn: req.params.msisdn,
        ...(req.query.from !== undefined ? { from: req.query.from } : {}),
        ...(req.query.to !== undefined ? { to: req.query.to } : {}),
        ...(req.query.days !== undefined ? { days: req.query.days } : {}),
        ...(req.query.kind !== undefined ? { kind: req.query.kind } : {}),
        ...(req.query.limit !== undefined ? { limit: req.query.limit } : {}),
        ...(req.query.cursor !== undefined ? { cursor: req.query.cursor } : {}),
      }),
  );
}
