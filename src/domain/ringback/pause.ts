import type { Queryable, Tx } from '../../store/db.ts';
import type { MelodyCharge } from '../../text/price-facts.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { charge } from '../billing/charge.ts';
import type { Melody } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { available, type AccountFunds } from '../ledger/funds.ts';
import { localDayOfMonth } from '../shared/local-time.ts';
import { formatMoney } from '../shared/money.ts';
import { melodyNextCharge } from './buy-melody.ts';
import { RINGBACK_PRODUCT } from './melodies.ts';

/**
 * A melody of the library is `suspended` (charged nothing, played to nobody) while its fee is not
 * paid: for want of money (the fee run), or because the service "Гудок" is not on — disabled by the
 * subscriber, held by a business number's spending limit, or itself suspended for want of money.
 * A suspended melody resumes only while the service is on: after a top-up (the balance rules), when
 * the service is connected again, or when a spending limit's hold ends. Resuming charges one period
 * at once through the ledger.
 */
export interface SuspendedTone {
  id: number;
  account_id: number;
  subscriber_id: number;
  melody_code: string;
  spec: Melody;
}

/** The number being resumed, as the SMS and the next charge need it. */
export interface ToneOwner {
  id: number;
  account_id: number;
  customer_id: number | null;
  msisdn: string;
  language: 'ru' | 'en';
  time_zone: string;
}

const resumedText = {
  ru: (t: string, f: string) => `Мелодия «${t}» снова звучит для ваших абонентов, списано ${f}.`,
  en: (t: string, f: string) => `Your callers hear the melody "${t}" again, ${f} charged.`,
};

/** Suspends every active melody of the number (the service went off); the caller pushes the change. */
export async function pauseMelodies(tx: Tx, sub: { id: number; accountId: number }): Promise<string[]> {
  const rows = await tx.query<{ melody_code: string }>(
    "UPDATE ringback_tone SET status = 'suspended' WHERE account_id = $1 AND subscriber_id = $2 AND status = 'active' RETURNING melody_code",
    [sub.accountId, sub.id],
  );
  return rows.map((r) => r.melody_code).sort();
}

/**
 * The suspended melodies of these accounts that may resume now: their number's service "Гудок" is
 * connected (on, or suspended for want of money and perhaps resumed before them). Oldest bought first.
 */
export async function resumableTones(tx: Tx, accountIds: number[]): Promise<SuspendedTone[]> {
  if (accountIds.length === 0) return [];
  return tx.query<SuspendedTone>(
    `SELECT t.id, t.account_id, t.subscriber_id, t.melody_code, m.spec FROM ringback_tone t JOIN ringback_melody m ON m.code = t.melody_code
      WHERE t.account_id = ANY($1::bigint[]) AND t.status = 'suspended'
        AND EXISTS (SELECT 1 FROM product_instance i WHERE i.account_id = t.account_id AND i.subscriber_id = t.subscriber_id AND i.product_code = $2 AND i.status IN ('active', 'suspended'))
      ORDER BY t.bought_at, t.id`,
    [accountIds, RINGBACK_PRODUCT],
  );
}

/**
 * Resumes one suspended melody: charges one period now (key `ringback:<tone>:resumed:<time>`, so
 * a repeat of the same event charges nothing more), its next fee falls as if it were bought now,
 * audited and told by SMS. The caller checked the money and pushes the number's change once.
 */
export async function resumeTone(tx: Tx, core: Core, ctx: Ctx, s: ToneOwner, tone: SuspendedTone, now: Date): Promise<number> {
  const fee = tone.spec.price.amount;
  const anchorDay = localDayOfMonth(now, s.time_zone);
  const next = melodyNextCharge(tone.spec.price.model, now, s.time_zone, anchorDay);
  await charge(tx, {
    accountId: s.account_id,
    subscriberId: s.id,
    amount: fee,
    kind: 'fee',
    category: 'subscription',
    productCode: RINGBACK_PRODUCT,
    idempotencyKey: `ringback:${tone.id}:resumed:${now.toISOString()}`,
    description: `melody ${tone.melody_code} ${tone.spec.price.model} fee (resumed)`,
    at: now,
  });
  await tx.query("UPDATE ringback_tone SET status = 'active', next_charge_at = $3, anchor_day = $4 WHERE account_id = $1 AND id = $2", [s.account_id, tone.id, next, anchorDay]);
  await recordAudit(tx, core, ctx, { action: 'ringback.resume', subscriberId: s.id, customerId: s.customer_id ?? undefined, details: { melody: tone.melody_code, charged: fee } });
  await enqueueSms(tx, { msisdn: s.msisdn, text: resumedText[s.language](tone.spec.title[s.language], formatMoney(fee, s.language)), kind: 'resumed', at: now });
  return fee;
}

/**
 * What connecting the service "Гудок" may spend on the kept melodies: the money left after the
 * service's own charges, above the tariff's block threshold.
 */
export function connectBudget(funds: AccountFunds, serviceCharges: number, blockThreshold: number): number {
  return available(funds) - serviceCharges - blockThreshold;
}

/**
 * The rule of which kept melodies connecting the service "Гудок" resumes: the number's suspended
 * melodies, oldest bought first, while `budget` covers each fee (the first that does not fit stops
 * it). The connect offer states these (with their charges) and connecting resumes exactly these.
 */
export async function melodiesToResume(q: Queryable, sub: { id: number; accountId: number }, budget: number): Promise<SuspendedTone[]> {
  const tones = await q.query<SuspendedTone>(
    `SELECT t.id, t.account_id, t.subscriber_id, t.melody_code, m.spec FROM ringback_tone t JOIN ringback_melody m ON m.code = t.melody_code
      WHERE t.account_id = $1 AND t.subscriber_id = $2 AND t.status = 'suspended'
      ORDER BY t.bought_at, t.id`,
    [sub.accountId, sub.id],
  );
  const out: SuspendedTone[] = [];
  let spent = 0;
  for (const tone of tones) {
    if (budget - spent - tone.spec.price.amount < 0) break;
    spent += tone.spec.price.amount;
    out.push(tone);
  }
  return out;
}

/** The melodies as the offer's price facts state them. */
export function melodyCharges(tones: SuspendedTone[]): MelodyCharge[] {
  return tones.map((t) => ({ title: t.spec.title, price: t.spec.price.amount, period: t.spec.price.model === 'daily' ? 'day' : 'month' }));
}

/**
 * Resumes the number's kept melodies as the service "Гудок" is connected again: those
 * melodiesToResume picks for `budget` (what may be spent before the number is blocked). Returns
 * how many resumed and what they cost.
 */
export async function resumeMelodies(tx: Tx, core: Core, ctx: Ctx, s: ToneOwner, budget: number, now: Date): Promise<{ resumed: number; spent: number }> {
  let spent = 0;
  let resumed = 0;
  for (const tone of await melodiesToResume(tx, { id: s.id, accountId: s.account_id }, budget)) {
    spent += await resumeTone(tx, core, ctx, s, tone, now);
    resumed++;
  }
  return { resumed, spent };
}
