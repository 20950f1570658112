import { jsonOf, timeParser, type Tx } from '../../store/db.ts';
import { raiseCapAlerts, raiseUsageAlerts } from '../alerts/raise-alerts.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { judgeCaps, loadCapStates, type CapRefusal } from '../caps/caps.ts';
import { memberSpending, sharesPackage, type FamilyPlan } from '../family/family-rules.ts';
import { listTariffs, settingsFrom } from '../catalog/read-catalog.ts';
import type { Product, Rates, Tariff } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { parseInstant } from '../shared/strict-input.ts';
import { balanceBoundRefusal } from '../ledger/balance-bound.ts';
import { postEntries } from '../ledger/post-entry.ts';
import { applyBalanceRules, mayBlock, type ChargedAccount } from './balance-rules.ts';
import { roamingRates, zoneOf } from '../roaming/zones.ts';
import { effectiveRates, rateUsage, type QuotaState, type UsageKind, type Zone } from './rate-usage.ts';

export interface UsageInput {
  recordId: string;
  msisdn: string;
  kind: UsageKind;
  zone: Zone;
  startedAt: Date | string;
  durationSeconds?: number | null;
  bytes?: number | null;
  counterpart?: string | null;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: { recordId: string; reason: string }[];
  /** Records booked but refused by a cap (nothing charged or drawn): the network should stop the service. */
  refused?: { recordId: string; reason: CapRefusal }[];
  charged: number;
}

export const MAX_BATCH = 5000;

interface Sub {
  id: number;
  account_id: number;
  msisdn: string;
  tariff_code: string;
}

/** A number of the batch that is an active family member: its head, and what the group shares. */
interface Member {
  id: number;
  head_id: number;
  head_account: number;
  plan: FamilyPlan;
}

interface Held extends ChargedAccount {
  balance: number;
  credit_limit: number;
}

const DAY_MS = 86_400_000;

/** Why a record cannot be booked, or null; `at` is its start, parsed strictly. */
function check(r: UsageInput, at: Date | null, window: { from: Date; to: Date; maxAgeDays: number; maxFutureDays: number }): string | null {
  if (typeof r.recordId !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(r.recordId)) return 'bad recordId';
  if (!['voice', 'sms', 'mms', 'data'].includes(r.kind)) return 'kind must be voice, sms, mms or data';
  if (!['home', 'intercity', 'roaming'].includes(r.zone)) return 'zone must be home, intercity or roaming';
  if (!at) return 'startedAt must be an ISO 8601 date-time that exists in the calendar';
  // Far-off dates are a broken switch or a replayed file, not calls to charge now.
  if (at < window.from) return `startedAt more than ${window.maxAgeDays} days ago`;
  if (at > window.to) return `startedAt more than ${window.maxFutureDays} days ahead`;
  if (r.kind === 'voice' && !(Number.isInteger(r.durationSeconds) && r.durationSeconds! >= 0 && r.durationSeconds! <= 86_400)) return 'voice needs durationSeconds 0..86400';
  if (r.kind === 'data' && !(Number.isInteger(r.bytes) && r.bytes! >= 0 && r.bytes! <= 1e13)) return 'data needs bytes';
  return null;
}

/**
 * Rates and books a batch of usage records in one transaction, set by set rather than row by row:
 * the accounts are locked, records already seen (by record id) are skipped, the rest are rated in
 * memory against the period's quotas and written with a handful of statements. Replaying a batch
 * changes nothing.
 */
