import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exchangePointsAction, perform } from '../../../domain/actions/registry.ts';
import { getBonusBalance } from '../../../domain/bonus/get-bonus-balance.ts';
import { getBonusHistory } from '../../../domain/bonus/get-bonus-history.ts';
import { listRewards } from '../../../domain/bonus/list-rewards.ts';
import type { Core } from '../../../domain/core.ts';
import { createInstallmentPlan, MAX_INSTALLMENT_MONTHS, MAX_INSTALLMENT_TOTAL } from '../../../domain/installments/create-installment-plan.ts';
import { getInstallments } from '../../../domain/installments/get-installments.ts';
import { payInstallment } from '../../../domain/installments/pay-installment.ts';
import { ctxOf } from '../context.ts';
import { nextCursor, pageQuery } from '../paging.ts';
import { wholeNumber } from '../../../domain/shared/strict-input.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const planParams = params.extend({ id: wholeNumber({ min: 1, max: Number.MAX_SAFE_INTEGER }) });
const bonusTag = { tags: ['bonus'] };
const installmentTag = { tags: ['installments'] };

/** Bonus points (balance, history, rewards, exchange) and device installment plans of a number. */
export async function bonusInstallmentRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/subscribers/:msisdn';

  r.get(`${base}/bonus`, { schema: { ...bonusTag, summary: 'Bonus points and what of them expires soon', params } }, async (req) =>
    getBonusBalance(core, ctxOf(req), req.params),
  );
  r.get(
    `${base}/bonus/history`,
    {
      schema: {
        ...bonusTag,
        summary: 'Points earned (a line per month), spent and expired, newest first, a page at a time (cursor)',
        params,
        querystring: z.object(pageQuery),
        response: {
          200: z.object({
            msisdn: z.string(),
            items: z.array(
              z.object({
                id: z.number().int(),
                at: z.string(),
                kind: z.enum(['earn', 'spend', 'expire']),
                points: z.number().int().describe('Signed: earned points positive, spent and expired negative'),
                rewardCode: z.string().nullable(),
                reference: z.string().nullable(),
                period: z.string().nullable().describe("For a month's points (`earn`), the month they were earned in, e.g. `2026-11`"),
              }),
            ),
            nextCursor,
          }),
        },
      },
    },
    async (req) => getBonusHistory(core, ctxOf(req), { msisdn: req.params.msisdn, ...req.query }),
  );
  r.get(`${base}/bonus/rewards`, { schema: { ...bonusTag, summary: 'Rewards points can be exchanged for', params } }, async (req) =>
    listRewards(core, ctxOf(req), req.params),
  );
  r.post(
    `${base}/bonus/exchange`,
    {
      schema: {
        ...bonusTag,
        summary: 'Exchange points for a reward (send Idempotency-Key to make repeats safe)',
        params,
        body: exchangePointsAction.input,
      },
    },
    async (req) => perform(core, ctxOf(req), exchangePointsAction, req.params.msisdn, req.body),
  );

  r.get(`${base}/installments`, { schema: { ...installmentTag, summary: 'Device installment plans with their schedules', params } }, async (req) =>
    getInstallments(core, ctxOf(req), req.params),
  );
  r.post(
    `${base}/installments`,
    {
      schema: {
        ...installmentTag,
        summary: 'Open a device installment plan (operator staff, or the subscriber in the shop)',
        params,
        body: z.object({
          deviceName: z.string().trim().min(1).max(200),
          total: z.number().int().min(1).max(MAX_INSTALLMENT_TOTAL).describe('kopecks'),
          months: z.number().int().min(1).max(MAX_INSTALLMENT_MONTHS),
        }),
      },
    },
    async (req, reply) => {
      const res = await createInstallmentPlan(core, ctxOf(req), { msisdn: req.params.msisdn, ...req.body });
      return reply.status(201).send(res);
    },
  );
  r.post(
    `${base}/installments/:id/pay`,
    {
      schema: {
        ...installmentTag,
        summary: 'Pay the next installment now, or everything left with `early`',
        params: planParams,
        body: z.object({ early: z.boolean().default(false) }).default({ early: false }),
      },
    },
    async (req) => payInstallment(core, ctxOf(req), { msisdn: req.params.msisdn, planId: req.params.id, early: req.body.early }),
  );
}
