import { isPaid, monthlyCost } from '../catalog/read-catalog.ts';
import type { Localized, Product } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { liveInstances } from './instances.ts';

export interface ConnectedProduct {
  code: string;
  kind: Product['kind'];
  name: Localized;
  status: 'active' | 'suspended' | 'disabled' | 'limit_suspended';
  paid: boolean;
  content: boolean;
  fee: Product['fee'];
  monthlyCost: number;
  connectedAt: string;
  nextChargeAt: string | null;
  disableable: boolean;
  ussdCode: string | null;
  smsKeyword: string | null;
}

export interface ConnectedProducts {
  msisdn: string;
  paid: ConnectedProduct[];
  free: ConnectedProduct[];
  /** What the paid ones cost a month (daily fees over 30 days). */
  monthlyTotal: number;
}

export async function listConnectedProducts(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<ConnectedProducts> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const items: ConnectedProduct[] = (await liveInstances(core.db, sub.accountId, sub.id)).map((i) => ({
    code: i.productCode,
    kind: i.spec.kind,
    name: i.spec.name,
    status: i.status,
    paid: isPaid(i.spec),
    content: i.spec.content,
    fee: i.spec.fee,
    monthlyCost: monthlyCost(i.spec.fee),
    connectedAt: i.connectedAt.toISOString(),
    nextChargeAt: i.nextChargeAt?.toISOString() ?? null,
    disableable: i.spec.disableable,
    ussdCode: i.spec.ussdCode ?? null,
    smsKeyword: i.spec.smsKeyword ?? null,
  }));
  const paid = items.filter((i) => i.paid);
  return {
    msisdn: sub.msisdn,
    paid,
    free: items.filter((i) => !i.paid),
    monthlyTotal: paid.reduce((s, i) => s + i.monthlyCost, 0),
  };
}