export async function ingestUsage(core: Core, ctx: Ctx, records: UsageInput[]): Promise<IngestResult> {
  if (!['operator_api', 'staff', 'system'].includes(ctx.actor.kind)) throw new DomainError('FORBIDDEN');
  if (records.length > MAX_BATCH) throw new DomainError('VALIDATION', { field: 'records', max: MAX_BATCH });
  const rejected: IngestResult['rejected'] = [];
  const valid: (UsageInput & { msisdn: string; at: Date })[] = [];
  const seenInBatch = new Set<string>();
  let duplicates = 0;
  const now = core.clock.now().getTime();
  const { usageMaxAgeDays: maxAgeDays, usageMaxFutureDays: maxFutureDays } = core.settings;
  const window = { from: new Date(now - maxAgeDays * DAY_MS), to: new Date(now + maxFutureDays * DAY_MS), maxAgeDays, maxFutureDays };
  for (const r of records) {
    const at = parseInstant(r.startedAt);
    const problem = check(r, at, window);
    const msisdn = normalizeMsisdn(String(r.msisdn ?? ''));
    if (problem || !msisdn || !at) {
      rejected.push({ recordId: String(r.recordId ?? '').slice(0, 100), reason: problem ?? 'unknown number format' });
      continue;
    }
    const key = `${msisdn}|${r.recordId}`;
    if (seenInBatch.has(key)) {
      duplicates++;
      continue;
    }
    seenInBatch.add(key);
    valid.push({ ...r, msisdn, at });
  }
  const tariffs = new Map((await listTariffs(core.db, { includeRetired: true })).map((t) => [t.code, t]));
  // Records are new far more often than not, so a batch is first rated without looking for them in
  // usage_record. A record already booked then fails the INSERT on the table's key: the whole
  // transaction is rolled back and run again, this time looking every record up first.
  let result: IngestResult;
  try {
    result = await core.db.tx((tx) => rateBatch(tx, core, ctx, valid, tariffs, [...rejected], false));
  } catch (e) {
    if (!(e instanceof AlreadyBooked)) throw balanceBoundRefusal(e) ?? e;
    result = await core.db.tx((tx) => rateBatch(tx, core, ctx, valid, tariffs, [...rejected], true)).catch((err: unknown) => {
      throw balanceBoundRefusal(err) ?? err;
    });
  }
  result.duplicates += duplicates;
  return result;
}

/** A record of the batch turned out to be booked already: the batch is rated again, looking first. */
class AlreadyBooked extends Error {}

