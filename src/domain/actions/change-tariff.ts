import { z } from 'zod';
import type { PriceFacts } from '../../text/price-facts.ts';
import { getTariff, listTariffs } from '../catalog/read-catalog.ts';
import type { Tariff } from '../catalog/schema.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { loadSubscriber, type SubscriberRow } from '../subscribers/access.ts';
import { changeTariff, quoteTariffChange, switchFee, type TariffChangeQuote } from '../subscribers/change-tariff.ts';
import { confirmationFor } from './confirmation.ts';
import { refusalFrom, type CatalogAction, type Offer, type Refusal } from './types.ts';

const input = z.object({ tariffCode: z.string().min(1).max(40) });

export interface TariffDetails {
  code: string;
  name: Tariff['name'];
  description: Tariff['description'] | null;
  fee: Tariff['fee'];
  included: Tariff['included'];
  premium: boolean;
  segment: Tariff['segment'];
  /** Whether this is the number's plan now. */
  current: boolean;
  /** Connected products the plan does not allow: changing disables them. Empty when refused. */
  productsDisabled: string[];
}

/** What moving to `t` costs this number: the plan's fee per period, the switch fee (waived after the plan's free-switch days) and both today. */
export function tariffFacts(t: Tariff, sub: SubscriberRow, now: Date): PriceFacts {
  return factsWithSwitchFee(t, switchFee(t, sub, now));
}

/**
 * What the catalog lists for moving to `t`, before any number's waiver: the plan's fee per period
 * and its full switch fee (a catalog without a subscriber, e.g. TMF620 productOfferingPrice).
 */
export function tariffListFacts(t: Tariff): PriceFacts {
  return factsWithSwitchFee(t, t.switchFee);
}

function factsWithSwitchFee(t: Tariff, fee: number): PriceFacts {
  return { price: t.fee.amount, period: t.fee.model === 'daily' ? 'day' : 'month', connectionFee: fee, commission: 0, chargedToday: fee + t.fee.amount };
}

async function offerOf(core: Core, ctx: Ctx, sub: SubscriberRow, t: Tariff, active: boolean): Promise<Offer<TariffDetails>> {
  let productsDisabled: string[] = [];
  // The order of changeTariff's checks, so the offer refuses with the reason the use case would.
  const refusal: Refusal | null =
    sub.status !== 'active'
      ? { code: 'SUBSCRIBER_BLOCKED', params: { status: sub.status } }
      : await refusalFrom(async () => {
          productsDisabled = (await quoteTariffChange(core, ctx, { msisdn: sub.msisdn, tariffCode: t.code })).productsDisabled;
        });
  const shown = active && t.connectable && (t.segment === 'any' || t.segment === sub.customerKind);
  return {
    action: 'tariff.change',
    refusal,
    shown,
    facts: tariffFacts(t, sub, core.clock.now()),
    details: {
      code: t.code,
      name: t.name,
      description: t.description ?? null,
      fee: t.fee,
      included: t.included,
      premium: t.premium,
      segment: t.segment,
      current: t.code === sub.tariffCode,
      productsDisabled,
    },
  };
}

/**
 * Change the tariff plan. Offered per plan (`{ tariffCode }`); `offers()` lists the plans on sale
 * to the number's segment (`shown`), its current plan among them refused ALREADY_ON_TARIFF — the
 * plans a subscriber may pick are the shown offers without a refusal.
 */
export const changeTariffAction: CatalogAction<{ tariffCode: string }, z.infer<typeof input>, TariffChangeQuote & { msisdn: string; balance: number }, TariffDetails> = {
  id: 'tariff.change',
  summary: 'Change the tariff plan',
  input,
  async offer(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const entry = await getTariff(core.db, t.tariffCode);
    if (!entry) throw new DomainError('TARIFF_NOT_FOUND', { tariff: t.tariffCode });
    return offerOf(core, ctx, sub, entry.spec, entry.status === 'active');
  },
  async offers(core, ctx, t) {
    const sub = await loadSubscriber(core.db, ctx.actor, t.msisdn, { access: 'read' });
    const out: Offer<TariffDetails>[] = [];
    for (const tariff of await listTariffs(core.db)) out.push(await offerOf(core, ctx, sub, tariff, true));
    return out;
  },
  confirmation: (offer, channel) => confirmationFor(offer.facts && offer.facts.chargedToday > 0 ? 'paid' : 'change', channel),
  run: (core, ctx, i) => changeTariff(core, ctx, { msisdn: i.msisdn, tariffCode: i.tariffCode }),
};
