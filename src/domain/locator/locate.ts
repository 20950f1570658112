import { recordAudit } from '../audit/record-audit.ts';
import { takeToken } from '../auth/rate-limit.ts';
import { charge } from '../billing/charge.ts';
import type { Core } from '../core.ts';
import { requireFunds } from '../ledger/funds.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, isDomainError, mustExist } from '../shared/errors.ts';
import { idempotent, requestFingerprint } from '../shared/idempotency.ts';
import { formatMsisdn, requireMsisdn } from '../shared/msisdn.ts';
import { findSubscriberByMsisdn, loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import type { ConsentStatus } from './consent.ts';
import { localitiesNear, nearestLocality } from './localities.ts';
import { areaCircle, type GeoPoint, type LocationArea } from './location-port.ts';
import { locatePrice } from './price.ts';

/** Locations one number may ask for one other number per hour, and for all numbers. */
export const LOCATES_PER_TARGET_HOUR = 10;
export const LOCATES_PER_HOUR = 30;
/** The oldest fix the locator accepts, in seconds. */
const MAX_AGE_SECONDS = 900;

export interface FriendLocation {
  msisdn: string;
  fixAt: string;
  area: LocationArea;
  center: GeoPoint;
  radius: number;
  locality: { ru: string; en: string; distance: number };
  /** Localities around the fix (60 km), for the map. */
  nearby: { ru: string; en: string; at: GeoPoint }[];
  /** The answer in words, as SMS and USSD give it. */
  words: { ru: string; en: string };
  /** Kopecks charged for this request (0: free, or included in a connected product). */
  charged: number;
}

/** The consent `requester` has from `target` (none when there is no such number). */
export async function consentState(core: Core, requester: SubscriberRow, targetMsisdn: string): Promise<{ target: SubscriberRow | undefined; state: ConsentStatus | 'none' }> {
  const target = await findSubscriberByMsisdn(core.db, targetMsisdn);
  if (!target) return { target, state: 'none' };
  const rows = await core.db.query<{ status: ConsentStatus }>('SELECT status FROM locator_consent WHERE requester_id = $1 AND target_id = $2', [requester.id, target.id]);
  return { target, state: rows[0]?.status ?? 'none' };
}

function when(d: Date, timeZone: string, lang: 'ru' | 'en') {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit' }).format(d);
}

function distanceWords(m: number, lang: 'ru' | 'en') {
  return m >= 1000 ? `${(m / 1000).toFixed(1).replace('.', lang === 'ru' ? ',' : '.')} ${lang === 'ru' ? 'км' : 'km'}` : `${m} ${lang === 'ru' ? 'м' : 'm'}`;
}

/** The first answer to a repeated request key, read before the network is asked again. */
async function priorAnswer(core: Core, ctx: Ctx, scope: string, fingerprint: unknown): Promise<FriendLocation | undefined> {
  if (!ctx.idempotencyKey) return undefined;
  const rows = await core.db.query<{ operation: string; fingerprint: string; result: FriendLocation | null }>(
    'SELECT operation, fingerprint, result FROM idempotency_record WHERE scope = $1 AND key = $2',
    [scope, ctx.idempotencyKey],
  );
  const prior = rows[0];
  if (!prior) return undefined;
  if (prior.operation !== 'locator.locate' || prior.fingerprint !== requestFingerprint(fingerprint)) throw new DomainError('IDEMPOTENCY_KEY_REUSED', { key: ctx.idempotencyKey });
  return prior.result ?? undefined;
}

/**
 * Where `target` is, for the number `msisdn` (the caller's), with the target's consent. Every
 * request, answered or not, is kept for the target to see and audited on both sides.
 *
 * A located request is charged the catalog's price of a request (`locatePrice`: nothing when a
 * connected product includes it), in the transaction that keeps it, with the key
 * `locator:<request id>`; a refused or failed one costs nothing. Funds are checked before the
 * network is asked and again under the account's lock. A repeat of the request key
 * (ctx.idempotencyKey) answers the first location without asking the network or charging again.
 */
export async function locateFriend(core: Core, ctx: Ctx, input: { msisdn: string; target: string }): Promise<FriendLocation> {
  const me = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const targetMsisdn = requireMsisdn(input.target);
  const scope = `account:${me.accountId}`;
  const fingerprint = { sub: me.id, target: targetMsisdn };
  const prior = await priorAnswer(core, ctx, scope, fingerprint);
  if (prior) return prior;
  const { target, state } = await consentState(core, me, targetMsisdn);
  if (!target || state !== 'granted') throw new DomainError('LOCATOR_NO_CONSENT', { msisdn: targetMsisdn, state });
  requireFunds(me, (await locatePrice(core.db, me, target.id)).charge);
  const now = core.clock.now();
  await takeToken(core.db, `locator:${me.id}`, now, { limit: LOCATES_PER_HOUR, windowSeconds: 3600 });
  await takeToken(core.db, `locator:${me.id}:${target.id}`, now, { limit: LOCATES_PER_TARGET_HOUR, windowSeconds: 3600 });
  const keep = async (outcome: 'located' | 'failed', extra: { reason?: string; loc?: Omit<FriendLocation, 'charged'> }): Promise<FriendLocation | undefined> =>
    core.db.tx(async (tx) => {
      const record = async (charged: number) => {
        const l = extra.loc;
        const [row] = await tx.query<{ id: number }>(
          `INSERT INTO locator_request (requester_id, target_id, at, channel, outcome, reason, fix_at, latitude, longitude, radius_m, locality_ru, locality_en)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
          [me.id, target.id, now, ctx.channel, outcome, extra.reason ?? null, l ? new Date(l.fixAt) : null, l?.center.latitude ?? null, l?.center.longitude ?? null, l?.radius ?? null, l?.locality.ru ?? null, l?.locality.en ?? null],
        );
        const details = { outcome, ...(extra.reason ? { reason: extra.reason } : {}) };
        await recordAudit(tx, core, ctx, { action: 'locator.located', subscriberId: me.id, customerId: me.customerId, outcome: outcome === 'located' ? 'ok' : 'failed', details: { other: target.msisdn, ...details, ...(charged ? { charged } : {}) } });
        await recordAudit(tx, core, ctx, { action: 'locator.located', subscriberId: target.id, customerId: target.customerId, outcome: outcome === 'located' ? 'ok' : 'failed', details: { other: me.msisdn, side: 'target', ...details } });
        return Number(mustExist(row, 'locator request').id);
      };
      if (!extra.loc) {
        await record(0);
        return undefined;
      }
      const loc = extra.loc;
      // Under the account's lock: the price and the funds as they are now, charged once per key.
      const payer = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
      return idempotent(tx, ctx, scope, 'locator.locate', fingerprint, async () => {
        const price = await locatePrice(tx, payer, target.id);
        requireFunds(payer, price.charge);
        const id = await record(price.charge);
        if (price.charge > 0) {
          await charge(tx, {
            accountId: payer.accountId,
            subscriberId: payer.id,
            amount: price.charge,
            kind: 'fee',
            category: 'one_off',
            idempotencyKey: `locator:${id}`,
            reference: `locator:${id}`,
            description: 'friend locator request',
            at: now,
          });
        }
        return { ...loc, charged: price.charge };
      });
    });
  let fix;
  try {
    fix = await core.location.retrieve({ msisdn: target.msisdn, maxAge: MAX_AGE_SECONDS });
  } catch (e) {
    if (isDomainError(e)) await keep('failed', { reason: String(e.params.reason ?? e.code) });
    throw e;
  }
  const { center, radius } = areaCircle(fix.area);
  const locality = nearestLocality(center);
  const words = (lang: 'ru' | 'en') => {
    const place = locality.distance <= Math.max(radius, 3000) ? (lang === 'ru' ? `в районе: ${locality.ru}` : `near ${locality.en}`) : lang === 'ru' ? `${distanceWords(locality.distance, 'ru')} от: ${locality.ru}` : `${distanceWords(locality.distance, 'en')} from ${locality.en}`;
    return lang === 'ru'
      ? `${formatMsisdn(target.msisdn)}: ${place}, в пределах ${distanceWords(radius, 'ru')}, на ${when(fix.lastLocationTime, me.timeZone, 'ru')}.`
      : `${formatMsisdn(target.msisdn)}: ${place}, within ${distanceWords(radius, 'en')}, as of ${when(fix.lastLocationTime, me.timeZone, 'en')}.`;
  };
  const loc = { msisdn: target.msisdn, fixAt: fix.lastLocationTime.toISOString(), area: fix.area, center, radius, locality, nearby: localitiesNear(center, 60_000), words: { ru: words('ru'), en: words('en') } };
  return mustExist(await keep('located', { loc }), 'located request');
}
