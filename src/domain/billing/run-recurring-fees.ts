import { jsonRows, timeParser, type Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { getSettings, listTariffs } from '../catalog/read-catalog.ts';
import type { Allowance, Melody, Product, Tariff } from '../catalog/schema.ts';
import { melodyNextCharge } from '../ringback/buy-melody.ts';
import { queueRingbackPush } from '../ringback/settings.ts';
import { RINGBACK_PRODUCT } from '../ringback/melodies.ts';
import type { Core } from '../core.ts';
import type { EntryCategory } from '../ledger/post-entry.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { mustExist } from '../shared/errors.ts';
import { billingDayIn, startOfNextLocalDay } from '../shared/local-time.ts';
import { formatMoney } from '../shared/money.ts';
import { MB } from '../subscribers/quotas.ts';
import { FundsTracker, type AccountRow } from '../ledger/funds.ts';
import { postEntries } from '../ledger/post-entry.ts';
import { raiseUsageAlerts } from '../alerts/raise-alerts.ts';
import { applyBalanceRules, mayBlock, nextChargeAfter } from './balance-rules.ts';
import { feeCategory } from './charge.ts';

export interface FeeRunStats {
  accounts: number;
  tariffFees: number;
  productFees: number;
  suspended: number;
  amount: number;
  /** Accounts of a credit pool a paid action held at that moment: left for the next run. */
  deferred: number;
}

/** Entries, quota grants and updates gathered for one batch, written with a few set statements. */
class Batch {
  constructor(private readonly dates: DateMemo) {}

  entries = { account: [] as number[], amount: [] as number[], sub: [] as number[], key: [] as string[], category: [] as string[], product: [] as (string | null)[], description: [] as string[] };
  /** One row per grant (not per unit): the units are spread into quota rows by the INSERT itself. */
  quotas = { account: [] as number[], sub: [] as number[], source: [] as string[], start: [] as string[], end: [] as string[], seconds: [] as number[], sms: [] as number[], bytes: [] as number[] };

  fee(accountId: number, subscriberId: number, amount: number, key: string, category: EntryCategory, product: string | null, description: string): void {
    this.entries.account.push(accountId);
    this.entries.amount.push(-amount);
    this.entries.sub.push(subscriberId);
    this.entries.key.push(key);
    this.entries.category.push(category);
    this.entries.product.push(product);
    this.entries.description.push(description);
  }

  grant(accountId: number, subscriberId: number, source: string, a: Allowance, start: Date, end: Date): void {
    const seconds = a.minutes ? a.minutes * 60 : 0;
    const sms = a.sms ?? 0;
    const bytes = a.dataMb ? a.dataMb * MB : 0;
    if (!seconds && !sms && !bytes) return;
    this.quotas.account.push(accountId);
    this.quotas.sub.push(subscriberId);
    this.quotas.source.push(source);
    this.quotas.start.push(this.dates.iso(start));
    this.quotas.end.push(this.dates.iso(end));
    this.quotas.seconds.push(seconds);
    this.quotas.sms.push(sms);
    this.quotas.bytes.push(bytes);
  }

  async write(tx: Tx, at: Date): Promise<void> {
    const e = this.entries;
    if (e.account.length) {
      // The fees and the points they earn (added to each account's lot of the month): one statement.
      const { bonus } = await getSettings(tx);
      const kind = new Array<'fee'>(e.account.length).fill('fee');
      await postEntries(tx, { account: e.account, amount: e.amount, kind, sub: e.sub, key: e.key, category: e.category, product: e.product, description: e.description }, at, { bonus, ids: false });
    }
    const q = this.quotas;
    if (q.account.length) {
      // Seconds, SMS, bytes of each grant, in that order, as grantAllowance writes them; none that is 0.
      await tx.query(
        `INSERT INTO quota (account_id, subscriber_id, unit, source, period_start, period_end, included)
         SELECT g.a, g.s, u.unit, g.src, g.ps, g.pe, u.n
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::bigint[], $7::bigint[], $8::bigint[])
                WITH ORDINALITY AS g(a, s, src, ps, pe, sec, sms, b, k)
          CROSS JOIN LATERAL (VALUES (1, 'seconds', g.sec), (2, 'sms', g.sms), (3, 'bytes', g.b)) AS u(o, unit, n)
          WHERE u.n > 0
          ORDER BY g.k, u.o`,
        [q.account, q.sub, q.source, q.start, q.end, q.seconds, q.sms, q.bytes],
      );
    }
  }
}

interface InstanceDue {
  id: number;
  account_id: number;
  subscriber_id: number;
  product_code: string;
  next_charge_at: Date;
  anchor_day: number;
  spec: Product;
  time_zone: string;
  msisdn: string;
  language: 'ru' | 'en';
  customer_id: number;
}

/** A ringback melody in a number's library whose fee has fallen due. */
interface ToneDue {
  id: number;
  account_id: number;
  subscriber_id: number;
  melody_code: string;
  next_charge_at: Date;
  anchor_day: number;
  spec: Melody;
  time_zone: string;
  msisdn: string;
  language: 'ru' | 'en';
  customer_id: number;
  /** The number's service "Гудок" is on (not disabled, held by a spending limit or suspended). */
  service_on: boolean;
}

const suspendText = {
  ru: (name: string, fee: string) => `Недостаточно средств для оплаты «${name}» (${fee}). Услуга приостановлена и возобновится после пополнения счёта.`,
  en: (name: string, fee: string) => `Not enough money to pay for "${name}" (${fee}). It is paused and resumes after a top-up.`,
};

/**
 * Accounts per fee-run transaction. Measured (PGlite, 100,000 subscribers, process CPU time):
 * 2,000 costs about 6% more than 1,000 once the tables outgrow the engine's buffers, so 1,000 stays.
 */
export const FEE_BATCH_SIZE = 1000;

/**
 * Charges every recurring fee that has fallen due by `now`, one batch of accounts per transaction.
 * Accounts are claimed with SKIP LOCKED, and every fee carries a key made of what it pays for and
 * its period (`tariff:<subscriber>:<period start>`, `fee:<instance>:<period start>`), so several
 * runners at once, or a run restarted after a crash, charge each fee exactly once. A missed run
 * catches up period by period. Tariff fees are always charged (the balance may go negative and the
 * number is then blocked); a paid product whose fee the money does not cover is suspended.
 */
export async function runRecurringFees(core: Core, ctx: Ctx, opts: { now: Date; batchSize?: number; onBatch?: (s: FeeRunStats) => void }): Promise<FeeRunStats> {
  const stats: FeeRunStats = { accounts: 0, tariffFees: 0, productFees: 0, suspended: 0, amount: 0, deferred: 0 };
  const batchSize = opts.batchSize ?? FEE_BATCH_SIZE;
  // One pass in account order: each batch starts after the last account seen, so it reads only
  // the next due rows by index. Accounts another runner holds are skipped; the next run has them.
  let after = 0;
  const dates = new DateMemo();
  for (;;) {
    const done = await core.db.tx(async (tx) => {
      // The next due accounts and the lock on them in one statement: `last` (the row with
      // `last = true`) is the last due account seen, locked or not, so the next batch starts after
      // it even when every account of this one was held by another runner.
      const rows = await jsonRows<{ id: number; balance: number; credit_limit: number; pool_contract_id: number | null; last: boolean }>(
        tx,
        `WITH due AS (
           SELECT account_id FROM (
             (SELECT account_id FROM subscriber WHERE account_id > $3 AND tariff_next_charge_at <= $1 ORDER BY account_id LIMIT $2)
             UNION
             (SELECT account_id FROM product_instance WHERE account_id > $3 AND status = 'active' AND next_charge_at <= $1 ORDER BY account_id LIMIT $2)
             UNION
             (SELECT account_id FROM ringback_tone WHERE account_id > $3 AND status = 'active' AND next_charge_at <= $1 ORDER BY account_id LIMIT $2)) d
           ORDER BY account_id LIMIT $2),
         held AS (
           SELECT id, balance, credit_limit, pool_contract_id FROM account WHERE id IN (SELECT account_id FROM due) ORDER BY id FOR UPDATE SKIP LOCKED)
         SELECT id, balance, credit_limit, pool_contract_id, false AS last FROM held
         UNION ALL
         SELECT max(account_id), NULL, NULL, NULL, true FROM due
         ORDER BY last, id`,
        [opts.now, batchSize, after],
      );
      const end = mustExist(rows.find((r) => r.last), 'end of the due list');
      if (end.id === null) return true;
      after = Number(end.id);
      const held = rows.filter((r) => !r.last);
      // A contract's numbers share its credit pool, and its paid actions run one after another on
      // the contract row. The fee run takes those rows too — without waiting (it already holds
      // accounts; lock order is contract → account): the numbers of a pool that a paid action holds
      // right now are left for the next run, like accounts another runner holds.
      const pools = [...new Set(held.flatMap((a) => (a.pool_contract_id === null ? [] : [Number(a.pool_contract_id)])))];
      const ours = pools.length
        ? new Set((await tx.query<{ id: number }>('SELECT id FROM contract WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED', [pools])).map((r) => Number(r.id)))
        : new Set<number>();
      const taken = held.filter((a) => a.pool_contract_id === null || ours.has(Number(a.pool_contract_id)));
      const { locked, payers, payerOf } = await takeFamilyPayers(tx, taken);
      stats.deferred += held.length - locked.length;
      if (locked.length === 0) return false;
      await chargeAccounts(tx, core, ctx, locked, opts.now, stats, dates, payers, payerOf);
      stats.accounts += locked.length;
      opts.onBatch?.(stats);
      return false;
    });
    if (done) return stats;
  }
}

/**
 * Family members whose head pays their fees (the group's plan says so): the head's account is
 * taken too, without waiting (the run already holds accounts), so a member whose head's account
 * another transaction holds right now is left for the next run, as a busy pool is. A head whose
 * account is a contract's (a credit pool) does not pay: its members pay their own.
 */
async function takeFamilyPayers(tx: Tx, accounts: AccountRow[]): Promise<{ locked: AccountRow[]; payers: AccountRow[]; payerOf: Map<number, number> }> {
  const payerOf = new Map<number, number>();
  if (accounts.length === 0) return { locked: accounts, payers: [], payerOf };
  const fam = await tx.query<{ subscriber_id: number; account_id: number; head_account: number }>(
    `SELECT n.id AS subscriber_id, n.account_id, h.account_id AS head_account
       FROM subscriber n JOIN family_member m ON m.subscriber_id = n.id AND m.status = 'active'
       JOIN family_group g ON g.id = m.group_id AND g.plan <> 'shared_package'
       JOIN subscriber h ON h.id = g.head_subscriber_id JOIN account ha ON ha.id = h.account_id AND ha.pool_contract_id IS NULL
      WHERE n.account_id = ANY($1::bigint[])`,
    [accounts.map((a) => a.id)],
  );
  if (fam.length === 0) return { locked: accounts, payers: [], payerOf };
  const mine = new Set(accounts.map((a) => Number(a.id)));
  const outside = [...new Set(fam.map((f) => Number(f.head_account)).filter((id) => !mine.has(id)))];
  const payers = outside.length
    ? await tx.query<AccountRow>('SELECT id, balance, credit_limit, pool_contract_id FROM account WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED', [outside])
    : [];
  const held = new Set([...mine, ...payers.map((p) => Number(p.id))]);
  const busy = new Set<number>();
  for (const f of fam) {
    if (held.has(Number(f.head_account))) payerOf.set(Number(f.subscriber_id), Number(f.head_account));
    else busy.add(Number(f.account_id));
  }
  return { locked: accounts.filter((a) => !busy.has(Number(a.id))), payers, payerOf };
}

/**
 * The next charge dates of a run, remembered: thousands of subscribers of a region share the same
 * due time and zone, and each date is worked out with the time-zone rules once, not once each.
 */
class DateMemo {
  private readonly known = new Map<string, Date | null>();
  private readonly isoText = new Map<number, string>();
  /** A time read as JSON text, parsed once per distinct text (a batch's subscribers share a few). */
  readonly parse = timeParser();

  /** A time as ISO text, worked out once per distinct time (a batch's keys and periods share a few). */
  iso(d: Date): string {
    let v = this.isoText.get(d.getTime());
    if (v === undefined) this.isoText.set(d.getTime(), (v = d.toISOString()));
    return v;
  }

  private get(key: string, make: () => Date | null): Date | null {
    let v = this.known.get(key);
    if (v === undefined) {
      v = make();
      this.known.set(key, v);
    }
    return v;
  }

  tariffNext(model: string, at: Date, tz: string, billingDay: number): Date {
    return this.get(`t|${model}|${at.getTime()}|${tz}|${model === 'daily' ? 0 : billingDay}`, () =>
      model === 'daily' ? startOfNextLocalDay(at, tz) : billingDayIn(at, tz, billingDay, 1),
    )!;
  }

  productNext(model: string, at: Date, tz: string, anchorDay: number): Date | null {
    return this.get(`p|${model}|${at.getTime()}|${tz}|${anchorDay}`, () => nextChargeAfter(model, at, tz, anchorDay));
  }
}

async function chargeAccounts(
  tx: Tx,
  core: Core,
  ctx: Ctx,
  accounts: AccountRow[],
  now: Date,
  stats: FeeRunStats,
  dates: DateMemo,
  /** Family heads' accounts outside the batch that pay members' fees, held by the run. */
  payers: AccountRow[],
  /** Member subscriber id → the account that pays its fees (its head's). */
  payerOf: Map<number, number>,
): Promise<void> {
  const batch = new Batch(dates);
  const accountIds = accounts.map((a) => a.id);
  // What each account may spend; a contract's numbers in the batch share what is left of its pool.
  // (from the rows the run has just locked: their balances cannot have moved since).
  const funds = await FundsTracker.fromRows(tx, [...accounts, ...payers]);
  // Tariffs by code: a handful of rows, rather than the plan's JSON once per subscriber.
  const tariffs = new Map((await listTariffs(tx, { includeRetired: true })).map((t) => [t.code, t]));
  // Both reads come as one JSON text (`jsonRows`): a thousand rows decoded field by field cost
  // PGlite several times more. Times come as text; the batch's subscribers share a few.
  const subs = (
    await jsonRows<{ id: number; account_id: number; tariff_next_charge_at: string; billing_day: number; time_zone: string; tariff_code: string }>(
      tx,
      `SELECT s.id, s.account_id, s.tariff_next_charge_at, s.billing_day, r.time_zone, s.tariff_code
         FROM subscriber s JOIN region r ON r.code = s.region_code
        WHERE s.account_id = ANY($1::bigint[]) AND s.tariff_next_charge_at <= $2`,
      [accountIds, now],
    )
  ).map((s) => ({ ...s, tariff_next_charge_at: dates.parse(s.tariff_next_charge_at), tariff: mustExist(tariffs.get(s.tariff_code), `tariff ${s.tariff_code}`) }));
  const instances = (
    await jsonRows<Omit<InstanceDue, 'next_charge_at'> & { next_charge_at: string }>(
      tx,
      `SELECT i.id, i.account_id, i.subscriber_id, i.product_code, i.next_charge_at, i.anchor_day, p.spec, r.time_zone, s.msisdn, s.language, s.customer_id
         FROM product_instance i JOIN product p ON p.code = i.product_code JOIN subscriber s ON s.id = i.subscriber_id JOIN region r ON r.code = s.region_code
        WHERE i.account_id = ANY($1::bigint[]) AND i.status = 'active' AND i.next_charge_at <= $2
        ORDER BY i.account_id, i.connected_at, i.id`,
      [accountIds, now],
    )
  ).map((i): InstanceDue => ({ ...i, next_charge_at: dates.parse(i.next_charge_at) }));
  const tones = (
    await jsonRows<Omit<ToneDue, 'next_charge_at'> & { next_charge_at: string }>(
      tx,
      `SELECT t.id, t.account_id, t.subscriber_id, t.melody_code, t.next_charge_at, t.anchor_day, m.spec, r.time_zone, s.msisdn, s.language, s.customer_id,
              EXISTS (SELECT 1 FROM product_instance i WHERE i.account_id = t.account_id AND i.subscriber_id = t.subscriber_id AND i.product_code = $3 AND i.status = 'active') AS service_on
         FROM ringback_tone t JOIN ringback_melody m ON m.code = t.melody_code JOIN subscriber s ON s.id = t.subscriber_id JOIN region r ON r.code = s.region_code
        WHERE t.account_id = ANY($1::bigint[]) AND t.status = 'active' AND t.next_charge_at <= $2
        ORDER BY t.account_id, t.bought_at, t.id`,
      [accountIds, now, RINGBACK_PRODUCT],
    )
  ).map((t): ToneDue => ({ ...t, next_charge_at: dates.parse(t.next_charge_at) }));

  // Every period that fell due, in the order it fell due: when money runs short, what was due
  // first was paid first. Tariff fees are always charged; a product whose fee does not fit stops.
  type Due = { at: Date; next: Date | null; tariff?: (typeof subs)[number]; inst?: InstanceDue; tone?: ToneDue };
  const events: Due[] = [];
  const tariffNext = new Map<number, { at: Date; periodStart: Date; s: (typeof subs)[number] }>();
  for (const s of subs) {
    let at = s.tariff_next_charge_at;
    while (at.getTime() <= now.getTime()) {
      const next = dates.tariffNext(s.tariff.fee.model, at, s.time_zone, s.billing_day);
      events.push({ at, next, tariff: s });
      tariffNext.set(s.id, { at: next, periodStart: at, s });
      at = next;
    }
  }
  const instState = new Map<number, { next: Date | null; status: string; inst: InstanceDue }>();
  for (const inst of instances) {
    let at: Date | null = inst.next_charge_at;
    instState.set(inst.id, { next: at, status: 'active', inst });
    while (at && at.getTime() <= now.getTime()) {
      const next = dates.productNext(inst.spec.fee.model, at, inst.time_zone, inst.anchor_day);
      events.push({ at, next, inst });
      at = next;
    }
  }
  const toneState = new Map<number, ToneState>();
  for (const tone of tones) {
    let at = tone.next_charge_at;
    toneState.set(tone.id, { next: at, status: 'active', serviceOff: false, tone });
    while (at.getTime() <= now.getTime()) {
      const next = melodyNextCharge(tone.spec.price.model, at, tone.time_zone, tone.anchor_day);
      events.push({ at, next, tone });
      at = next;
    }
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime() || Number(Boolean(b.tariff)) - Number(Boolean(a.tariff)));

  // Numbers whose service "Гудок" this run suspended: their melodies are not charged after it.
  const serviceSuspended = new Set<number>();
  for (const e of events) {
    if (e.tariff) {
      const s = e.tariff;
      if (s.tariff.fee.amount > 0) {
        const payer = payerOf.get(s.id) ?? s.account_id;
        batch.fee(payer, s.id, s.tariff.fee.amount, `tariff:${s.id}:${dates.iso(e.at)}`, 'subscription', null, `${s.tariff.fee.model} fee ${s.tariff.code}`);
        funds.spend(payer, s.tariff.fee.amount);
        stats.tariffFees++;
        stats.amount += s.tariff.fee.amount;
      }
      continue;
    }
    if (e.tone) {
      // A ringback melody: its fee per day or month, or it is suspended like a product. With the
      // service "Гудок" not on (or suspended earlier in this run) it is suspended without a charge.
      const ts = toneState.get(e.tone.id)!;
      if (ts.status !== 'active') continue;
      if (!e.tone.service_on || serviceSuspended.has(e.tone.subscriber_id)) {
        ts.status = 'suspended';
        ts.serviceOff = true;
        continue;
      }
      const fee = e.tone.spec.price.amount;
      if (fee > funds.available(e.tone.account_id)) {
        ts.status = 'suspended';
        continue;
      }
      batch.fee(e.tone.account_id, e.tone.subscriber_id, fee, `ringback:${e.tone.id}:${dates.iso(e.at)}`, 'subscription', RINGBACK_PRODUCT, `melody ${e.tone.melody_code} ${e.tone.spec.price.model} fee`);
      funds.spend(e.tone.account_id, fee);
      stats.productFees++;
      stats.amount += fee;
      ts.next = e.next!;
      continue;
    }
    const inst = e.inst!;
    const st = instState.get(inst.id)!;
    if (st.status !== 'active') continue;
    const fee = inst.spec.fee.model === 'none' ? 0 : inst.spec.fee.amount;
    const payer = payerOf.get(inst.subscriber_id) ?? inst.account_id;
    if (fee > funds.available(payer)) {
      st.status = 'suspended';
      if (inst.product_code === RINGBACK_PRODUCT) serviceSuspended.add(inst.subscriber_id);
      continue;
    }
    if (fee > 0) {
      batch.fee(payer, inst.subscriber_id, fee, `fee:${inst.id}:${dates.iso(e.at)}`, feeCategory(inst.spec), inst.product_code, `${inst.spec.fee.model} fee`);
      funds.spend(payer, fee);
      stats.productFees++;
      stats.amount += fee;
    }
    st.next = e.next;
    if (inst.spec.includes && e.next && e.next.getTime() > now.getTime()) batch.grant(inst.account_id, inst.subscriber_id, inst.product_code, inst.spec.includes, e.at, e.next);
  }

  const nextTariff = { id: [] as number[], at: [] as string[] };
  for (const [id, t] of tariffNext) {
    // The plan's allowance starts again for the period now running.
    batch.grant(t.s.account_id, id, `tariff:${t.s.tariff.code}`, t.s.tariff.included, t.periodStart, t.at);
    nextTariff.id.push(id);
    nextTariff.at.push(dates.iso(t.at));
  }
  if (nextTariff.id.length) {
    // `s.id = ANY` makes it a primary-key probe per subscriber: joined to the unnest alone, the
    // planner hashed the whole subscriber table on every batch (a cost growing with the table).
    await tx.query(
      'UPDATE subscriber s SET tariff_next_charge_at = u.at FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, at) WHERE s.id = ANY($1::bigint[]) AND s.id = u.id',
      [nextTariff.id, nextTariff.at],
    );
  }
  // Numbers whose ringback state changed (the service or a melody suspended): one push each, after both.
  const ringbackChanged = new Map<number, RingbackOwner>();
  const upd = { account: [] as number[], id: [] as number[], next: [] as (string | null)[], status: [] as string[] };
  for (const { next, status, inst } of instState.values()) {
    upd.account.push(inst.account_id);
    upd.id.push(inst.id);
    upd.next.push(next ? dates.iso(next) : null);
    upd.status.push(status);
    if (status === 'suspended') {
      const fee = inst.spec.fee.amount;
      stats.suspended++;
      await recordAudit(tx, core, ctx, { action: 'product.suspend', subscriberId: inst.subscriber_id, customerId: inst.customer_id, details: { product: inst.product_code, fee } });
      if (inst.product_code === RINGBACK_PRODUCT) ringbackChanged.set(inst.subscriber_id, { id: inst.subscriber_id, accountId: inst.account_id, msisdn: inst.msisdn, timeZone: inst.time_zone });
      await enqueueSms(tx, { msisdn: inst.msisdn, text: suspendText[inst.language](inst.spec.name[inst.language], formatMoney(fee, inst.language)), kind: 'suspended', at: now });
    }
  }
  if (upd.id.length) {
    await tx.query(
      `UPDATE product_instance i SET next_charge_at = u.next, status = u.status
         FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[]) AS u(account_id, id, next, status)
        WHERE i.account_id = u.account_id AND i.id = u.id`,
      [upd.account, upd.id, upd.next, upd.status],
    );
  }
  await settleTones(tx, core, ctx, [...toneState.values()], now, stats, dates, ringbackChanged);
  for (const sub of ringbackChanged.values()) await queueRingbackPush(tx, sub, now);
  await batch.write(tx, now);
  await raiseUsageAlerts(tx, now, { quotaAccounts: [], quotaIds: [], chargedAccounts: [...new Set(batch.entries.account)] });
  // Fees only take money: the balance rules judge only the accounts that may now be blocked.
  const tariffOf = new Map<number, Tariff>(subs.map((s) => [s.account_id, s.tariff]));
  await applyBalanceRules(tx, core, ctx, mayBlock([...accounts, ...payers], (id) => funds.available(id), tariffOf));
}

const toneSuspendText = {
  ru: (title: string, fee: string) => `Недостаточно средств для оплаты мелодии «${title}» (${fee}). Она приостановлена и зазвучит снова после пополнения счёта.`,
  en: (title: string, fee: string) => `Not enough money to pay for the melody "${title}" (${fee}). It is paused and plays again after a top-up.`,
};

type RingbackOwner = { id: number; accountId: number; msisdn: string; timeZone: string };
type ToneState = { next: Date; status: 'active' | 'suspended'; serviceOff: boolean; tone: ToneDue };

/**
 * Moves each charged melody to its next period; a melody left unpaid is suspended and its number
 * pushed to the platform — told by SMS when the money ran short, silently when the service was off.
 */
async function settleTones(tx: Tx, core: Core, ctx: Ctx, tones: ToneState[], now: Date, stats: FeeRunStats, dates: DateMemo, changed: Map<number, RingbackOwner>): Promise<void> {
  if (tones.length === 0) return;
  await tx.query(
    `UPDATE ringback_tone t SET next_charge_at = u.next, status = u.status
       FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[]) AS u(account_id, id, next, status)
      WHERE t.account_id = u.account_id AND t.id = u.id`,
    [tones.map((t) => t.tone.account_id), tones.map((t) => t.tone.id), tones.map((t) => dates.iso(t.next)), tones.map((t) => t.status)],
  );
  for (const { status, serviceOff, tone } of tones) {
    if (status !== 'suspended') continue;
    stats.suspended++;
    await recordAudit(tx, core, ctx, { action: 'ringback.suspend', subscriberId: tone.subscriber_id, customerId: tone.customer_id, details: { melody: tone.melody_code, fee: tone.spec.price.amount, ...(serviceOff ? { reason: 'service_off' } : {}) } });
    if (!serviceOff) await enqueueSms(tx, { msisdn: tone.msisdn, text: toneSuspendText[tone.language](tone.spec.title[tone.language], formatMoney(tone.spec.price.amount, tone.language)), kind: 'suspended', at: now });
    changed.set(tone.subscriber_id, { id: tone.subscriber_id, accountId: tone.account_id, msisdn: tone.msisdn, timeZone: tone.time_zone });
  }
}
