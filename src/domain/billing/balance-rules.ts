import { jsonRows, type Tx } from '../../store/db.ts';
import { recordAudit, recordAuditBulk } from '../audit/record-audit.ts';
import type { Product, Tariff } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import { enqueueSms, enqueueSmsBulk } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { billingDayIn, localDayOfMonth, startOfNextLocalDay } from '../shared/local-time.ts';
import { formatMoney } from '../shared/money.ts';
import { grantAllowance } from '../subscribers/quotas.ts';
import { FundsTracker } from '../ledger/funds.ts';
import { resumableTones, resumeTone } from '../ringback/pause.ts';
import { RINGBACK_PRODUCT } from '../ringback/melodies.ts';
import { queueRingbackPush } from '../ringback/settings.ts';
import { charge, feeCategory } from './charge.ts';

/**
 * Moves a number between active and blocked. A number the caller holds (its account is locked) is
 * updated as usual; another number of the same pool only if nobody else holds its row right now
 * (that transaction judges it itself), so judging a pool never waits on a number's row.
 */
async function setStatus(tx: Tx, id: number, status: 'active' | 'blocked', held: boolean): Promise<boolean> {
  const from = status === 'active' ? 'blocked' : 'active';
  if (held) {
    await tx.query('UPDATE subscriber SET status = $2 WHERE id = $1', [id, status]);
    return true;
  }
  const done = await tx.query(
    `UPDATE subscriber SET status = $2 WHERE id = (SELECT id FROM subscriber WHERE id = $1 AND status = $3 FOR NO KEY UPDATE SKIP LOCKED) RETURNING id`,
    [id, status, from],
  );
  return done.length > 0;
}

interface Row {
  id: number;
  account_id: number;
  customer_id: number;
  msisdn: string;
  status: string;
  language: 'ru' | 'en';
  time_zone: string;
  balance: number;
  credit_limit: number;
  pool_contract_id: number | null;
  tariff: Tariff;
}

/** When a recurring fee falls next after `from`, by the product's fee model. */
export function nextChargeAfter(model: string, from: Date, tz: string, anchorDay: number): Date | null {
  if (model === 'monthly') return billingDayIn(from, tz, anchorDay, 1);
  if (model === 'daily') return startOfNextLocalDay(from, tz);
  return null;
}

const text = {
  blocked: {
    ru: (b: string) => `Баланс ${b}. Исходящие вызовы и SMS приостановлены до пополнения счёта.`,
    en: (b: string) => `Balance ${b}. Outgoing calls and SMS are paused until you top up.`,
  },
  unblocked: { ru: () => 'Счёт пополнен, номер снова работает полностью.', en: () => 'Thank you for the top-up: your number works fully again.' },
  resumed: {
    ru: (n: string, f: string) => `Услуга «${n}» возобновлена, списано ${f}.`,
    en: (n: string, f: string) => `"${n}" is back on, ${f} charged.`,
  },
};

/** An account a batch of charges took money from, as the batch read and locked it. */
export interface ChargedAccount {
  id: number;
  pool_contract_id: number | null;
}

/**
 * Of the accounts a batch has only charged (money went out, none came in), those whose number's
 * state the balance rules could change: a charge can only block. That is an account left below
 * the threshold of its number's tariff, and every account of a credit pool (its pool's other
 * numbers may be blocked too). An account whose number's tariff the batch did not read is judged
 * anyway. (An account has one number: subscriber.account_id is unique, migration 024.) Unblocking
 * and resuming wait for money coming in, when the rules run on the account again.
 */
export function mayBlock(accounts: readonly ChargedAccount[], fundsAfter: (accountId: number) => number, tariffOf: Map<number, Tariff>): number[] {
  return accounts
    .filter((a) => {
      if (a.pool_contract_id !== null) return true;
      const tariff = tariffOf.get(Number(a.id));
      return tariff === undefined || fundsAfter(Number(a.id)) < tariff.blockThreshold;
    })
    .map((a) => Number(a.id));
}

/**
 * What the balance decides after money moved: the number is blocked for outgoing services when
 * what it may spend falls below the tariff's threshold, and unblocked when it is back; suspended
 * paid products resume, oldest first, while the money covers their fee, and then suspended ringback
 * melodies (their change pushed to the platform once per number). Each transition is
 * audited and told to the subscriber by SMS.
 *
 * `accountIds` are the accounts the caller holds (their products may resume). A contract's numbers
 * share one credit pool, so when one of them is among them — or its contract is named in `pools`
 * (the pool's limit changed) — every other number of that pool is judged too: blocked when the pool
 * no longer covers its debt, unblocked when it does again, and their suspended products resume
 * while the pool covers them (their accounts are taken after the contract's row). A row another
 * transaction holds is skipped rather than waited for, so this never waits on a number it does not
 * hold: what it skips is judged at that number's next money event.
 */
