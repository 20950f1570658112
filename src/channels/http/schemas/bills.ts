import { z } from 'zod';
import { LINE_TYPES } from '../../../domain/bills/lines.ts';

export const billLineSchema = z.object({
  type: z.enum(LINE_TYPES).describe('What the line is for: fees, packages, paid content, usage by kind, one-off charges, payments, refunds, adjustments, promised payments'),
  msisdn: z.string().nullable().describe('The number the line is for (contract bills); null on a subscriber bill'),
  amount: z.number().int().describe('Kopecks, signed: charges negative, money in positive'),
  count: z.number().int().describe('Ledger entries the line sums'),
});

export const billSchema = z.object({
  id: z.string(),
  number: z.string(),
  period: z.string().describe("YYYY-MM in the billing account's local time"),
  periodStart: z.string(),
  periodEnd: z.string(),
  timeZone: z.string(),
  issuedAt: z.string(),
  language: z.enum(['ru', 'en']),
  currency: z.string(),
  msisdn: z.string().nullable(),
  contract: z.string().nullable(),
  openingBalance: z.number().int().describe('Kopecks'),
  closingBalance: z.number().int().describe('Kopecks'),
  charges: z.number().int().describe('Kopecks charged for services in the month'),
  credits: z.number().int().describe('Net kopecks of payments, refunds, adjustments and promised payments'),
  lines: z.array(billLineSchema),
});

export const billListSchema = z.object({ msisdn: z.string(), items: z.array(billSchema) });
export const contractBillListSchema = z.object({ items: z.array(billSchema) });
export const billSentSchema = z.union([
  z.object({ channel: z.literal('sms'), msisdn: z.string().describe('The number the SMS goes to'), smsId: z.number().int() }),
  z.object({ channel: z.literal('email'), email: z.string().describe('The address the e-mail goes to'), mailId: z.number().int() }),
]);

/** How a bill's link is sent: by SMS (the default) or by e-mail to the profile's (the login's) address. */
export const billSendBodySchema = z
  .object({ channel: z.enum(['sms', 'email']).default('sms').describe('`sms` (the default) or `email`') })
  .strict()
  .nullish();
