import type { Queryable, Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Localized } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import { systemCtx, type Ctx } from '../shared/context.ts';
import { localDayOfMonth } from '../shared/local-time.ts';
import { localSql } from './period.ts';
import { pauseMelodies } from '../ringback/pause.ts';
import { RINGBACK_PRODUCT } from '../ringback/melodies.ts';
import { queueRingbackPush } from '../ringback/settings.ts';

/**
 * "Block paid extras" at work: when a number's monthly spending limit is reached with that action,
 * its connected paid extras (every product with a recurring fee: paid options, paid content
 * subscriptions) rest in status `limit_suspended`. The fee run charges only active products, and the
 * balance rules resume only `suspended` ones (out of money), so nothing is charged for them and a
 * top-up does not bring them back. They come back when the number's next local month begins, or
 * at once when an admin raises the limit above the month's spend or removes it.
 */

/** The SQL condition (product alias `p`) for a paid extra: a product with a recurring fee. */
export const PAID_EXTRA = `(p.spec->'fee'->>'model') IN ('daily', 'monthly') AND COALESCE((p.spec->'fee'->>'amount')::bigint, 0) > 0`;

export interface HeldExtra {
  code: string;
  name: Localized;
}

/**
 * Suspends the number's connected paid extras (active, or already out of money). The service
 * "Гудок" takes its melodies with it (suspended, charged nothing), and the ringback platform is told.
 */
export async function holdPaidExtras(tx: Tx, sub: { id: number; accountId: number; msisdn: string; timeZone: string }, now: Date): Promise<HeldExtra[]> {
  const held = byCode(await tx.query<HeldExtra>(
    `UPDATE product_instance i SET status = 'limit_suspended' FROM product p
      WHERE p.code = i.product_code AND i.account_id = $1 AND i.subscriber_id = $2 AND i.status IN ('active', 'suspended') AND ${PAID_EXTRA}
      RETURNING i.product_code AS code, p.spec->'name' AS name`,
    [sub.accountId, sub.id],
  ));
  if (held.some((h) => h.code === RINGBACK_PRODUCT)) {
    await pauseMelodies(tx, sub);
    await queueRingbackPush(tx, sub, now);
  }
  return held;
}

const byCode = (items: HeldExtra[]) => items.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

/** Paid extras held by the spending limit for each of the given numbers. */
export async function heldExtrasOf(q: Queryable, subscriberIds: number[]): Promise<Map<number, HeldExtra[]>> {
  const out = new Map<number, HeldExtra[]>();
  if (subscriberIds.length === 0) return out;
  const rows = await q.query<{ subscriber_id: number; code: string; name: Localized }>(
    `SELECT i.subscriber_id, i.product_code AS code, p.spec->'name' AS name FROM product_instance i JOIN product p ON p.code = i.product_code
      WHERE i.subscriber_id = ANY($1::bigint[]) AND i.status = 'limit_suspended' ORDER BY i.connected_at, i.id`,
    [subscriberIds],
  );
  for (const r of rows) out.set(Number(r.subscriber_id), [...(out.get(Number(r.subscriber_id)) ?? []), { code: r.code, name: r.name }]);
  return out;
}

const resumedText = {
  ru: (names: string) => `Платные услуги снова подключены: ${names}. Абонентская плата списывается как обычно.`,
  en: (names: string) => `Your paid extras are back on: ${names}. Their fees are charged as usual.`,
};

export function namesOf(items: HeldExtra[], lang: 'ru' | 'en'): string {
  return items.map((i) => (lang === 'en' ? `"${i.name.en}"` : `«${i.name.ru}»`)).join(', ');
}

export type ReleaseReason = 'new_month' | 'limit_raised' | 'limit_removed';

/**
 * Resumes the number's held extras, in the caller's transaction (which must hold the subscriber's
 * row lock). A product whose paid period ran out while it was held is due at once (the fee run
 * charges it, or suspends it if the money does not cover it) and re-anchored on today, so the held
 * weeks are never charged after the fact. Audited, and told to the employee by SMS.
 */
