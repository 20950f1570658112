import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { isDomainError, mustExist } from '../shared/errors.ts';
import { formatMsisdn, normalizeMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { findRecipient } from '../sharing/share-rules.ts';
import { FAMILY_INVITE_MS, FAMILY_MAX_MEMBERS, familyRefusal, headedGroup, membership } from './family-rules.ts';

export interface InviteResult {
  msisdn: string;
  invited: string;
  expiresAt: string;
}

/**
 * The head invites a number of the operator into the family group (made with the first
 * invitation): at most FAMILY_MAX_MEMBERS members and open invitations together; not a number in
 * another group, nor the head of one. The invitee gets an SMS and answers "ДА" or in the app.
 */
export async function inviteFamilyMember(core: Core, ctx: Ctx, input: { msisdn: string; to: string }): Promise<InviteResult> {
  return runUseCase(core, ctx, 'family.invite', async (tx, subject) => {
    const head = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = head.id;
    subject.customerId = head.customerId;
    if (await membership(tx, head.id)) throw familyRefusal('in_group');
    const to = normalizeMsisdn(input.to);
    if (!to) throw familyRefusal('number');
    const invitee = await findRecipient(tx, head, to).catch((e: unknown) => {
      // The sharing lookup's refusals (not ours, one's own number) in the family's words.
      if (isDomainError(e) && e.code === 'SHARE_NOT_ALLOWED') throw familyRefusal(String(e.params.reason));
      throw e;
    });
    const now = core.clock.now();
    await tx.query('INSERT INTO family_group (head_subscriber_id, created_at) VALUES ($1, $2) ON CONFLICT (head_subscriber_id) DO NOTHING', [head.id, now]);
    const groupId = mustExist(await headedGroup(tx, head.id, true), 'family group');
    if (await membership(tx, invitee.id)) throw familyRefusal('in_group');
    if (await headedGroup(tx, invitee.id)) {
      const [n] = await tx.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM family_member m JOIN family_group g ON g.id = m.group_id WHERE g.head_subscriber_id = $1 AND m.status = 'active'`, [invitee.id]);
      if (Number(n!.n) > 0) throw familyRefusal('head');
    }
    const [count] = await tx.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM family_member WHERE group_id = $1 AND subscriber_id <> $2 AND (status = 'active' OR expires_at > $3)`,
      [groupId, invitee.id, now],
    );
    if (Number(count!.n) >= FAMILY_MAX_MEMBERS) throw familyRefusal('full');
    const expiresAt = new Date(now.getTime() + FAMILY_INVITE_MS);
    await tx.query(
      `INSERT INTO family_member (group_id, subscriber_id, status, invited_at, expires_at) VALUES ($1, $2, 'invited', $3, $4)
       ON CONFLICT (group_id, subscriber_id) DO UPDATE SET invited_at = EXCLUDED.invited_at, expires_at = EXCLUDED.expires_at`,
      [groupId, invitee.id, now, expiresAt],
    );
    await enqueueSms(tx, {
      msisdn: invitee.msisdn,
      kind: 'family_invite',
      at: now,
      text:
        invitee.language === 'ru'
          ? `Номер ${formatMsisdn(head.msisdn)} приглашает вас в семейную группу. Чтобы вступить, ответьте ДА в течение 24 часов или подтвердите в приложении.`
          : `${formatMsisdn(head.msisdn)} invites you to a family group. Reply YES within 24 hours or accept in the app to join.`,
    });
    await recordAudit(tx, core, ctx, { action: 'family.invite', subscriberId: head.id, customerId: head.customerId, details: { invited: invitee.msisdn } });
    await recordAudit(tx, core, ctx, { action: 'family.invited', subscriberId: invitee.id, customerId: invitee.customerId, details: { by: head.msisdn } });
    return { msisdn: head.msisdn, invited: invitee.msisdn, expiresAt: expiresAt.toISOString() };
  });
}
