import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { blockBusinessNumber, unblockBusinessNumber } from '../../../domain/business/block.ts';
import { BULK_KINDS, BULK_MAX, createBulkOperation, getBulkOperation, listBulkItems, listBulkOperations } from '../../../domain/business/bulk.ts';
import { getDashboard } from '../../../domain/business/dashboard.ts';
import { exportDirectory, importDirectory } from '../../../domain/business/directory.ts';
import { downloadMonthlyReport, exportExpenses, listMonthlyReports } from '../../../domain/business/expense-reports.ts';
import { listContracts, listLimits, removeNumberLimit, setNumberLimit, updateContract, updateCustomerSettings } from '../../../domain/business/limits.ts';
import { listNumbers } from '../../../domain/business/list-numbers.ts';
import { getReportSettings, setReportLanguages } from '../../../domain/business/report-settings.ts';
import { moveToDepartment } from '../../../domain/business/move-to-department.ts';
import { createOrder, getOrder, listFreeNumbers, listOrders, orderQr, transitionOrder } from '../../../domain/business/orders.ts';
import { getOverview } from '../../../domain/business/overview.ts';
import type { Core } from '../../../domain/core.ts';
import { errorMessage } from '../../../domain/shared/error-messages.ts';
import { nextCursor, pageQuery } from '../paging.ts';
import { bulkItemListSchema, bulkOperationSchema, contractListSchema, dashboardSchema, limitListSchema, monthlyReportListSchema, numberListSchema, orderSchema, overviewSchema, reportSettingsSchema } from '../schemas/business.ts';
import { ctxOf } from '../context.ts';
import { problemType } from '../problems.ts';
import { wholeNumber } from '../../../domain/shared/strict-input.ts';
import { businessAmount } from '../../../domain/actions/business-amounts.ts';

const tag = { tags: ['business'] };
const msisdnParams = z.object({ msisdn: z.string().min(1).max(32).describe('a number of the company, in any common spelling') });
const idParams = z.object({ id: z.string().min(1).max(64) });
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month YYYY-MM');
// The portal's own ceiling (a hundred million roubles) sits well inside the shared bound.
const paging = { offset: wholeNumber({ min: 0, max: 1_000_000 }).optional(), limit: wholeNumber({ min: 1, max: 1000 }).optional() };
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const region = z.string().regex(/^\d{2,3}$/, 'a region code');
const analyticsQuery = { month: month.optional(), region: region.optional(), departmentId: wholeNumber({ min: 1 }).optional() };
const format = z.enum(['csv', 'xlsx', 'pdf']);

function sendFile(reply: FastifyReply, file: { filename: string; contentType: string; content: Buffer }): FastifyReply {
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'private, no-store')
    .send(file.content);
}

/**
 * The business portal ("virtual manager") under /business: a company's admins manage every
 * employee number of every contract and region. Who sees what is the domain's decision
 * (business/access.ts): the customer's numbers, a department manager's department, and an
 * accountant reads but never changes.
 */
