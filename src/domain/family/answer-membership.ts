import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { formatMsisdn, requireMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { FAMILY_MAX_MEMBERS, familyRefusal, headedGroup, membership, type FamilyPlan } from './family-rules.ts';

/** The open invitation of a number, if any (the latest). */
export async function openInvitation(core: Core, subscriberId: number): Promise<{ groupId: number; head: string; expiresAt: Date } | null> {
  const [r] = await core.db.query<{ group_id: number; head: string; expires_at: Date }>(
    `SELECT m.group_id, s.msisdn AS head, m.expires_at FROM family_member m JOIN family_group g ON g.id = m.group_id JOIN subscriber s ON s.id = g.head_subscriber_id
      WHERE m.subscriber_id = $1 AND m.status = 'invited' AND m.expires_at > $2 ORDER BY m.invited_at DESC LIMIT 1`,
    [subscriberId, core.clock.now()],
  );
  return r ? { groupId: Number(r.group_id), head: r.head, expiresAt: r.expires_at } : null;
}

/**
 * The invitee joins the group whose invitation is open (SMS "ДА" or the app). Under the group's
 * lock the size is checked again: two invitees answering at once never make a sixth member.
 */
export async function acceptFamilyInvitation(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ msisdn: string; head: string }> {
  return runUseCase(core, ctx, 'family.accept', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const now = core.clock.now();
    const [inv] = await tx.query<{ group_id: number; head_id: number; head: string }>(
      `SELECT m.group_id, g.head_subscriber_id AS head_id, s.msisdn AS head FROM family_member m JOIN family_group g ON g.id = m.group_id JOIN subscriber s ON s.id = g.head_subscriber_id
        WHERE m.subscriber_id = $1 AND m.status = 'invited' AND m.expires_at > $2 ORDER BY m.invited_at DESC LIMIT 1`,
      [sub.id, now],
    );
    if (!inv) throw familyRefusal('no_invitation');
    await tx.query('SELECT id FROM family_group WHERE id = $1 FOR UPDATE', [inv.group_id]);
    if (await membership(tx, sub.id)) throw familyRefusal('in_group');
    const own = await headedGroup(tx, sub.id);
    if (own) {
      const [n] = await tx.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM family_member WHERE group_id = $1 AND status = 'active'`, [own]);
      if (Number(n!.n) > 0) throw familyRefusal('head');
    }
    const [count] = await tx.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM family_member WHERE group_id = $1 AND status = 'active'`, [inv.group_id]);
    if (Number(count!.n) >= FAMILY_MAX_MEMBERS) throw familyRefusal('full');
    await tx.query(`UPDATE family_member SET status = 'active', joined_at = $3 WHERE group_id = $1 AND subscriber_id = $2`, [inv.group_id, sub.id, now]);
    // Other open invitations of the number lapse: it is in one group now.
    await tx.query(`DELETE FROM family_member WHERE subscriber_id = $1 AND status = 'invited'`, [sub.id]);
    const [head] = await tx.query<{ language: string; customer_id: number }>('SELECT language, customer_id FROM subscriber WHERE id = $1', [inv.head_id]);
    await enqueueSms(tx, {
      msisdn: inv.head,
      kind: 'family_joined',
      at: now,
      text: head?.language === 'en' ? `${formatMsisdn(sub.msisdn)} has joined your family group.` : `Номер ${formatMsisdn(sub.msisdn)} вступил в вашу семейную группу.`,
    });
    await recordAudit(tx, core, ctx, { action: 'family.accept', subscriberId: sub.id, customerId: sub.customerId, details: { head: inv.head } });
    await recordAudit(tx, core, ctx, { action: 'family.joined', subscriberId: Number(inv.head_id), customerId: head ? Number(head.customer_id) : null, details: { member: sub.msisdn } });
    return { msisdn: sub.msisdn, head: inv.head };
  });
}

/**
 * A member leaves (no `member`), or the head removes a member or withdraws an invitation
 * (`member`: its number). Nobody else can.
 */
export async function leaveFamily(core: Core, ctx: Ctx, input: { msisdn: string; member?: string }): Promise<{ msisdn: string; removed: string }> {
  return runUseCase(core, ctx, input.member ? 'family.remove' : 'family.leave', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    let groupId: number;
    let memberId: number;
    let removed: string;
    if (input.member) {
      const group = await headedGroup(tx, sub.id, true);
      if (!group) throw familyRefusal('not_head');
      const [m] = await tx.query<{ subscriber_id: number; msisdn: string }>(
        'SELECT m.subscriber_id, s.msisdn FROM family_member m JOIN subscriber s ON s.id = m.subscriber_id WHERE m.group_id = $1 AND s.msisdn = $2',
        [group, requireMsisdn(input.member)],
      );
      if (!m) throw familyRefusal('not_member');
      [groupId, memberId, removed] = [group, Number(m.subscriber_id), m.msisdn];
    } else {
      const m = await membership(tx, sub.id);
      if (!m) throw familyRefusal('not_member');
      await tx.query('SELECT id FROM family_group WHERE id = $1 FOR UPDATE', [m.groupId]);
      [groupId, memberId, removed] = [m.groupId, sub.id, sub.msisdn];
    }
    await tx.query('DELETE FROM family_member WHERE group_id = $1 AND subscriber_id = $2', [groupId, memberId]);
    await recordAudit(tx, core, ctx, { action: input.member ? 'family.remove' : 'family.leave', subscriberId: sub.id, customerId: sub.customerId, details: { member: removed } });
    return { msisdn: sub.msisdn, removed };
  });
}

/** The head sets (or clears, with null) a member's monthly limit of charges, in kopecks. */
export async function setFamilyLimit(core: Core, ctx: Ctx, input: { msisdn: string; member: string; limit: number | null }): Promise<{ member: string; monthlyLimit: number | null }> {
  return runUseCase(core, ctx, 'family.set_limit', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const group = await headedGroup(tx, sub.id, true);
    if (!group) throw familyRefusal('not_head');
    const rows = await tx.query<{ msisdn: string }>(
      `UPDATE family_member m SET monthly_limit = $3 FROM subscriber s
        WHERE s.id = m.subscriber_id AND m.group_id = $1 AND s.msisdn = $2 AND m.status = 'active' RETURNING s.msisdn`,
      [group, requireMsisdn(input.member), input.limit],
    );
    if (!rows[0]) throw familyRefusal('not_member');
    await recordAudit(tx, core, ctx, { action: 'family.set_limit', subscriberId: sub.id, customerId: sub.customerId, details: { member: rows[0].msisdn, limit: input.limit } });
    return { member: rows[0].msisdn, monthlyLimit: input.limit };
  });
}

/**
 * The head chooses what the group shares: members draw on the head's packages
 * (`shared_package`), the head pays members' fees (`head_pays`), or both. It applies from the
 * next record rated and the next fee charged.
 */
export async function setFamilyPlan(core: Core, ctx: Ctx, input: { msisdn: string; plan: FamilyPlan }): Promise<{ msisdn: string; plan: FamilyPlan }> {
  return runUseCase(core, ctx, 'family.set_plan', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const group = await headedGroup(tx, sub.id, true);
    if (!group) throw familyRefusal('not_head');
    await tx.query('UPDATE family_group SET plan = $2 WHERE id = $1', [group, input.plan]);
    await recordAudit(tx, core, ctx, { action: 'family.set_plan', subscriberId: sub.id, customerId: sub.customerId, details: { plan: input.plan } });
    return { msisdn: sub.msisdn, plan: input.plan };
  });
}