async function rateBatch(
  tx: Tx,
  core: Core,
  ctx: Ctx,
  records: (UsageInput & { msisdn: string; at: Date })[],
  tariffs: Map<string, Tariff>,
  rejected: IngestResult['rejected'],
  lookFirst: boolean,
): Promise<IngestResult> {
  const now = core.clock.now();
  // The numbers and the lock on their accounts in one statement: the accounts are locked in id
  // order, so concurrent batches over the same accounts cannot deadlock. A family member whose
  // group shares the head's packages brings the head's account into the same ordered lock (its
  // quotas are drawn on here). Batch reads come as JSON text: PGlite decodes a result field by
  // field, which for a thousand rows costs several times more.
  const locked = await jsonOf<{ subs: Sub[]; accounts: Held[]; members: Member[] }>(
    tx,
    `WITH s AS (SELECT id, account_id, msisdn, tariff_code FROM subscriber WHERE msisdn = ANY($1::text[])),
          fam AS (SELECT m.subscriber_id AS id, h.id AS head_id, h.account_id AS head_account, g.plan
                    FROM family_member m JOIN family_group g ON g.id = m.group_id JOIN subscriber h ON h.id = g.head_subscriber_id
                   WHERE m.subscriber_id = ANY(ARRAY(SELECT id FROM s)) AND m.status = 'active'),
          held AS (SELECT id, balance, credit_limit, pool_contract_id FROM account
                    WHERE id = ANY(ARRAY(SELECT account_id FROM s UNION ALL SELECT head_account FROM fam WHERE plan <> 'head_pays')) ORDER BY id FOR UPDATE)
     SELECT json_build_object('subs', (SELECT coalesce(json_agg(s), '[]') FROM s), 'accounts', (SELECT coalesce(json_agg(held), '[]') FROM held),
                              'members', (SELECT coalesce(json_agg(fam), '[]') FROM fam))::text AS j`,
    [[...new Set(records.map((r) => r.msisdn))]],
  );
  const subs = locked.subs;
  const byMsisdn = new Map(subs.map((s) => [s.msisdn, s]));
  const accountOf = new Map(subs.map((s) => [s.id, s.account_id]));
  /** Members who draw on their head's packages: member id → head id. */
  const sharedFrom = new Map<number, number>();
  for (const m of locked.members) {
    if (!sharesPackage(m.plan)) continue;
    sharedFrom.set(Number(m.id), Number(m.head_id));
    accountOf.set(Number(m.head_id), Number(m.head_account));
  }
  const known = records.filter((r) => {
    if (byMsisdn.has(r.msisdn)) return true;
    rejected.push({ recordId: r.recordId, reason: 'unknown subscriber' });
    return false;
  });
  const accountIds = locked.accounts.map((a) => a.id);
  if (known.length === 0) return { accepted: 0, duplicates: 0, rejected, charged: 0 };
  // Then, under the lock (a statement of its own, so it sees what a batch that held these
  // accounts before has committed): the period's quotas, the options that change prices, the
  // catalog settings, and — when looking first — the records already booked: one key probe per
  // record, whatever the size of usage_record (LATERAL … LIMIT 1 keeps the planner from hashing
  // the table while it is small).
  const times = known.map((r) => r.at.getTime());
  const read = await jsonOf<{
    seen: [number, string][];
    quotas: { id: number; subscriber_id: number; unit: QuotaState['unit']; source: string; period_start: string; period_end: string; remaining: number }[];
    options: { subscriber_id: number; spec: Product }[];
    settings: unknown;
    roaming: [number, string][];
    zoned: Record<string, string>;
  }>(
    tx,
    `SELECT json_build_object(
       'seen', (SELECT coalesce(json_agg(json_build_array(k.a, k.r)), '[]') FROM unnest($2::bigint[], $3::text[]) AS k(a, r)
                 CROSS JOIN LATERAL (SELECT 1 FROM usage_record_key u WHERE u.account_id = k.a AND u.record_id = k.r LIMIT 1) x),
       'quotas', (SELECT coalesce(json_agg(q), '[]') FROM (
                   SELECT id, subscriber_id, unit, source, period_start, period_end, included - used AS remaining FROM quota
                    WHERE account_id = ANY($1::bigint[]) AND used < included AND period_end > $4 AND period_start <= $5) q),
       'options', (SELECT coalesce(json_agg(o), '[]') FROM (
                   SELECT i.subscriber_id, p.spec FROM product_instance i JOIN product p ON p.code = i.product_code
                    WHERE i.account_id = ANY($1::bigint[]) AND i.status = 'active'
                      AND i.product_code = ANY(ARRAY(SELECT code FROM product WHERE spec ? 'rateOverrides' OR (spec->>'intercityAsHome')::boolean))) o),
       'settings', (SELECT value FROM catalog_setting WHERE key = 'settings'),
       'roaming', (SELECT coalesce(json_agg(json_build_array(subscriber_id, country)), '[]') FROM roaming_state
                    WHERE subscriber_id = ANY($6::bigint[]) AND country IS NOT NULL),
       'zoned', (SELECT coalesce(json_object_agg(code, spec->'roaming'->>'zone'), '{}') FROM product WHERE spec ? 'roaming')
     )::text AS j`,
    [
      accountIds,
      lookFirst ? known.map((r) => byMsisdn.get(r.msisdn)!.account_id) : [],
      lookFirst ? known.map((r) => r.recordId) : [],
      new Date(Math.min(...times)),
      new Date(Math.max(...times)),
      [...new Set(known.filter((r) => r.zone === 'roaming').map((r) => byMsisdn.get(r.msisdn)!.id))],
    ],
  );
  const seen = new Set(read.seen.map(([a, r]) => `${a}|${r}`));
  const fresh = known.filter((r) => !seen.has(`${byMsisdn.get(r.msisdn)!.account_id}|${r.recordId}`));
  const duplicates = known.length - fresh.length;
  if (fresh.length === 0) return { accepted: 0, duplicates, rejected, charged: 0 };

  const quotas = new Map<number, QuotaState[]>();
  const time = timeParser(); // quota periods share a few bounds
  for (const q of read.quotas) {
    const list = quotas.get(q.subscriber_id) ?? [];
    const zone = read.zoned[q.source];
    list.push({ id: q.id, unit: q.unit, source: q.source, periodStart: time(q.period_start), periodEnd: time(q.period_end), remaining: q.remaining, ...(zone ? { zone } : {}) });
    quotas.set(q.subscriber_id, list);
  }
  const options = new Map<number, Product[]>();
  for (const o of read.options) options.set(o.subscriber_id, [...(options.get(o.subscriber_id) ?? []), o.spec]);

  fresh.sort((a, b) => a.at.getTime() - b.at.getTime());
  const startQuota = new Map<number, number>();
  for (const list of quotas.values()) for (const q of list) startQuota.set(q.id, q.remaining);
  const cols = {
    account: [] as number[], record: [] as string[], sub: [] as number[], kind: [] as string[], zone: [] as string[], started: [] as string[],
    duration: [] as (number | null)[], bytes: [] as (number | null)[], counterpart: [] as (string | null)[], billed: [] as number[],
    quotaUnits: [] as number[], consumed: [] as string[], charged: [] as number[],
  };
  const entries = { account: [] as number[], amount: [] as number[], sub: [] as number[], key: [] as string[], category: [] as string[], ref: [] as string[] };
  let charged = 0;
  const ratesOf = new Map<number, Rates>(); // each number's prices, worked out once per batch
  // Roaming usage is priced by the zone of the country the number is attached in now.
  const settings = settingsFrom(read.settings);
  const zoneOfSub = new Map(read.roaming.map(([id, country]) => [Number(id), zoneOf(settings, country)]));
  const roamingRatesOf = new Map<number, Rates>();
  // Caps are judged per record, in time order, against the month's spending read under the lock.
  const subIds = [...new Set(fresh.map((r) => byMsisdn.get(r.msisdn)!.id))];
  const caps = await loadCapStates(tx, now, subIds, [...new Set(fresh.filter((r) => r.zone === 'roaming').map((r) => byMsisdn.get(r.msisdn)!.id))]);
  // A family member's limit is judged the same way, against its charges this month (fees the head
  // paid included), read under the member's account lock, which every charge of its takes.
  const limits = locked.members.length ? await memberSpending(tx, now, locked.members.map((m) => Number(m.id)), true) : new Map<number, { limit: number | null; spent: number }>();
  const quotaById = new Map<number, QuotaState>();
  for (const list of quotas.values()) for (const q of list) quotaById.set(q.id, q);
  const refused: NonNullable<IngestResult['refused']> = [];
  const capHits: { subscriberId: number; code: CapRefusal }[] = [];
  const refusedCol: (CapRefusal | null)[] = [];
  for (const r of fresh) {
    const s = byMsisdn.get(r.msisdn)!;
    const tariff = mustExist(tariffs.get(s.tariff_code), `tariff ${s.tariff_code}`);
    const own = options.get(s.id) ?? [];
    let rates = ratesOf.get(s.id);
    if (rates === undefined) ratesOf.set(s.id, (rates = effectiveRates(tariff, own)));
    const roamingZone = r.zone === 'roaming' ? zoneOfSub.get(s.id) ?? null : null;
    if (r.zone === 'roaming') {
      let zoned = roamingRatesOf.get(s.id);
      if (zoned === undefined) roamingRatesOf.set(s.id, (zoned = roamingRates(rates, roamingZone)));
      rates = zoned;
    }
    const event = { kind: r.kind, zone: r.zone, startedAt: r.at, durationSeconds: r.durationSeconds, bytes: r.bytes, roamingZone: roamingZone?.code ?? null };
    const headId = sharedFrom.get(s.id);
    // The head's home packages, not the gifts the head received (a gift is never passed on) nor its roaming packages.
    const shared = headId === undefined ? [] : (quotas.get(headId) ?? []).filter((q) => !q.source.startsWith('gift:') && !q.zone);
    let rated = rateUsage(event, tariff, own, quotas.get(s.id) ?? [], rates, shared);
    const cap = caps.get(s.id);
    const limit = limits.get(s.id);
    let capRefusal: CapRefusal | null = limit && limit.limit !== null && rated.charged > 0 && limit.spent + rated.charged > limit.limit ? 'FAMILY_LIMIT' : null;
    if (!capRefusal && cap) capRefusal = judgeCaps(cap, r, rated);
    if (!capRefusal && limit) limit.spent += rated.charged;
    if (capRefusal) {
      // A refused record takes nothing: what it drew from the packages goes back.
      for (const c of rated.consumed) {
        const q = quotaById.get(c.quotaId);
        if (q) q.remaining += c.units;
      }
      rated = { ...rated, quotaUnits: 0, consumed: [], charged: 0 };
      refused.push({ recordId: r.recordId, reason: capRefusal });
      capHits.push({ subscriberId: s.id, code: capRefusal });
    }
    refusedCol.push(capRefusal);
    cols.account.push(s.account_id);
    cols.record.push(r.recordId);
    cols.sub.push(s.id);
    cols.kind.push(r.kind);
    cols.zone.push(r.zone);
    cols.started.push(r.at.toISOString());
    cols.duration.push(r.kind === 'voice' ? r.durationSeconds ?? 0 : null);
    cols.bytes.push(r.kind === 'data' ? r.bytes ?? 0 : null);
    cols.counterpart.push(r.counterpart ? String(r.counterpart).slice(0, 32) : null);
    cols.billed.push(rated.billedUnits);
    cols.quotaUnits.push(rated.quotaUnits);
    cols.consumed.push(JSON.stringify(rated.consumed));
    cols.charged.push(rated.charged);
    if (rated.charged > 0) {
      entries.account.push(s.account_id);
      entries.amount.push(-rated.charged);
      entries.sub.push(s.id);
      entries.key.push(`usage:${r.recordId}`);
      entries.category.push(rated.category);
      entries.ref.push(r.recordId);
      charged += rated.charged;
    }
  }
  const used = { account: [] as number[], id: [] as number[], units: [] as number[] };
  for (const [subId, list] of quotas) {
    const accountId = accountOf.get(subId)!;
    for (const q of list) {
      const delta = startQuota.get(q.id)! - q.remaining;
      if (delta > 0) {
        used.account.push(accountId);
        used.id.push(q.id);
        used.units.push(delta);
      }
    }
  }
  // The records and what they took from the quotas: one statement. Not looking first, a record
  // already booked fails it on its key in usage_record_key (a plain INSERT: ON CONFLICT's speculative
  // insertion costs more per row than the lookup it would save), and the batch runs again.
  try {
    await tx.query(
      `WITH taken AS (
         UPDATE quota q SET used = q.used + d.units FROM unnest($15::bigint[], $16::bigint[], $17::bigint[]) AS d(account_id, id, units)
          WHERE q.account_id = d.account_id AND q.id = d.id
       )
       INSERT INTO usage_record (account_id, record_id, subscriber_id, kind, zone, started_at, duration_seconds, bytes, counterpart,
                                 billed_units, quota_units, consumed, charged, rated_at, refused)
       SELECT a, r, s, k, z, t, d, b, c, bu, qu, co::jsonb, ch, $14, rf
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::bigint[],
                     $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::bigint[], $18::text[]) AS u(a, r, s, k, z, t, d, b, c, bu, qu, co, ch, rf)`,
      [cols.account, cols.record, cols.sub, cols.kind, cols.zone, cols.started, cols.duration, cols.bytes, cols.counterpart, cols.billed, cols.quotaUnits, cols.consumed, cols.charged, now, used.account, used.id, used.units, refusedCol],
    );
  } catch (e) {
    const err = e as { code?: string; constraint?: string };
    if (!lookFirst && err.code === '23505' && err.constraint === 'usage_record_key_pkey') throw new AlreadyBooked();
    throw e;
  }
  if (entries.account.length) {
    // The charges and the points they earn (added to each account's lot of the month): one statement.
    const { bonus } = settings;
    const kind = new Array<'usage'>(entries.account.length).fill('usage');
    await postEntries(tx, { account: entries.account, amount: entries.amount, kind, sub: entries.sub, key: entries.key, category: entries.category, reference: entries.ref }, now, { bonus, ids: false });
  }
  // Charges only take money: the balance rules judge only the accounts that may now be blocked.
  const spentOn = new Map<number, number>();
  entries.account.forEach((a, i) => spentOn.set(a, (spentOn.get(a) ?? 0) - entries.amount[i]!));
  const tariffOf = new Map(subs.map((s) => [s.account_id, mustExist(tariffs.get(s.tariff_code), `tariff ${s.tariff_code}`)]));
  const held = new Map(locked.accounts.map((a) => [a.id, a]));
  const chargedAccounts = locked.accounts.filter((a) => spentOn.has(a.id));
  await applyBalanceRules(tx, core, ctx, mayBlock(chargedAccounts, (id) => held.get(id)!.balance + held.get(id)!.credit_limit - spentOn.get(id)!, tariffOf));
  await raiseUsageAlerts(tx, now, { quotaAccounts: used.account, quotaIds: used.id, chargedAccounts: [...spentOn.keys()] });
  if (capHits.length) await raiseCapAlerts(tx, now, capHits);
  await recordAudit(tx, core, ctx, { action: 'usage.ingest', details: { accepted: fresh.length, duplicates, rejected: rejected.length, charged } });
  return { accepted: fresh.length, duplicates, rejected, ...(refused.length ? { refused } : {}), charged };
}
