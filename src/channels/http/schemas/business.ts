import { z } from 'zod';

// Response schemas of the business portal API: the OpenAPI document states them, the web app's
// types are generated from it (web/src/api-types.ts), and the serializer checks every answer.

const orderStatus = z.enum(['created', 'approved', 'in_progress', 'done', 'rejected']);

export const orderSchema = z.object({
  id: z.string(),
  kind: z.enum(['sim_replacement', 'number_change']),
  status: orderStatus,
  msisdn: z.string(),
  employeeName: z.string().nullable(),
  simType: z.enum(['physical', 'esim']).nullable(),
  newIccid: z.string().nullable(),
  activationCode: z.string().nullable().describe('eSIM only: the LPA activation code (also served as a QR image)'),
  oldMsisdn: z.string(),
  newMsisdn: z.string().nullable(),
  createdBy: z.number().int(),
  approvedBy: z.number().int().nullable(),
  rejectReason: z.string().nullable(),
  requiresApproval: z.boolean(),
  history: z.array(z.object({ at: z.string(), status: orderStatus, by: z.string(), note: z.string().optional() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const localized = z.object({ ru: z.string(), en: z.string() });
const heldExtra = z.object({ code: z.string(), name: localized });
const kopecks = (what = 'Kopecks') => z.number().int().describe(what);

export const overviewSchema = z.object({
  admin: z.object({ id: z.number().int(), name: z.string(), email: z.string(), role: z.enum(['contract_admin', 'accountant', 'department_manager']), departmentId: z.number().int().nullable() }),
  customer: z.object({ id: z.number().int(), name: z.string(), inn: z.string().nullable(), orderApproval: z.boolean() }),
  departments: z.array(z.object({ id: z.number().int(), name: z.string(), numbers: z.number().int() })),
  regions: z.array(z.object({ code: z.string(), numbers: z.number().int() })),
  can: z.object({ changeNumbers: z.boolean(), changeContract: z.boolean(), seeMoney: z.boolean(), monthlyReports: z.boolean() }).describe('What the role may do, for the screens to show or hide actions'),
});

export const numberListSchema = z.object({
  month: z.string(),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  items: z.array(
    z.object({
      msisdn: z.string(),
      employeeName: z.string().nullable(),
      regionCode: z.string(),
      regionName: z.string(),
      contractNumber: z.string().nullable(),
      departmentId: z.number().int().nullable(),
      departmentName: z.string().nullable(),
      tariffCode: z.string(),
      status: z.string(),
      balance: kopecks(),
      monthSpend: kopecks('Month-to-date spend, kopecks'),
      limit: z.object({ amount: kopecks(), scope: z.string(), action: z.string() }).nullable(),
      overLimit: z.boolean(),
      suspendedExtras: z.array(heldExtra).describe('Paid extras suspended by the spending limit until the month ends'),
    }),
  ),
});

const limitView = z.object({
  msisdn: z.string(),
  employeeName: z.string().nullable(),
  amount: kopecks(),
  scope: z.enum(['tariff', 'extras', 'both']),
  action: z.enum(['notify', 'block_extras']),
  month: z.string().describe("The number's own month, YYYY-MM in its region's time zone"),
  spent: kopecks('What counts against the limit this month so far, kopecks'),
  reachedAt: z.string().nullable(),
  suspendedExtras: z.array(heldExtra),
});
export const limitSchema = limitView;
export const limitListSchema = z.object({ month: z.string(), total: z.number().int(), items: z.array(limitView) });

export const contractListSchema = z.object({
  orderApproval: z.boolean(),
  items: z.array(
    z.object({
      id: z.number().int(),
      number: z.string(),
      regionCode: z.string(),
      numbers: z.number().int(),
      creditLimit: kopecks('The corporate trust limit: one credit pool the numbers share, kopecks'),
      poolDebt: kopecks('What the numbers owe together, kopecks'),
      poolRemaining: kopecks('What is left of the pool, kopecks'),
      denyContent: z.boolean(),
      deniedProducts: z.array(z.string()),
    }),
  ),
});

export const bulkOperationSchema = z.object({
  id: z.string(),
  kind: z.enum(['connect_product', 'disable_product', 'change_tariff', 'block', 'unblock', 'move_department']),
  params: z.object({ productCode: z.string().optional(), tariffCode: z.string().optional(), departmentId: z.number().int().nullable().optional() }),
  status: z.enum(['queued', 'running', 'done']),
  total: z.number().int(),
  done: z.number().int(),
  refused: z.number().int(),
  pending: z.number().int(),
  progress: z.number().int().describe('Whole percent of numbers processed'),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  createdBy: z.number().int(),
});
export const bulkItemListSchema = z.object({
  total: z.number().int(),
  items: z.array(z.object({ msisdn: z.string(), status: z.enum(['pending', 'done', 'refused']), code: z.string().nullable(), reason: z.string().nullable(), processedAt: z.string().nullable() })),
});

const moneyPair = { amount: kopecks(), previous: kopecks('The same of the previous month, kopecks') };
export const dashboardSchema = z.object({
  month: z.string(),
  previousMonth: z.string(),
  currency: z.literal('RUB'),
  numbers: z.number().int(),
  total: kopecks(),
  previousTotal: kopecks(),
  change: z.object({ amount: kopecks(), percent: z.number().nullable().describe('Change in percent of the previous total, one decimal; null when it was 0') }),
  byMonth: z.array(z.object({ month: z.string(), amount: kopecks() })).describe('The six months up to the one asked, oldest first'),
  byCategory: z.array(z.object({ category: z.enum(['subscription', 'calls', 'sms', 'internet', 'content', 'roaming', 'one_off', 'other']), ...moneyPair })),
  byRegion: z.array(z.object({ regionCode: z.string(), regionName: z.string(), ...moneyPair, numbers: z.number().int() })),
  byDepartment: z.array(z.object({ departmentId: z.number().int().nullable(), departmentName: z.string().nullable(), ...moneyPair, numbers: z.number().int() })),
  topSpenders: z.array(z.object({ msisdn: z.string(), employeeName: z.string().nullable(), departmentName: z.string().nullable(), ...moneyPair })),
  trafficByDay: z.array(z.object({ date: z.string(), minutes: z.number(), sms: z.number(), gb: z.number(), charged: kopecks() })).describe('Days of the month with traffic'),
  payments: z.object({ total: kopecks(), count: z.number().int(), previousTotal: kopecks(), byDay: z.array(z.object({ date: z.string(), amount: kopecks() })) }),
});

const lang = z.enum(['ru', 'en']);

export const monthlyReportListSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      month: z.string().describe('YYYY-MM'),
      language: lang,
      total: kopecks('What the company spent that month'),
      createdAt: z.string(),
      formats: z.array(z.enum(['csv', 'xlsx', 'pdf'])),
    }),
  ),
});

export const reportSettingsSchema = z.object({ languages: z.array(lang) });
