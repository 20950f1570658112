import { DateTime } from 'luxon';
import type { Queryable } from '../../store/db.ts';
import { DomainError } from '../shared/errors.ts';

/** Members a group may have besides its head. */
export const FAMILY_MAX_MEMBERS = 5;
/** How long an invitation waits for the invitee's answer. */
export const FAMILY_INVITE_MS = 24 * 3_600_000;

export const familyRefusal = (reason: string) => new DomainError('FAMILY_NOT_ALLOWED', { reason });

/** The group a number heads, locked when asked (membership changes of one group run one after another). */
export async function headedGroup(q: Queryable, subscriberId: number, lock = false): Promise<number | null> {
  const [g] = await q.query<{ id: number }>(`SELECT id FROM family_group WHERE head_subscriber_id = $1${lock ? ' FOR UPDATE' : ''}`, [subscriberId]);
  return g ? Number(g.id) : null;
}

/** The group a number is an active member of, with its head. */
export async function membership(q: Queryable, subscriberId: number): Promise<{ groupId: number; headId: number; monthlyLimit: number | null } | null> {
  const [m] = await q.query<{ group_id: number; head: number; monthly_limit: number | null }>(
    `SELECT m.group_id, g.head_subscriber_id AS head, m.monthly_limit FROM family_member m JOIN family_group g ON g.id = m.group_id
      WHERE m.subscriber_id = $1 AND m.status = 'active'`,
    [subscriberId],
  );
  return m ? { groupId: Number(m.group_id), headId: Number(m.head), monthlyLimit: m.monthly_limit === null ? null : Number(m.monthly_limit) } : null;
}

/** What a number was charged (fees and usage) in the current calendar month of its region. */
export async function spentThisMonth(q: Queryable, sub: { accountId: number; id: number; timeZone: string }, now: Date): Promise<number> {
  const start = DateTime.fromJSDate(now, { zone: sub.timeZone }).startOf('month').toJSDate();
  const [r] = await q.query<{ n: number }>(
    `SELECT COALESCE(SUM(-amount), 0)::bigint AS n FROM ledger_entry
      WHERE account_id = $1 AND subscriber_id = $2 AND amount < 0 AND kind IN ('fee', 'usage') AND created_at >= $3`,
    [sub.accountId, sub.id, start],
  );
  return Number(r!.n);
}
