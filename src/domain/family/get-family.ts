import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { openInvitation } from './answer-membership.ts';
import { FAMILY_MAX_MEMBERS, headedGroup, membership, spentThisMonth } from './family-rules.ts';

export interface FamilyView {
  msisdn: string;
  role: 'head' | 'member' | 'none';
  maxMembers: number;
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
    members: [],
    head: null,
    monthlyLimit: null,
    spentThisMonth: null,
    invitation: inv ? { from: inv.head, expiresAt: inv.expiresAt.toISOString() } : null,
  };
  const m = await membership(core.db, sub.id);
  if (m) {
    const [head] = await core.db.query<{ msisdn: string }>('SELECT msisdn FROM subscriber WHERE id = $1', [m.headId]);
    return { ...base, role: 'member', head: head?.msisdn ?? null, monthlyLimit: m.monthlyLimit, spentThisMonth: await spentThisMonth(core.db, sub, now) };
  }
  const group = await headedGroup(core.db, sub.id);
  if (!group) return base;
  const rows = await core.db.query<{ id: number; account_id: number; msisdn: string; time_zone: string; status: 'invited' | 'active'; monthly_limit: number | null; expires_at: Date }>(
    `SELECT s.id, s.account_id, s.msisdn, r.time_zone, m.status, m.monthly_limit, m.expires_at
       FROM family_member m JOIN subscriber s ON s.id = m.subscriber_id JOIN region r ON r.code = s.region_code
      WHERE m.group_id = $1 AND (m.status = 'active' OR m.expires_at > $2) ORDER BY m.status, s.msisdn`,
    [group, now],
  );
  const members = [];
  for (const r of rows) {
    const spent = r.status === 'active' ? await spentThisMonth(core.db, { accountId: Number(r.account_id), id: Number(r.id), timeZone: r.time_zone }, now) : null;
    members.push({ msisdn: r.msisdn, status: r.status, monthlyLimit: r.monthly_limit === null ? null : Number(r.monthly_limit), spentThisMonth: spent });
  }
  return { ...base, role: members.some((x) => x.status === 'active') || members.length > 0 ? 'head' : 'none', members };
}
