import { loadCapStates } from '../caps/caps.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { countryName } from './welcome-text.ts';

export interface RoamingView {
  msisdn: string;
  /** ISO 3166-1 alpha-2 of the country the number is in, or null at home. */
  country: string | null;
  countryName: { ru: string; en: string } | null;
  since: string | null;
  /** Kopecks of roaming this calendar month (the region's), and the roaming cap. */
  spent: number;
  cap: number;
}

/** Whether the number is in roaming, where, and its roaming spending this month against its cap. */
export async function getRoaming(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<RoamingView> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const [state] = await core.db.query<{ country: string | null; since: Date }>('SELECT country, since FROM roaming_state WHERE subscriber_id = $1', [sub.id]);
  const cap = (await loadCapStates(core.db, core.clock.now(), [sub.id], [sub.id])).get(sub.id)!;
  const country = state?.country ?? null;
  return {
    msisdn: sub.msisdn,
    country,
    countryName: country ? { ru: countryName(country, 'ru'), en: countryName(country, 'en') } : null,
    since: country && state ? state.since.toISOString() : null,
    spent: cap.roamingSpent,
    cap: cap.roaming,
  };
}
