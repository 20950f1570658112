import type { Core } from '../core.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { getSettings, listProducts, requireTariff } from '../catalog/read-catalog.ts';
import { readCapSettings } from '../caps/caps.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { welcomeText } from './welcome-text.ts';
import { roamingRates, zoneOf } from './zones.ts';

export interface NetworkEvent {
  /** `attach`: the number registered in a network of `country` (its home country means home). */
  type: 'attach';
  msisdn: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** The operator's own country: an attach here ends roaming. */
export const HOME_COUNTRY = 'RU';

/**
 * An event from the network side (operator API key): an attach in another country puts the number
 * in roaming there and texts it a welcome with the prices it will pay and its roaming cap; an
 * attach at home ends roaming. An attach in the country it is already in changes nothing (the
 * network repeats them), so the welcome is sent once per arrival.
 */
export async function recordNetworkEvent(core: Core, ctx: Ctx, e: NetworkEvent): Promise<{ msisdn: string; roaming: string | null; welcomeSent: boolean }> {
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  if (!['operator_api', 'staff', 'system'].includes(ctx.actor.kind)) throw new DomainError('FORBIDDEN');
  const country = String(e.country ?? '').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new DomainError('VALIDATION', { field: 'country', reason: 'ISO 3166-1 alpha-2' });
  return runUseCase(core, ctx, 'network.attach', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, e.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const now = core.clock.now();
    const abroad = country === HOME_COUNTRY ? null : country;
    const was = (await tx.query<{ country: string | null }>('SELECT country FROM roaming_state WHERE subscriber_id = $1', [sub.id]))[0]?.country ?? null;
    if (was === abroad) return { msisdn: sub.msisdn, roaming: abroad, welcomeSent: false };
    await tx.query(
      `INSERT INTO roaming_state (subscriber_id, country, since) VALUES ($1, $2, $3)
       ON CONFLICT (subscriber_id) DO UPDATE SET country = EXCLUDED.country, since = EXCLUDED.since`,
      [sub.id, abroad, now],
    );
    await recordAudit(tx, core, ctx, { action: 'network.attach', subscriberId: sub.id, customerId: sub.customerId, details: { country, roaming: abroad !== null } });
    if (!abroad) return { msisdn: sub.msisdn, roaming: null, welcomeSent: false };
    const tariff = await requireTariff(tx, sub.tariffCode);
    const cap = await readCapSettings(tx, sub.id);
    const zone = zoneOf(await getSettings(tx), abroad);
    const packages = zone ? (await listProducts(tx)).filter((p) => p.roaming?.zone === zone.code && p.connectable && (p.tariffs.length === 0 || p.tariffs.includes(tariff.code))) : [];
    const text = welcomeText(sub.language, { country: abroad, zone, rates: roamingRates(tariff.rates, zone), packages, roamingCap: cap.roaming });
    await enqueueSms(tx, { msisdn: sub.msisdn, text, kind: 'roaming.welcome', at: now });
    return { msisdn: sub.msisdn, roaming: abroad, welcomeSent: true };
  });
}
