import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acceptFamilyAction, inviteFamilyAction, leaveFamilyAction, perform, removeFamilyMemberAction, setFamilyLimitAction, setFamilyPlanAction } from '../../../domain/actions/registry.ts';
import type { Core } from '../../../domain/core.ts';
import { getFamily } from '../../../domain/family/get-family.ts';
import { ctxOf } from '../context.ts';

const params = z.object({ msisdn: z.string().min(1).max(32).describe('`me` for the subscriber logged in, or a phone number') });
const memberParams = params.extend({ member: z.string().min(1).max(32) });
const tag = { tags: ['family'] };

const familySchema = z.object({
  msisdn: z.string(),
  role: z.enum(['head', 'member', 'none']),
  maxMembers: z.number().int(),
  plan: z.enum(['shared_package', 'head_pays', 'both']).nullable().describe("What the group shares: members draw on the head's packages, the head pays their fees, or both; null: no group"),
  members: z.array(z.object({ msisdn: z.string(), status: z.enum(['invited', 'active']), monthlyLimit: z.number().int().nullable(), spentThisMonth: z.number().int().nullable() })).describe('Head only: members and open invitations'),
  head: z.string().nullable().describe("Member only: the head's number"),
  monthlyLimit: z.number().int().nullable().describe("Member only: the head's limit of one's charges a month, kopecks"),
  spentThisMonth: z.number().int().nullable(),
  invitation: z.object({ from: z.string(), expiresAt: z.string() }).nullable(),
});

/** The family group: the number's view of it, invitations, joining, leaving, removing, limits. */
export async function familyRoutes(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/subscribers/:msisdn/family';
  r.get(base, { schema: { ...tag, summary: "The number's family group as it may see it", params, response: { 200: familySchema } } }, async (req) => getFamily(core, ctxOf(req), req.params));
  r.post(`${base}/invitations`, { schema: { ...tag, summary: 'Invite a number (the head; the group is made with the first invitation)', params, body: inviteFamilyAction.input } }, async (req, reply) =>
    reply.status(201).send(await perform(core, ctxOf(req), inviteFamilyAction, req.params.msisdn, req.body)),
  );
  r.post(`${base}/accept`, { schema: { ...tag, summary: 'Join the group one is invited to', params } }, async (req) => perform(core, ctxOf(req), acceptFamilyAction, req.params.msisdn, {}));
  r.post(`${base}/leave`, { schema: { ...tag, summary: 'Leave the group (a member)', params } }, async (req) => perform(core, ctxOf(req), leaveFamilyAction, req.params.msisdn, {}));
  r.delete(`${base}/members/:member`, { schema: { ...tag, summary: 'Remove a member or withdraw an invitation (the head)', params: memberParams } }, async (req) =>
    perform(core, ctxOf(req), removeFamilyMemberAction, req.params.msisdn, { member: req.params.member }),
  );
  r.put(`${base}/plan`, { schema: { ...tag, summary: 'Choose what the group shares (the head)', params, body: setFamilyPlanAction.input } }, async (req) =>
    perform(core, ctxOf(req), setFamilyPlanAction, req.params.msisdn, req.body),
  );
  r.put(
    `${base}/members/:member/limit`,
    { schema: { ...tag, summary: "Set a member's monthly limit (the head)", params: memberParams, body: z.object({ limit: z.number().int().min(0).max(100_000_000).nullable() }) } },
    async (req) => perform(core, ctxOf(req), setFamilyLimitAction, req.params.msisdn, { member: req.params.member, limit: req.body.limit }),
  );
}
