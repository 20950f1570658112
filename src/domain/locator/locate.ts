import { recordAudit } from '../audit/record-audit.ts';
import { takeToken } from '../auth/rate-limit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, isDomainError } from '../shared/errors.ts';
import { formatMsisdn, requireMsisdn } from '../shared/msisdn.ts';
import { findSubscriberByMsisdn, loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import type { ConsentStatus } from './consent.ts';
import { localitiesNear, nearestLocality } from './localities.ts';
import { areaCircle, type GeoPoint, type LocationArea } from './location-port.ts';

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

/**
 * Where `target` is, for the number `msisdn` (the caller's), with the target's consent. Every
 * request, answered or not, is kept for the target to see and audited on both sides.
 */
export async function locateFriend(core: Core, ctx: Ctx, input: { msisdn: string; target: string }): Promise<FriendLocation> {
  const me = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'write' });
  const targetMsisdn = requireMsisdn(input.target);
  const { target, state } = await consentState(core, me, targetMsisdn);
  if (!target || state !== 'granted') throw new DomainError('LOCATOR_NO_CONSENT', { msisdn: targetMsisdn, state });
  const now = core.clock.now();
  await takeToken(core.db, `locator:${me.id}`, now, { limit: LOCATES_PER_HOUR, windowSeconds: 3600 });
  await takeToken(core.db, `locator:${me.id}:${target.id}`, now, { limit: LOCATES_PER_TARGET_HOUR, windowSeconds: 3600 });
  const keep = async (outcome: 'located' | 'failed', extra: { reason?: string; loc?: FriendLocation }) => {
    await core.db.tx(async (tx) => {
      const l = extra.loc;
      await tx.query(
        `INSERT INTO locator_request (requester_id, target_id, at, channel, outcome, reason, fix_at, latitude, longitude, radius_m, locality_ru, locality_en)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [me.id, target.id, now, ctx.channel, outcome, extra.reason ?? null, l ? new Date(l.fixAt) : null, l?.center.latitude ?? null, l?.center.longitude ?? null, l?.radius ?? null, l?.locality.ru ?? null, l?.locality.en ?? null],
      );
      const details = { outcome, ...(extra.reason ? { reason: extra.reason } : {}) };
      await recordAudit(tx, core, ctx, { action: 'locator.located', subscriberId: me.id, customerId: me.customerId, outcome: outcome === 'located' ? 'ok' : 'failed', details: { other: target.msisdn, ...details } });
      await recordAudit(tx, core, ctx, { action: 'locator.located', subscriberId: target.id, customerId: target.customerId, outcome: outcome === 'located' ? 'ok' : 'failed', details: { other: me.msisdn, side: 'target', ...details } });
    });
  };
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
  const loc: FriendLocation = { msisdn: target.msisdn, fixAt: fix.lastLocationTime.toISOString(), area: fix.area, center, radius, locality, nearby: localitiesNear(center, 60_000), words: { ru: words('ru'), en: words('en') } };
  await keep('located', { loc });
  return loc;
}
