import { createUssdEngine } from '../../src/channels/ussd/engine.ts';
import { runSmsCommand } from '../../src/channels/sms/commands.ts';
import { words } from '../../src/channels/sms/normalize.ts';
import type { Core } from '../../src/domain/core.ts';
import type { Lang } from '../../src/domain/shared/context.ts';
import { subscriberCtx } from './core.ts';

/**
 * What the USSD and SMS channels state, for tests that compare channels with the action registry.
 * Both read as the subscriber (their language; on USSD also their script), through the channel's
 * own code path: the same screens and commands a handset or an MO text reaches.
 */

/**
 * A USSD screen, whole (before it is cut into pages), as the subscriber reads it:
 *   ussdScreen(core, msisdn, 'prod', 'turbo_1gb')      a product's confirmation (price, charge now)
 *   ussdScreen(core, msisdn, 'tariff.q', 'smart_mini') a tariff's confirmation
 *   ussdScreen(core, msisdn, 'pp.q', '50')            a promised payment of 50 ₽ (whole roubles)
 *   ussdScreen(core, msisdn, 'svc.add')               the catalog list, each item with its price
 * A refused offer gives the refusal's message.
 */
export async function ussdScreen(core: Core, msisdn: string, node: string, arg?: string): Promise<{ text: string; confirm: boolean }> {
  return createUssdEngine(core, { appUrl: 'http://abonent.test' }).screen(msisdn, { n: node, ...(arg !== undefined ? { a: arg } : {}) });
}

/** The USSD confirmation of a product (`{ productCode }`) or a tariff (`{ tariffCode }`). */
export function ussdOfferStatement(core: Core, msisdn: string, target: { productCode: string } | { tariffCode: string }): Promise<{ text: string; confirm: boolean }> {
  return 'productCode' in target ? ussdScreen(core, msisdn, 'prod', target.productCode) : ussdScreen(core, msisdn, 'tariff.q', target.tariffCode);
}

/**
 * The SMS reply to `text` sent to 8111 by the subscriber (no rate limit, no outbox): "TURBO" is a
 * product's offer, "ТАРИФ SMART_MINI" a tariff's, "0" the connected list with prices.
 * A paid product's keyword also opens its "reply ДА" window, as the real message does.
 */
export async function smsReply(core: Core, subscriberId: number, lang: Lang, text: string): Promise<string> {
  return runSmsCommand(core, subscriberCtx(subscriberId, { channel: 'sms', lang }), lang, words(text));
}

/** The SMS offer of a product (its code as the keyword) or a tariff (TARIFF <code>). */
export function smsOfferStatement(core: Core, subscriberId: number, lang: Lang, target: { productCode: string } | { tariffCode: string }): Promise<string> {
  return smsReply(core, subscriberId, lang, 'productCode' in target ? target.productCode.toUpperCase() : `TARIFF ${target.tariffCode.toUpperCase()}`);
}
