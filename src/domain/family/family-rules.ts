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
export async function membership(q: Queryable, subscriberId: number): Promise<{ groupId: number; headId: number; monthlyLimit: number | null; plan: FamilyPlan } | null> {
  const [m] = await q.query<{ group_id: number; head: number; monthly_limit: number | null; plan: FamilyPlan }>(
    `SELECT m.group_id, g.head_subscriber_id AS head, m.monthly_limit, g.plan FROM family_member m JOIN family_group g ON g.id = m.group_id
      WHERE m.subscriber_id = $1 AND m.status = 'active'`,
    [subscriberId],
  );
  return m ? { groupId: Number(m.group_id), headId: Number(m.head), monthlyLimit: m.monthly_limit === null ? null : Number(m.monthly_limit), plan: m.plan } : null;
}

/** What a group shares: members draw on the head's packages, the head pays their fees, or both. */
export type FamilyPlan = 'shared_package' | 'head_pays' | 'both';
export const FAMILY_PLANS: readonly FamilyPlan[] = ['shared_package', 'head_pays', 'both'];
export const sharesPackage = (plan: FamilyPlan) => plan !== 'head_pays';
export const headPays = (plan: FamilyPlan) => plan !== 'shared_package';

/**
 * Each active member's monthly limit and charges this calendar month of its region (fees and
 * usage booked on the member, whichever account paid them: its own or, when the head pays, the
 * head's). `limitedOnly`: only members with a limit (what rating judges).
 */
export async function memberSpending(q: Queryable, at: Date, subscriberIds: number[], limitedOnly = false): Promise<Map<number, { limit: number | null; spent: number }>> {
  if (subscriberIds.length === 0) return new Map();
  const rows = await q.query<{ id: number; lim: number | null; spent: number }>(
    `SELECT m.subscriber_id AS id, m.monthly_limit AS lim, sp.spent
       FROM family_member m JOIN family_group g ON g.id = m.group_id JOIN subscriber h ON h.id = g.head_subscriber_id
       JOIN subscriber n ON n.id = m.subscriber_id JOIN region r ON r.code = n.region_code
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(-e.amount), 0)::bigint AS spent FROM ledger_entry e
         WHERE e.account_id IN (n.account_id, h.account_id) AND e.subscriber_id = n.id AND e.amount < 0 AND e.kind IN ('fee', 'usage')
           AND e.created_at >= date_trunc('month', $1::timestamptz AT TIME ZONE r.time_zone) AT TIME ZONE r.time_zone) sp
      WHERE m.subscriber_id = ANY($2::bigint[]) AND m.status = 'active'${limitedOnly ? ' AND m.monthly_limit IS NOT NULL' : ''}`,
    [at, subscriberIds],
  );
  return new Map(rows.map((r) => [Number(r.id), { limit: r.lim === null ? null : Number(r.lim), spent: Number(r.spent) }]));
}

/** The account that pays a number's charges, and what it may spend. */
export interface Payer {
  accountId: number;
  balance: number;
  creditLimit: number;
  /** The head's number, when the head pays. */
  headMsisdn: string | null;
}

/**
 * Who pays a number's one-off charges (connection fees, one-off prices, a tariff switch, lifting
 * the data cap): the head's account, locked, when the number is an active member of a group whose
 * plan has the head pay (as the fee run pays its recurring fees) and the head's account is not a
 * contract's credit pool; otherwise the number's own account, as `own` gives it. A caller that
 * charges it loads the number with `loadSubscriber(…, { lock: true, payer: true })`, which locks
 * both accounts up front in id order (the order rating takes them); the lock here is then one the
 * transaction already holds.
 */
export async function familyPayer(q: Queryable, subscriberId: number, own: { accountId: number; balance: number; creditLimit: number }, lock = true): Promise<Payer> {
  const [h] = await q.query<{ id: number; balance: number; credit_limit: number; msisdn: string }>(
    `SELECT a.id, a.balance, a.credit_limit, h.msisdn
       FROM family_member m JOIN family_group g ON g.id = m.group_id AND g.plan <> 'shared_package'
       JOIN subscriber h ON h.id = g.head_subscriber_id JOIN account a ON a.id = h.account_id AND a.pool_contract_id IS NULL
      WHERE m.subscriber_id = $1 AND m.status = 'active'${lock ? ' FOR UPDATE OF a' : ''}`,
    [subscriberId],
  );
  return h
    ? { accountId: Number(h.id), balance: Number(h.balance), creditLimit: Number(h.credit_limit), headMsisdn: h.msisdn }
    : { ...own, headMsisdn: null };
}
