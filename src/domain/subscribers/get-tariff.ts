import { requireTariff } from '../catalog/read-catalog.ts';
import type { Tariff } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from './access.ts';
import { tariffPeriod } from './quotas.ts';

export interface TariffView {
  msisdn: string;
  tariff: Tariff;
  since: string;
  periodStart: string;
  periodEnd: string;
  nextFeeAt: string | null;
}

export async function getTariff(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<TariffView> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const tariff = await requireTariff(core.db, sub.tariffCode);
  const period = tariffPeriod(tariff, sub, core.clock.now());
  return {
    msisdn: sub.msisdn,
    tariff,
    since: sub.tariffSince.toISOString(),
    periodStart: period.start.toISOString(),
    periodEnd: period.end.toISOString(),
    nextFeeAt: tariff.fee.amount > 0 ? (sub.tariffNextChargeAt ?? period.end).toISOString() : null,
  };
}