export async function releaseLimitHolds(
  tx: Tx,
  core: Core,
  ctx: Ctx,
  sub: { id: number; accountId: number; customerId: number | null; msisdn: string; language: 'ru' | 'en'; timeZone: string },
  reason: ReleaseReason,
  now: Date,
): Promise<HeldExtra[]> {
  const day = localDayOfMonth(now, sub.timeZone);
  const rows = byCode(await tx.query<HeldExtra>(
    `UPDATE product_instance i SET status = 'active',
            anchor_day = CASE WHEN i.next_charge_at IS NOT NULL AND i.next_charge_at <= $3 THEN $4 ELSE i.anchor_day END,
            next_charge_at = CASE WHEN i.next_charge_at IS NOT NULL AND i.next_charge_at <= $3 THEN $3 ELSE i.next_charge_at END
       FROM product p
      WHERE p.code = i.product_code AND i.account_id = $1 AND i.subscriber_id = $2 AND i.status = 'limit_suspended'
      RETURNING i.product_code AS code, p.spec->'name' AS name`,
    [sub.accountId, sub.id, now, day],
  ));
  if (rows.length === 0) return rows;
  if (rows.some((r) => r.code === RINGBACK_PRODUCT)) {
    // The service "Гудок" back: its melodies too, like the products — one whose paid period ran out
    // meanwhile is due at once (the fee run charges it, or suspends it if the money does not cover it).
    await tx.query(
      `UPDATE ringback_tone SET status = 'active',
              anchor_day = CASE WHEN next_charge_at <= $3 THEN $4 ELSE anchor_day END,
              next_charge_at = CASE WHEN next_charge_at <= $3 THEN $3 ELSE next_charge_at END
        WHERE account_id = $1 AND subscriber_id = $2 AND status = 'suspended'`,
      [sub.accountId, sub.id, now, day],
    );
    await queueRingbackPush(tx, sub, now);
  }
  await recordAudit(tx, core, ctx, {
    action: 'business.limit.resume',
    subscriberId: sub.id,
    customerId: sub.customerId ?? undefined,
    details: { reason, products: rows.map((r) => r.code) },
  });
  await enqueueSms(tx, { msisdn: sub.msisdn, text: resumedText[sub.language](namesOf(rows, sub.language)), kind: 'business.limit.resume', at: now });
  return rows;
}

/** Locks a number and reads what a release needs. */
export async function lockNumberForHolds(tx: Tx, subscriberId: number): Promise<{ id: number; accountId: number; customerId: number | null; msisdn: string; language: 'ru' | 'en'; timeZone: string } | null> {
  const [s] = await tx.query<{ id: number; accountId: number; customerId: number | null; msisdn: string; language: 'ru' | 'en'; timeZone: string }>(
    `SELECT s.id, s.account_id AS "accountId", s.customer_id AS "customerId", s.msisdn, s.language, r.time_zone AS "timeZone"
       FROM subscriber s JOIN region r ON r.code = s.region_code WHERE s.id = $1 FOR UPDATE OF s`,
    [subscriberId],
  );
  return s ?? null;
}

/**
 * Resumes the held extras of every number whose local month no longer has a "block paid extras"
 * event: a new month began where the number lives, or the event was withdrawn when the limit
 * changed. Each number in its own transaction, rechecked under its row lock, so concurrent runs
 * (and a limit reached again at the same moment) resume each hold exactly once.
 */
export async function releaseDueHolds(core: Core, now: Date, opts: { customerId?: number } = {}): Promise<{ msisdn: string; products: string[] }[]> {
  const ctx = systemCtx('business-limits');
  const due = (at: string) => `NOT EXISTS (SELECT 1 FROM number_limit_event e WHERE e.subscriber_id = s.id AND e.action = 'block_extras' AND e.period = ${localSql.month(at, 'r.time_zone')})`;
  const candidates = await core.db.query<{ id: number }>(
    `SELECT DISTINCT s.id FROM product_instance i JOIN subscriber s ON s.id = i.subscriber_id JOIN region r ON r.code = s.region_code
      WHERE i.status = 'limit_suspended' AND ${due('$1')} ${opts.customerId !== undefined ? 'AND s.customer_id = $2' : ''} ORDER BY s.id`,
    opts.customerId !== undefined ? [now, opts.customerId] : [now],
  );
  const out: { msisdn: string; products: string[] }[] = [];
  for (const c of candidates) {
    const done = await core.db.tx(async (tx) => {
      const sub = await lockNumberForHolds(tx, c.id);
      if (!sub) return null;
      const [still] = await tx.query<{ ok: boolean }>(`SELECT ${due('$2')} AS ok FROM subscriber s JOIN region r ON r.code = s.region_code WHERE s.id = $1`, [c.id, now]);
      if (!still?.ok) return null;
      const rows = await releaseLimitHolds(tx, core, ctx, sub, 'new_month', now);
      return rows.length ? { msisdn: sub.msisdn, products: rows.map((r) => r.code) } : null;
    });
    if (done) out.push(done);
  }
  return out;
}
