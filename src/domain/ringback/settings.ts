import { jsonRows, type Queryable, type Tx } from '../../store/db.ts';
import type { Melody } from '../catalog/schema.ts';
import { hhmm, type ToneRule } from './choose-tone.ts';
import { RINGBACK_PRODUCT } from './melodies.ts';
import type { RingbackState } from './ringback-port.ts';

export interface LibraryItem {
  melody: Melody;
  status: 'active' | 'suspended';
  boughtAt: string;
  nextChargeAt: string;
}

export type RingbackService = 'off' | 'active' | 'suspended' | 'held';

/** The service's state as the product instance records it (`limit_suspended`: the company's hold). */
export function serviceOf(status: string | undefined): RingbackService {
  if (!status) return 'off';
  if (status === 'active') return 'active';
  return status === 'limit_suspended' ? 'held' : 'suspended';
}

export interface RingbackSettings {
  /**
   * The service "Гудок": off (not connected), active, `suspended` for want of money (a top-up
   * resumes it), or `held` by the company's spending limit with "block paid extras" (a top-up does
   * not release it; the contract's administrator or the next month does).
   */
  service: RingbackService;
  library: LibraryItem[];
  rules: (ToneRule & { from: string | null; to: string | null })[];
}

export async function readRules(q: Queryable, subscriberId: number): Promise<ToneRule[]> {
  const rows = await q.query<{ id: string | number; melody: string; callers: string[] | null; group: string | null; from_minute: number | null; to_minute: number | null }>(
    `SELECT id, melody_code AS melody, callers, group_name AS "group", from_minute, to_minute
       FROM ringback_rule WHERE subscriber_id = $1 ORDER BY id`,
    [subscriberId],
  );
  return rows.map((r) => ({ id: Number(r.id), melody: r.melody, callers: r.callers, group: r.group, fromMinute: r.from_minute, toMinute: r.to_minute }));
}

/** The number's ringback settings: the service's state, its library, its rules. */
export async function readRingback(q: Queryable, sub: { id: number; accountId: number }): Promise<RingbackSettings> {
  const [service] = await q.query<{ status: string }>(
    "SELECT status FROM product_instance WHERE account_id = $1 AND subscriber_id = $2 AND product_code = $3 AND status <> 'disabled'",
    [sub.accountId, sub.id, RINGBACK_PRODUCT],
  );
  const library = await jsonRows<LibraryItem>(
    q,
    `SELECT m.spec AS melody, t.status, t.bought_at AS "boughtAt", t.next_charge_at AS "nextChargeAt"
       FROM ringback_tone t JOIN ringback_melody m ON m.code = t.melody_code
      WHERE t.account_id = $1 AND t.subscriber_id = $2 AND t.status <> 'removed'
      ORDER BY t.bought_at, t.id`,
    [sub.accountId, sub.id],
  );
  const rules = (await readRules(q, sub.id)).map((r) => ({ ...r, from: r.fromMinute === null ? null : hhmm(r.fromMinute), to: r.toMinute === null ? null : hhmm(r.toMinute) }));
  return { service: serviceOf(service?.status), library, rules };
}

/**
 * Queues the number's ringback state for the platform, in the change's transaction: one push per
 * change, with the next version. The `ringback-push` job delivers it.
 */
export async function queueRingbackPush(tx: Tx, sub: { id: number; accountId: number; msisdn: string; timeZone: string }, now: Date): Promise<void> {
  const s = await readRingback(tx, sub);
  const [v] = await tx.query<{ version: number }>('SELECT coalesce(max(version), 0) + 1 AS version FROM ringback_push WHERE subscriber_id = $1', [sub.id]);
  const state: RingbackState = {
    msisdn: sub.msisdn,
    version: Number(v!.version),
    active: s.service === 'active',
    melodies: s.library.filter((t) => t.status === 'active').map((t) => t.melody.code),
    rules: s.rules.map((r) => ({ id: r.id, melody: r.melody, callers: r.callers, group: r.group, from: r.from, to: r.to })),
    timeZone: sub.timeZone,
    changedAt: now.toISOString(),
  };
  await tx.query('INSERT INTO ringback_push (subscriber_id, version, body, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4)', [sub.id, state.version, JSON.stringify(state), now]);
}
