import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../../domain/core.ts';
import { BILL_CATEGORIES, explainBillChange } from '../../../domain/reports/explain-bill-change.ts';
import { ctxOf } from '../context.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const kopecks = z.number().int();
const localized = z.object({ ru: z.string(), en: z.string() });

const billChangeSchema = z.object({
  msisdn: z.string(),
  month: z.string().describe('YYYY-MM, a calendar month of local time'),
  previousMonth: z.string(),
  timeZone: z.string(),
  total: z.object({ thisMonth: kopecks, lastMonth: kopecks, change: kopecks }),
  categories: z.array(z.object({ category: z.enum(BILL_CATEGORIES), thisMonth: kopecks, lastMonth: kopecks, change: kopecks })),
  changes: z.array(
    z.object({
      subject: z.string().describe('`tariff:<code>`, `product:<code>`, `usage:<category>` or `charge:<kind>`'),
      category: z.enum(BILL_CATEGORIES),
      thisMonth: kopecks,
      lastMonth: kopecks,
      change: kopecks,
      text: localized.describe('The change in words: show it as it is'),
    }),
  ),
});

/** "Why did my bill change": a month's charges against the month before, by category and cause. */
export async function billChangeRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/subscribers/:msisdn/bill-change',
    {
      schema: {
        tags: ['reports'],
        summary: 'Why the bill changed: a month (this one by default) against the one before, by category, with the largest changes in words',
        params,
        querystring: z.object({ month: z.string().max(7).optional().describe('YYYY-MM; this month by default') }),
        response: { 200: billChangeSchema },
      },
    },
    async (req) => explainBillChange(core, ctxOf(req), { msisdn: req.params.msisdn, ...(req.query.month ? { month: req.query.month } : {}) }),
  );
}
