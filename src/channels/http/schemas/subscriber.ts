import { z } from 'zod';
import { ERROR_CODES } from '../../../domain/shared/errors.ts';
import { SPENDING_CATEGORIES } from '../../../domain/reports/get-spending.ts';
import { allowance, localized, productFee, productKind, segment, tariffSchema } from './catalog.ts';

// Response schemas of the subscriber's own pages (balance, tariff, offers, products, promised
// payment, spending): the OpenAPI document states them, the web app's types are generated from it
// (web/src/api-types.ts), and the serializer checks every answer against them.

const kopecks = (what = 'Kopecks') => z.number().int().describe(what);
const instant = z.string().describe('ISO 8601 instant');

// ——— The registry's offer, as every offer in the API carries it ———

export const priceFactsSchema = z
  .object({
    price: kopecks('Kopecks per period; for `once`, the one-off price of each use'),
    period: z.enum(['once', 'day', 'month']),
    connectionFee: kopecks('One-off fee for connecting or switching; 0 when none'),
    commission: kopecks('Commission taken with the action (promised payment); 0 when none'),
    chargedToday: kopecks('What taking it today charges (with the melodies below)'),
    melodies: z
      .array(z.object({ title: localized, price: kopecks('Kopecks per period'), period: z.enum(['once', 'day', 'month']) }))
      .optional()
      .describe('The kept ringback melodies taking it resumes (connecting the service again), in the order they resume; each charged one period today'),
  })
  .describe('What the subscriber pays, as facts: every channel states these and nothing else');

export const statementSchema = localized.describe('The one statement of the price in both languages: show it, never compute it');

export const refusalSchema = z
  .object({ code: z.enum(ERROR_CODES), params: z.record(z.string(), z.union([z.string(), z.number()])) })
  .describe('Why the offer cannot be taken now: what running it would refuse with');

const confirmationSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('explicit') }),
    z.object({ kind: z.literal('reply'), words: z.array(z.string()).readonly(), windowMs: z.number().int() }),
  ])
  .describe('How the client confirms before sending the request (web/app: `explicit` means a dialog)');

/** The fields of every offer (see src/channels/http/offer-view.ts). */
export const offerFields = {
  action: z.string(),
  available: z.boolean().describe('True when the number may take it now; otherwise `refusal` says why'),
  refusal: refusalSchema.nullable(),
  shown: z.boolean(),
  facts: priceFactsSchema.nullable(),
  statement: statementSchema.nullable(),
  confirmation: confirmationSchema,
};

// ——— Balance ———

const quota = z.object({ included: z.number().int(), used: z.number().int(), remaining: z.number().int() });

export const balanceSchema = z.object({
  msisdn: z.string(),
  balance: kopecks(),
  creditLimit: kopecks("The credit the number may use now (for a contract's number: what the company's pool leaves it)"),
  creditSource: z.enum(['own', 'company_pool']),
  available: kopecks('Balance plus credit'),
  currency: z.string(),
  status: z.string(),
  asOf: instant,
  remaining: z.object({ seconds: quota, sms: quota, bytes: quota }).describe('What is left this period, summed over the allowances'),
  quotas: z.array(quota.extend({ unit: z.enum(['seconds', 'sms', 'bytes']), source: z.string(), periodStart: instant, periodEnd: instant })),
  roamingCountry: z.string().nullable().describe('ISO 3166-1 alpha-2 of the country the number is attached in abroad, or null at home'),
});

// ——— Tariff ———

export const currentTariffSchema = z.object({
  msisdn: z.string(),
  tariff: tariffSchema,
  since: instant,
  periodStart: instant,
  periodEnd: instant,
  nextFeeAt: instant.nullable(),
});

export const tariffOffersSchema = z.object({
  items: z.array(
    z.object({
      code: z.string(),
      name: localized,
      description: localized.nullable(),
      fee: z.object({ model: z.enum(['monthly', 'daily']), amount: kopecks() }),
      included: allowance,
      premium: z.boolean(),
      segment,
      current: z.boolean().describe("Whether this is the number's plan now"),
      productsDisabled: z.array(z.string()).describe('Connected products the plan does not allow: changing disables them'),
      ...offerFields,
    }),
  ),
});

// ——— Products ———


const connectedProduct = z.object({
  code: z.string(),
  kind: productKind,
  name: localized,
  status: z.enum(['active', 'suspended', 'disabled', 'limit_suspended']),
  paid: z.boolean(),
  content: z.boolean(),
  fee: productFee,
  monthlyCost: kopecks('What a month of it costs (daily fees over 30 days; a one-off product 0)'),
  connectedAt: instant,
  nextChargeAt: instant.nullable(),
  disableable: z.boolean(),
  ussdCode: z.string().nullable(),
  smsKeyword: z.string().nullable(),
  facts: priceFactsSchema.nullable().describe('What disabling stops paying'),
  statement: statementSchema.nullable(),
});

export const connectedProductsSchema = z.object({
  msisdn: z.string(),
  paid: z.array(connectedProduct),
  free: z.array(connectedProduct),
  monthlyTotal: kopecks('What the paid ones cost a month'),
});

export const availableProductsSchema = z.object({
  items: z.array(
    z.object({
      code: z.string(),
      kind: productKind,
      name: localized,
      description: localized,
      fee: productFee,
      connectionFee: kopecks(),
      monthlyCost: kopecks(),
      content: z.boolean(),
      includes: allowance.nullable(),
      ussdCode: z.string().nullable(),
      smsKeyword: z.string().nullable(),
      disableable: z.boolean(),
      chargeNow: kopecks('What connecting charges today (facts.chargedToday)'),
      blockedBy: refusalSchema.nullable().describe('The same as `refusal`'),
      ...offerFields,
    }),
  ),
});

// ——— Promised payment ———

export const promisedSchema = z.object({
  ...offerFields,
  available: z.boolean().describe("Takeable now by the catalog's rules (`refusal` says why not)"),
  reason: z.enum(['active', 'trust_limit']).nullable(),
  maxAmount: kopecks(),
  termDays: z.number().int(),
  active: z.object({ amount: kopecks(), fee: kopecks(), repaid: kopecks(), dueAt: instant }).nullable(),
  bounds: z.object({ min: kopecks(), max: kopecks(), step: kopecks() }).describe('An amount: whole roubles from min to max'),
  options: z.array(z.object({ amount: kopecks(), fee: kopecks(), facts: priceFactsSchema, statement: statementSchema })),
  amount: kopecks().nullable(),
});

// ——— Spending ———

export const spendingSchema = z.object({
  msisdn: z.string(),
  month: z.string().describe('YYYY-MM, a calendar month of local time'),
  timeZone: z.string(),
  from: instant,
  to: instant,
  currency: z.string(),
  categories: z.array(z.object({ category: z.enum(SPENDING_CATEGORIES), amount: kopecks() })),
  total: kopecks(),
  internet: z.object({ charged: kopecks(), bytes: z.number().int(), asOf: instant }),
  previousMonth: z.object({ month: z.string(), total: kopecks() }),
  asOf: instant,
});
