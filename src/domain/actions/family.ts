import { z } from 'zod';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { readOnlyRefusal } from '../subscribers/access.ts';
import { acceptFamilyInvitation, leaveFamily, setFamilyLimit, setFamilyPlan } from '../family/answer-membership.ts';
import { FAMILY_PLANS, type FamilyPlan } from '../family/family-rules.ts';
import { getFamily, type FamilyView } from '../family/get-family.ts';
import { inviteFamilyMember, type InviteResult } from '../family/invite-member.ts';
import { confirmationFor } from './confirmation.ts';
import type { Action, Offer, Refusal } from './types.ts';

const phone = z.string().min(1).max(32);

/** Every family action offers the number's view of its group; each judges its own input. */
async function offerOf(core: Core, ctx: Ctx, msisdn: string, action: Offer<FamilyView>['action'], judge: (v: FamilyView) => { refusal: Refusal | null; shown: boolean }): Promise<Offer<FamilyView>> {
  const view = await getFamily(core, ctx, { msisdn });
  const readOnly = readOnlyRefusal(ctx.actor);
  const j = judge(view);
  return { action, refusal: readOnly ? { code: readOnly.code, params: readOnly.params } : j.refusal, shown: j.shown, facts: null, details: view };
}
const refuse = (reason: string): Refusal => ({ code: 'FAMILY_NOT_ALLOWED', params: { reason } });

/** What is wrong with the number to invite that the offer can see: not a number, or one's own. */
function inviteeRefusal(v: FamilyView, to: string | undefined): Refusal | null {
  if (to === undefined) return null;
  const n = normalizeMsisdn(to);
  return !n ? refuse('number') : n === v.msisdn ? refuse('self') : null;
}

/** The head invites a number (free). Refused: FAMILY_NOT_ALLOWED {reason: in_group, full, number, self, recipient, head}. */
export const inviteFamilyAction: Action<{ to?: string }, { to: string }, InviteResult, FamilyView> = {
  id: 'family.invite',
  summary: 'Invite a number into the family group',
  input: z.object({ to: phone }),
  offer: (core, ctx, t) =>
    offerOf(core, ctx, t.msisdn, 'family.invite', (v) =>
      v.role === 'member' ? { refusal: refuse('in_group'), shown: false } : { refusal: v.members.length >= v.maxMembers ? refuse('full') : inviteeRefusal(v, t.to), shown: true },
    ),
  confirmation: (_o, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => inviteFamilyMember(core, ctx, { msisdn: i.msisdn, to: i.to }),
};

/** The invitee joins (SMS "ДА" or the app). Refused: FAMILY_NOT_ALLOWED {reason: no_invitation, full, in_group, head}. */
export const acceptFamilyAction: Action<object, Record<string, never>, { msisdn: string; head: string }, FamilyView> = {
  id: 'family.accept',
  summary: 'Join the family group one is invited to',
  input: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  offer: (core, ctx, t) => offerOf(core, ctx, t.msisdn, 'family.accept', (v) => ({ refusal: v.invitation ? null : refuse('no_invitation'), shown: v.invitation !== null })),
  confirmation: (_o, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => acceptFamilyInvitation(core, ctx, { msisdn: i.msisdn }),
};

/** A member leaves the group. Refused: FAMILY_NOT_ALLOWED {reason: not_member}. */
export const leaveFamilyAction: Action<object, Record<string, never>, { msisdn: string; removed: string }, FamilyView> = {
  id: 'family.leave',
  summary: 'Leave the family group',
  input: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  offer: (core, ctx, t) => offerOf(core, ctx, t.msisdn, 'family.leave', (v) => ({ refusal: v.role === 'member' ? null : refuse('not_member'), shown: v.role === 'member' })),
  confirmation: (_o, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => leaveFamily(core, ctx, { msisdn: i.msisdn }),
};

/** The head removes a member or withdraws an invitation. Refused: FAMILY_NOT_ALLOWED {reason: not_head, not_member}. */
export const removeFamilyMemberAction: Action<{ member?: string }, { member: string }, { msisdn: string; removed: string }, FamilyView> = {
  id: 'family.remove',
  summary: 'Remove a member from the family group',
  input: z.object({ member: phone }),
  offer: (core, ctx, t) => offerOf(core, ctx, t.msisdn, 'family.remove', (v) => ({ refusal: v.role === 'head' ? null : refuse('not_head'), shown: v.role === 'head' })),
  confirmation: (_o, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => leaveFamily(core, ctx, { msisdn: i.msisdn, member: i.member }),
};

/** The head sets a member's monthly limit of charges (kopecks; null clears it). */
export const setFamilyLimitAction: Action<{ member?: string }, { member: string; limit: number | null }, { member: string; monthlyLimit: number | null }, FamilyView> = {
  id: 'family.set_limit',
  summary: "Set a family member's monthly limit",
  input: z.object({ member: phone, limit: z.number().int().min(0).max(100_000_000).nullable().describe('Kopecks a month; null: no limit') }),
  offer: (core, ctx, t) => offerOf(core, ctx, t.msisdn, 'family.set_limit', (v) => ({ refusal: v.role === 'head' ? null : refuse('not_head'), shown: v.role === 'head' })),
  confirmation: (_o, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => setFamilyLimit(core, ctx, { msisdn: i.msisdn, member: i.member, limit: i.limit }),
};

/** The head chooses what the group shares: the head's packages, the members' fees, or both. Refused: FAMILY_NOT_ALLOWED {reason: not_head}. */
export const setFamilyPlanAction: Action<object, { plan: FamilyPlan }, { msisdn: string; plan: FamilyPlan }, FamilyView> = {
  id: 'family.set_plan',
  summary: 'Choose what the family group shares',
  input: z.object({ plan: z.enum(FAMILY_PLANS as [FamilyPlan, ...FamilyPlan[]]).describe("shared_package: members draw on the head's packages; head_pays: the head pays members' fees; both") }),
  offer: (core, ctx, t) => offerOf(core, ctx, t.msisdn, 'family.set_plan', (v) => ({ refusal: v.role === 'head' ? null : refuse('not_head'), shown: v.role === 'head' })),
  confirmation: (_o, channel) => confirmationFor('change', channel),
  run: (core, ctx, i) => setFamilyPlan(core, ctx, { msisdn: i.msisdn, plan: i.plan }),
};
