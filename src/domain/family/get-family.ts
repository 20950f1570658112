import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { openInvitation } from './answer-membership.ts';
import { FAMILY_MAX_MEMBERS, headedGroup, memberSpending, membership, type FamilyPlan } from './family-rules.ts';

export interface FamilyView {
  msisdn: string;
  role: 'head' | 'member' | 'none';
  maxMembers: number;
  /** What the group shares (null: no group): the head's packages, the members' fees paid by the head, or both. */
  plan: FamilyPlan | null;
  /** Head: every member and open invitation with its limit and this month's charges. */
  members: { msisdn: string; status: 'invited' | 'active'; monthlyLimit: number | null; spentThisMonth: number | null }[];
  /** Member: the head's number, their own limit and charges this month. */
  head: string | null;
  monthlyLimit: number | null;
  spentThisMonth: number | null;
  /** An invitation waiting for this number's answer. */
  invitation: { from: string; expiresAt: string } | null;
}

/**
 * The number's family group as it may see it: the head sees each member's limit and spending; a
 * member sees only the head's number and their own limit and spending; nobody else sees the group.
 */
export async function getFamily(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<FamilyView> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const now = core.clock.now();
  const inv = await openInvitation(core, sub.id);
  const base: FamilyView = {
    msisdn: sub.msisdn,
    role: 'none',
    maxMembers: FAMILY_MAX_MEMBERS,
    plan: null,
    members: [],
    head: null,
    monthlyLimit: null,
    spentThisMonth: null,
    invitation: inv ? { from: inv.head, expiresAt: inv.expiresAt.toISOString() } : null,
  };
  const m = await membership(core.db, sub.id);
  if (m) {
    const [head] = await core.db.query<{ msisdn: string }>('SELECT msisdn FROM subscriber WHERE id = $1', [m.headId]);
    const spent = (await memberSpending(core.db, now, [sub.id])).get(sub.id)?.spent ?? 0;
    return { ...base, role: 'member', plan: m.plan, head: head?.msisdn ?? null, monthlyLimit: m.monthlyLimit, spentThisMonth: spent };
  }
  const group = await headedGroup(core.db, sub.id);
  if (!group) return base;
  const rows = await core.db.query<{ id: number; msisdn: string; status: 'invited' | 'active'; monthly_limit: number | null; plan: FamilyPlan }>(
    `SELECT s.id, s.msisdn, m.status, m.monthly_limit, g.plan
       FROM family_member m JOIN family_group g ON g.id = m.group_id JOIN subscriber s ON s.id = m.subscriber_id
      WHERE m.group_id = $1 AND (m.status = 'active' OR m.expires_at > $2) ORDER BY m.status, s.msisdn`,
    [group, now],
  );
  const spending = await memberSpending(core.db, now, rows.filter((r) => r.status === 'active').map((r) => Number(r.id)));
  const members = rows.map((r) => ({
    msisdn: r.msisdn,
    status: r.status,
    monthlyLimit: r.monthly_limit === null ? null : Number(r.monthly_limit),
    spentThisMonth: r.status === 'active' ? spending.get(Number(r.id))?.spent ?? 0 : null,
  }));
  if (members.length === 0) return base;
  const [g] = await core.db.query<{ plan: FamilyPlan }>('SELECT plan FROM family_group WHERE id = $1', [group]);
  return { ...base, role: 'head', plan: g?.plan ?? null, members };
}