export async function applyBalanceRules(tx: Tx, core: Core, ctx: Ctx, accountIds: number[], opts: { pools?: number[] } = {}): Promise<void> {
  if (accountIds.length === 0 && !opts.pools?.length) return;
  const now = core.clock.now();
  // Read as one JSON text (`jsonRows`): each row carries its tariff's spec, and a fee run judges
  // hundreds of numbers at once.
  const own = await jsonRows<Row>(
    tx,
    `SELECT s.id, s.account_id, s.customer_id, s.msisdn, s.status, s.language, r.time_zone, a.balance, a.credit_limit, a.pool_contract_id, t.spec AS tariff
       FROM subscriber s JOIN account a ON a.id = s.account_id JOIN region r ON r.code = s.region_code
       JOIN tariff_plan t ON t.code = s.tariff_code
      WHERE s.account_id = ANY($1::bigint[]) AND a.id = ANY($1::bigint[])
        -- (both: the accounts by key, not the whole account table hashed for a join)
        -- Only numbers whose state may change: blocked ones, active ones under the threshold, active
        -- ones with a suspended product, and a pool's numbers (their credit is the pool's, judged below).
        AND (s.status = 'blocked' OR a.pool_contract_id IS NOT NULL
             OR (s.status = 'active' AND (a.balance + a.credit_limit < COALESCE((t.spec->>'blockThreshold')::bigint, 0)
                 OR EXISTS (SELECT 1 FROM product_instance i WHERE i.account_id = s.account_id AND i.subscriber_id = s.id AND i.status = 'suspended')
                 OR EXISTS (SELECT 1 FROM ringback_tone t WHERE t.account_id = s.account_id AND t.subscriber_id = s.id AND t.status = 'suspended'))))
      ORDER BY s.account_id, s.id`,
    [accountIds],
  );
  const pools = new Set<number>(opts.pools ?? []);
  for (const s of own) if (s.pool_contract_id !== null) pools.add(s.pool_contract_id);
  const others =
    pools.size === 0
      ? []
      : await jsonRows<Row>(
          tx,
          `SELECT s.id, s.account_id, s.customer_id, s.msisdn, s.status, s.language, r.time_zone, a.balance, a.credit_limit, a.pool_contract_id, t.spec AS tariff
             FROM subscriber s JOIN account a ON a.id = s.account_id JOIN region r ON r.code = s.region_code
             JOIN tariff_plan t ON t.code = s.tariff_code
            WHERE a.pool_contract_id = ANY($1::bigint[]) AND a.id <> ALL($2::bigint[]) ORDER BY s.account_id, s.id`,
          [[...pools], accountIds],
        );
  // A pooled number's product resumes only under its contract's lock (like any paid action of a
  // pool); a pool another transaction holds now is not waited for: its products resume later.
  const lockedPools =
    pools.size === 0
      ? new Set<number>()
      : new Set(
          (await tx.query<{ id: number }>('SELECT id FROM contract WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED', [[...pools]])).map((r) => Number(r.id)),
        );
  // The other numbers of a pool held here whose products wait for money: their accounts are taken
  // too (after the contract, as everywhere; without waiting — one held elsewhere resumes later).
  const othersWaiting = others.filter((s) => lockedPools.has(s.pool_contract_id!)).map((s) => s.account_id);
  const resumable = new Set<number>(
    othersWaiting.length === 0
      ? []
      : (
          await tx.query<{ id: number }>(
            `SELECT a.id FROM account a WHERE a.id = ANY($1::bigint[])
                AND (EXISTS (SELECT 1 FROM product_instance i WHERE i.account_id = a.id AND i.status = 'suspended')
                     OR EXISTS (SELECT 1 FROM ringback_tone t WHERE t.account_id = a.id AND t.status = 'suspended'))
              ORDER BY a.id FOR UPDATE SKIP LOCKED`,
            [othersWaiting],
          )
        ).map((r) => Number(r.id)),
  );
  // The pools' money in memory: a resumed product's fee on one number lowers what the others may use.
  const funds = pools.size === 0 ? null : await FundsTracker.load(tx, [...new Set([...own, ...others].map((s) => s.account_id))]);
  const availableOf = (s: Row): number => (s.pool_contract_id !== null && funds ? funds.available(s.account_id) : s.balance + s.credit_limit);
  const subs = [...own.map((s) => ({ s, held: true })), ...others.map((s) => ({ s, held: false }))];
  if (subs.length === 0) return;
  const suspendedRows = await tx.query<{ id: number; account_id: number; subscriber_id: number; product_code: string; spec: Product }>(
    `SELECT i.id, i.account_id, i.subscriber_id, i.product_code, p.spec FROM product_instance i JOIN product p ON p.code = i.product_code
      WHERE i.account_id = ANY($1::bigint[]) AND i.status = 'suspended' ORDER BY i.connected_at, i.id`,
    [[...accountIds, ...resumable]],
  );
  const suspendedOf = new Map<number, typeof suspendedRows>();
  for (const r of suspendedRows) suspendedOf.set(r.subscriber_id, [...(suspendedOf.get(r.subscriber_id) ?? []), r]);
  // Suspended ringback melodies of numbers whose service "Гудок" is connected (on, or suspended and
  // perhaps resumed below): they resume the same way, after the products (`ringback/pause.ts`).
  const toneRows = await resumableTones(tx, [...accountIds, ...resumable]);
  const tonesOf = new Map<number, typeof toneRows>();
  for (const r of toneRows) tonesOf.set(Number(r.subscriber_id), [...(tonesOf.get(Number(r.subscriber_id)) ?? []), r]);
  const blocked: Row[] = [];
  const blocks: { s: Row; pool?: number | null }[] = [];
  for (const { s, held } of subs) {
    let available = availableOf(s);
    const threshold = s.tariff.blockThreshold;
    if (s.status === 'active' && available < threshold) {
      // Numbers the caller holds are blocked together after the loop (a fee run may block hundreds).
      if (held) blocked.push(s);
      else if (await setStatus(tx, s.id, 'blocked', false)) blocks.push({ s, pool: s.pool_contract_id });
      continue;
    }
    if (s.status === 'blocked') {
      if (available < threshold) continue;
      if (!(await setStatus(tx, s.id, 'active', held))) continue;
      await recordAudit(tx, core, ctx, { action: 'subscriber.unblock', subscriberId: s.id, customerId: s.customer_id, details: { balance: s.balance, ...(held ? {} : { pool: s.pool_contract_id }) } });
      await enqueueSms(tx, { msisdn: s.msisdn, text: text.unblocked[s.language](), kind: 'unblocked', at: now });
    } else if (s.status !== 'active') continue;
    if (!(held || resumable.has(s.account_id)) || (s.pool_contract_id !== null && !lockedPools.has(s.pool_contract_id))) continue;

    const waiting = suspendedOf.get(s.id) ?? [];
    // The number's ringback state changed (the service or a melody back): pushed once, after both loops.
    let ringbackChanged = false;
    let resumed = 0;
    for (const inst of waiting) {
      const fee = inst.spec.fee.model === 'none' ? 0 : inst.spec.fee.amount;
      if (available - fee < threshold) break;
      resumed++;
      const anchorDay = localDayOfMonth(now, s.time_zone);
      const next = nextChargeAfter(inst.spec.fee.model, now, s.time_zone, anchorDay);
      if (fee > 0) {
        await charge(tx, {
          accountId: s.account_id,
          subscriberId: s.id,
          amount: fee,
          kind: 'fee',
          category: feeCategory(inst.spec),
          productCode: inst.product_code,
          idempotencyKey: `fee:${inst.id}:${now.toISOString()}`,
          description: `${inst.spec.fee.model} fee (resumed)`,
          at: now,
        });
        available -= fee;
        funds?.spend(s.account_id, fee);
      }
      await tx.query("UPDATE product_instance SET status = 'active', next_charge_at = $3, anchor_day = $4 WHERE account_id = $1 AND id = $2", [s.account_id, inst.id, next, anchorDay]);
      if (inst.spec.includes && next) {
        await grantAllowance(tx, { accountId: s.account_id, subscriberId: s.id, source: inst.product_code, allowance: inst.spec.includes, period: { start: now, end: next } });
      }
      if (inst.product_code === RINGBACK_PRODUCT) ringbackChanged = true;
      await recordAudit(tx, core, ctx, { action: 'product.resume', subscriberId: s.id, customerId: s.customer_id, details: { product: inst.product_code, charged: fee } });
      await enqueueSms(tx, { msisdn: s.msisdn, text: text.resumed[s.language](inst.spec.name[s.language], formatMoney(fee, s.language)), kind: 'resumed', at: now });
    }
    // Melodies wait while a product suspended before them does not fit (oldest first), and while the service itself is suspended.
    if (resumed === waiting.length) {
      for (const tone of tonesOf.get(s.id) ?? []) {
        const fee = tone.spec.price.amount;
        if (available - fee < threshold) break;
        await resumeTone(tx, core, ctx, s, tone, now);
        available -= fee;
        funds?.spend(s.account_id, fee);
        ringbackChanged = true;
      }
    }
    if (ringbackChanged) await queueRingbackPush(tx, { id: s.id, accountId: s.account_id, msisdn: s.msisdn, timeZone: s.time_zone }, now);
  }
  if (blocked.length) {
    await tx.query("UPDATE subscriber SET status = 'blocked' WHERE id = ANY($1::bigint[])", [blocked.map((s) => s.id)]);
    blocks.push(...blocked.map((s) => ({ s })));
  }
  if (blocks.length) {
    await recordAuditBulk(
      tx,
      core,
      ctx,
      blocks.map(({ s, pool }) => ({ action: 'subscriber.block', subscriberId: s.id, customerId: s.customer_id, details: { balance: s.balance, threshold: s.tariff.blockThreshold, ...(pool === undefined ? {} : { pool }) } })),
    );
    await enqueueSmsBulk(
      tx,
      blocks.map(({ s }) => ({ msisdn: s.msisdn, text: text.blocked[s.language](formatMoney(s.balance, s.language)), kind: 'blocked', at: now })),
    );
  }
}
