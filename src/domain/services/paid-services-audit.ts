import { monthlyCost, requireTariff } from '../catalog/read-catalog.ts';
import type { Localized } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { listConnectedProducts } from './list-connected-products.ts';

export interface PaidItem {
  type: 'tariff' | 'product';
  code: string;
  name: Localized;
  content: boolean;
  feeModel: string;
  feeAmount: number;
  monthlyCost: number;
  status: string;
  disableable: boolean;
}

export interface PaidServicesAudit {
  msisdn: string;
  items: PaidItem[];
  monthlyTotal: number;
  contentMonthlyTotal: number;
  contentBan: boolean;
}

/** Every paid thing on the number with what it costs a month, content subscriptions marked. */
export async function paidServicesAudit(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<PaidServicesAudit> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const tariff = await requireTariff(core.db, sub.tariffCode);
  const connected = await listConnectedProducts(core, ctx, { msisdn: sub.msisdn });
  const items: PaidItem[] = [];
  if (tariff.fee.amount > 0) {
    items.push({
      type: 'tariff',
      code: tariff.code,
      name: tariff.name,
      content: false,
      feeModel: tariff.fee.model,
      feeAmount: tariff.fee.amount,
      monthlyCost: monthlyCost(tariff.fee),
      status: sub.status,
      disableable: false,
    });
  }
  for (const p of connected.paid) {
    items.push({
      type: 'product',
      code: p.code,
      name: p.name,
      content: p.content,
      feeModel: p.fee.model,
      feeAmount: p.fee.amount,
      monthlyCost: p.monthlyCost,
      status: p.status,
      disableable: p.disableable,
    });
  }
  return {
    msisdn: sub.msisdn,
    items,
    monthlyTotal: items.reduce((s, i) => s + i.monthlyCost, 0),
    contentMonthlyTotal: items.filter((i) => i.content).reduce((s, i) => s + i.monthlyCost, 0),
    contentBan: sub.contentBan,
  };
}
