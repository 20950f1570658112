import type { Melody } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { listMelodies } from './melodies.ts';
import { readRingback, type RingbackSettings } from './settings.ts';
import { toneForCaller } from './tone-for-caller.ts';

export interface RingbackOverview extends RingbackSettings {
  msisdn: string;
  /** Every melody on sale, in catalog order. */
  catalog: Melody[];
  /** What a caller no rule names hears now (null: ordinary ringing). */
  nowForEveryone: string | null;
}

/** The number's ringback: the service, the catalog, the library and the rules. */
export async function ringbackOverview(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<RingbackOverview> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const [settings, catalog, now] = [await readRingback(core.db, sub), await listMelodies(core.db), await toneForCaller(core.db, { msisdn: sub.msisdn, caller: '', at: core.clock.now() })];
  return { msisdn: sub.msisdn, ...settings, catalog, nowForEveryone: now?.melody.code ?? null };
}