export async function businessRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const ctx = (req: Parameters<typeof ctxOf>[0]) => ctxOf(req, 'business');

  r.get('/business/me', { schema: { ...tag, summary: 'The admin logged in, their company, departments and regions, and what the role may do', response: { 200: overviewSchema } } }, async (req) => getOverview(core, ctx(req)));

  // ——— Numbers and the employee directory ———
  r.get(
    '/business/numbers',
    {
      schema: {
        ...tag,
        summary: 'Numbers of every contract and region in reach, with search (number or employee), filters and paging; month-to-date spend in Moscow time',
        querystring: z.object({
          q: z.string().max(100).optional(),
          region: region.optional(),
          departmentId: z.union([z.literal('none'), wholeNumber({ min: 1 })]).optional(),
          tariff: z.string().min(1).max(40).optional(),
          status: z.enum(['active', 'blocked', 'suspended']).optional(),
          spendMin: wholeNumber({ min: 0 }).optional(),
          spendMax: wholeNumber({ min: 0 }).optional(),
          overLimit: bool.optional(),
          sort: z.enum(['msisdn', 'employee', 'spend']).optional(),
          order: z.enum(['asc', 'desc']).optional(),
          ...paging,
        }),
        response: { 200: numberListSchema },
      },
    },
    async (req) => {
      const { departmentId, ...rest } = req.query;
      return listNumbers(core, ctx(req), { ...rest, ...(departmentId === 'none' ? { noDepartment: true } : departmentId !== undefined ? { departmentId } : {}) });
    },
  );
  r.get('/business/directory', { schema: { ...tag, summary: 'The employee directory as CSV (number; employee; department)' } }, async (req, reply) => {
    const file = await exportDirectory(core, ctx(req));
    return sendFile(reply, { ...file, contentType: 'text/csv; charset=utf-8' });
  });
  r.post(
    '/business/directory',
    {
      schema: {
        ...tag,
        summary: 'Import the employee directory from CSV (number; employee; department): all lines applied, or none and 422 with each bad line named',
        body: z.object({ csv: z.string().min(1).max(2_000_000) }),
      },
    },
    async (req, reply) => {
      const res = await importDirectory(core, ctx(req), req.body);
      if (res.applied) return res;
      return reply
        .status(422)
        .type('application/problem+json')
        .send({
          type: problemType('VALIDATION'),
          title: errorMessage('VALIDATION', { field: 'csv' }, req.lang),
          status: 422,
          code: 'VALIDATION',
          field: 'csv',
          requestId: String(req.id),
          errors: res.errors,
        });
    },
  );
  r.put(
    '/business/numbers/:msisdn/department',
    { schema: { ...tag, summary: 'Move a number to a department (null: none)', params: msisdnParams, body: z.object({ departmentId: z.number().int().min(1).nullable() }) } },
    async (req) => moveToDepartment(core, ctx(req), { msisdn: req.params.msisdn, departmentId: req.body.departmentId }),
  );
  r.post('/business/numbers/:msisdn/block', { schema: { ...tag, summary: 'Block a number on request (lost phone, employee leaving)', params: msisdnParams } }, async (req) =>
    blockBusinessNumber(core, ctx(req), req.params),
  );
  r.post('/business/numbers/:msisdn/unblock', { schema: { ...tag, summary: 'Lift a block made on request', params: msisdnParams } }, async (req) =>
    unblockBusinessNumber(core, ctx(req), req.params),
  );

  // ——— Limits, contracts and settings ———
  r.get('/business/limits', { schema: { ...tag, summary: "Numbers' monthly spending limits with this month's spend", querystring: z.object(paging), response: { 200: limitListSchema } } }, async (req) =>
    listLimits(core, ctx(req), req.query),
  );
  r.put(
    '/business/numbers/:msisdn/limit',
    {
      schema: {
        ...tag,
        summary: "Set a number's monthly spending limit: what counts (tariff, extras, both) and what happens when reached (notify, block paid extras)",
        params: msisdnParams,
        body: z.object({ amount: businessAmount.min(1), scope: z.enum(['tariff', 'extras', 'both']), action: z.enum(['notify', 'block_extras']) }),
      },
    },
    async (req) => setNumberLimit(core, ctx(req), { msisdn: req.params.msisdn, ...req.body }),
  );
  r.delete('/business/numbers/:msisdn/limit', { schema: { ...tag, summary: "Remove a number's spending limit", params: msisdnParams } }, async (req) =>
    removeNumberLimit(core, ctx(req), req.params),
  );
  r.get('/business/contracts', { schema: { ...tag, summary: "Contracts with their credit pool's use (limit, the numbers' debt, what is left) and allowed-services filter", response: { 200: contractListSchema } } }, async (req) => listContracts(core, ctx(req)));
  r.patch(
    '/business/contracts/:id',
    {
      schema: {
        ...tag,
        summary: "Change a contract's corporate trust limit (one credit pool shared by its numbers) and allowed-services filter (contract admin)",
        params: z.object({ id: wholeNumber({ min: 1 }) }),
        body: z.object({ creditLimit: businessAmount.optional(), denyContent: z.boolean().optional(), deniedProducts: z.array(z.string().min(1).max(40)).max(200).optional() }),
      },
    },
    async (req) => updateContract(core, ctx(req), { contractId: req.params.id, ...req.body }),
  );
  r.patch(
    '/business/settings',
    { schema: { ...tag, summary: "Whether orders need a second admin's approval (contract admin)", body: z.object({ orderApproval: z.boolean() }) } },
    async (req) => updateCustomerSettings(core, ctx(req), req.body),
  );

  // ——— Bulk operations ———
  r.post(
    '/business/bulk-operations',
    {
      schema: {
        ...tag,
        summary: 'Start a bulk operation over up to 10,000 numbers; it runs in the background — poll it and read each number’s outcome',
        body: z.object({
          kind: z.enum(BULK_KINDS),
          msisdns: z.array(z.string().min(1).max(32)).min(1).max(BULK_MAX),
          productCode: z.string().min(1).max(40).optional(),
          tariffCode: z.string().min(1).max(40).optional(),
          departmentId: z.number().int().min(1).nullable().optional(),
        }),
      },
    },
    async (req, reply) => reply.status(202).send(await createBulkOperation(core, ctx(req), req.body)),
  );
  r.get('/business/bulk-operations', { schema: { ...tag, summary: 'Bulk operations, newest first, a page at a time (cursor)', querystring: z.object(pageQuery), response: { 200: z.object({ items: z.array(bulkOperationSchema), nextCursor }) } } }, async (req) =>
    listBulkOperations(core, ctx(req), req.query),
  );
  r.get('/business/bulk-operations/:id', { schema: { ...tag, summary: 'Progress of a bulk operation', params: idParams, response: { 200: bulkOperationSchema } } }, async (req) => getBulkOperation(core, ctx(req), req.params));
  r.get(
    '/business/bulk-operations/:id/items',
    {
      schema: {
        ...tag,
        summary: 'Per-number results of a bulk operation: done, or refused with the reason',
        params: idParams,
        querystring: z.object({ status: z.enum(['pending', 'done', 'refused']).optional(), ...paging }),
        response: { 200: bulkItemListSchema },
      },
    },
    async (req) => listBulkItems(core, ctx(req), { id: req.params.id, ...req.query }),
  );

  // ——— Orders ———
  r.post(
    '/business/orders',
    {
      schema: {
        ...tag,
        summary: 'Order a SIM replacement (physical with its ICCID, or eSIM) or a number change (to a free number of any region)',
        body: z.union([
          z.object({ kind: z.literal('sim_replacement'), msisdn: z.string().min(1).max(32), simType: z.literal('physical'), iccid: z.string().regex(/^\d{19,20}$/) }),
          z.object({ kind: z.literal('sim_replacement'), msisdn: z.string().min(1).max(32), simType: z.literal('esim') }),
          z.object({ kind: z.literal('number_change'), msisdn: z.string().min(1).max(32), newMsisdn: z.string().min(1).max(32) }),
        ]),
      },
    },
    async (req, reply) => reply.status(201).send(await createOrder(core, ctx(req), req.body)),
  );
  r.get(
    '/business/orders',
    {
      schema: {
        ...tag,
        summary: 'Orders, newest first, a page at a time (cursor); total counts every order the filter matches',
        querystring: z.object({ status: z.enum(['created', 'approved', 'in_progress', 'done', 'rejected']).optional(), ...pageQuery }),
        response: { 200: z.object({ total: z.number().int(), items: z.array(orderSchema), nextCursor }) },
      },
    },
    async (req) => listOrders(core, ctx(req), req.query),
  );
  r.get('/business/orders/:id', { schema: { ...tag, summary: 'One order with its history', params: idParams, response: { 200: orderSchema } } }, async (req) => getOrder(core, ctx(req), req.params));
  // Starting the work and marking it done are the operator's steps: /staff/business-orders.
  r.post(
    '/business/orders/:id/approve',
    { schema: { ...tag, summary: 'Order: approve (another admin than its creator)', params: idParams, response: { 200: orderSchema } } },
    async (req) => transitionOrder(core, ctx(req), { id: req.params.id, action: 'approve' }),
  );
  r.post(
    '/business/orders/:id/reject',
    { schema: { ...tag, summary: 'Order: reject, with a reason', params: idParams, body: z.object({ reason: z.string().min(1).max(500) }) } },
    async (req) => transitionOrder(core, ctx(req), { id: req.params.id, action: 'reject', reason: req.body.reason }),
  );
  r.get(
    '/business/orders/:id/qr',
    { schema: { ...tag, summary: "An eSIM order's activation code as a QR image", params: idParams, querystring: z.object({ format: z.enum(['png', 'svg']).optional() }) } },
    async (req, reply) => {
      const img = await orderQr(core, ctx(req), { id: req.params.id, format: req.query.format ?? 'png' });
      return reply.header('content-type', img.contentType).header('cache-control', 'private, no-store').send(img.content);
    },
  );
  r.get(
    '/business/free-numbers',
    { schema: { ...tag, summary: 'Free numbers to pick for a number change, any region', querystring: z.object({ region: region.optional(), q: z.string().max(20).optional(), limit: paging.limit }) } },
    async (req) => listFreeNumbers(core, ctx(req), req.query),
  );

  // ——— Analytics and reports ———
  r.get(
    '/business/analytics',
    {
      schema: {
        ...tag,
        summary: 'Expenses by month, category, region, department and number; traffic by day; payments; top spenders; comparison with the previous month',
        querystring: z.object(analyticsQuery),
        response: { 200: dashboardSchema },
      },
    },
    async (req) => getDashboard(core, ctx(req), req.query),
  );
  r.get(
    '/business/analytics/export',
    { schema: { ...tag, summary: "A month's analytics as CSV, XLSX or PDF", querystring: z.object({ format, ...analyticsQuery }) } },
    async (req, reply) => sendFile(reply, await exportExpenses(core, ctx(req), req.query)),
  );
  r.get('/business/reports', { schema: { ...tag, summary: 'Monthly expense reports, made on the 1st for the month before, in the chosen language(s)', response: { 200: monthlyReportListSchema } } }, async (req) => listMonthlyReports(core, ctx(req)));
  r.get('/business/reports/settings', { schema: { ...tag, summary: 'The language(s) the monthly report is made in', response: { 200: reportSettingsSchema } } }, async (req) => getReportSettings(core, ctx(req)));
  r.put(
    '/business/reports/settings',
    {
      schema: {
        ...tag,
        summary: 'Choose the language(s) of the monthly report: ru (the default), en, or both (contract admin)',
        body: z.object({ languages: z.array(z.enum(['ru', 'en'])).min(1).max(2) }),
      },
    },
    async (req) => setReportLanguages(core, ctx(req), req.body),
  );
  r.get(
    '/business/reports/:id/download',
    { schema: { ...tag, summary: 'Download a monthly report', params: idParams, querystring: z.object({ format: format.optional() }) } },
    async (req, reply) => sendFile(reply, await downloadMonthlyReport(core, ctx(req), { id: req.params.id, format: req.query.format ?? 'pdf' })),
  );
}
