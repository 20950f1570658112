/**
 * The action registry: every self-service action by its id. Channels list offers, parse input,
 * ask confirmation and run through these (see ./types.ts for the contract and `perform`).
 *
 *   const offers = await actions['product.connect'].offers(core, ctx, { msisdn });   // a catalog
 *   const offer  = await actions['promised.take'].offer(core, ctx, { msisdn, amount }); // one, judged
 *   actions['promised.take'].confirmation(offer, ctx.channel)                          // how to confirm
 *   await perform(core, ctx, actions['promised.take'], msisdn, { amount })             // validate, check, run
 */
import { alertSettingsAction } from './alert-settings.ts';
import { capsAction, dataLiftAction } from './caps.ts';
import { changeTariffAction } from './change-tariff.ts';
import { connectProductAction } from './connect-product.ts';
import { contentBanAction } from './content-ban.ts';
import { disableProductAction } from './disable-product.ts';
import { exchangePointsAction } from './exchange-points.ts';
import { acceptFamilyAction, inviteFamilyAction, leaveFamilyAction, removeFamilyMemberAction, setFamilyLimitAction, setFamilyPlanAction } from './family.ts';
import { locateFriendAction } from './locate-friend.ts';
import { orderReportAction } from './order-report.ts';
import { promisedPaymentAction } from './promised-payment.ts';
import { readBalanceAction } from './read-balance.ts';
import { buyMelodyAction, removeToneAction, setToneAction } from './ringback.ts';
import { sendAppLinkAction } from './send-app-link.ts';
import { sendBillLinkAction } from './send-bill-link.ts';
import { shareAllowanceAction } from './share-allowance.ts';
import { stopPaidContentAction } from './stop-paid-content.ts';
import { topUpAction } from './top-up.ts';
import { voicemailDeleteAction, voicemailGreetingAction, voicemailHeardAction, voicemailSettingsAction } from './voicemail.ts';
import type { ActionId, AnyAction } from './types.ts';

export const actions = {
  'balance.read': readBalanceAction,
  topup: topUpAction,
  'promised.take': promisedPaymentAction,
  'product.connect': connectProductAction,
  'product.disable': disableProductAction,
  'tariff.change': changeTariffAction,
  'content.stop_all': stopPaidContentAction,
  'content.ban': contentBanAction,
  'bonus.exchange': exchangePointsAction,
  'report.order': orderReportAction,
  'app_link.send': sendAppLinkAction,
  'bill.send': sendBillLinkAction,
  'share.give': shareAllowanceAction,
  'family.invite': inviteFamilyAction,
  'family.accept': acceptFamilyAction,
  'family.leave': leaveFamilyAction,
  'family.remove': removeFamilyMemberAction,
  'family.set_limit': setFamilyLimitAction,
  'family.set_plan': setFamilyPlanAction,
  'locator.locate': locateFriendAction,
  'alerts.settings': alertSettingsAction,
  'caps.settings': capsAction,
  'voicemail.settings': voicemailSettingsAction,
  'voicemail.greeting': voicemailGreetingAction,
  'voicemail.heard': voicemailHeardAction,
  'voicemail.delete': voicemailDeleteAction,
  'caps.lift_data': dataLiftAction,
  'ringback.buy': buyMelodyAction,
  'ringback.set': setToneAction,
  'ringback.remove': removeToneAction,
} as const satisfies Record<ActionId, AnyAction>;

/** Every action id, in menu order. */
export const ACTION_IDS = Object.keys(actions) as ActionId[];

/** Actions offered per catalog item (they have `offers()` for the whole catalog). */
export const CATALOG_ACTIONS = ['product.connect', 'product.disable', 'tariff.change', 'bonus.exchange'] as const satisfies readonly ActionId[];

export {
  acceptFamilyAction,
  inviteFamilyAction,
  leaveFamilyAction,
  removeFamilyMemberAction,
  setFamilyLimitAction,
  setFamilyPlanAction,
  alertSettingsAction,
  buyMelodyAction,
  capsAction,
  dataLiftAction,
  changeTariffAction,
  connectProductAction,
  contentBanAction,
  disableProductAction,
  exchangePointsAction,
  locateFriendAction,
  orderReportAction,
  promisedPaymentAction,
  readBalanceAction,
  removeToneAction,
  setToneAction,
  sendAppLinkAction,
  sendBillLinkAction,
  shareAllowanceAction,
  stopPaidContentAction,
  topUpAction,
  voicemailDeleteAction,
  voicemailGreetingAction,
  voicemailHeardAction,
  voicemailSettingsAction,
};
export { confirmationFor, SMS_REPLY_WINDOW_MS, SMS_REPLY_WORDS } from './confirmation.ts';
export { MAX_BUSINESS_AMOUNT_KOPECKS, businessAmount } from './business-amounts.ts';
export { MAX_TOP_UP, MIN_TOP_UP } from './top-up.ts';
export { PROMISED_MIN_AMOUNT, promisedFacts } from './promised-payment.ts';
export { productFacts } from './products.ts';
export { shareFacts, shareInput, type ShareDetails, type ShareKindOffer } from './share-allowance.ts';
export { tariffFacts, tariffListFacts } from './change-tariff.ts';
export { parseInput, perform, requireOffered, type Action, type ActionId, type CatalogAction, type Confirmation, type Offer, type Refusal } from './types.ts';
export { namedParams, refusalWords } from './refusal-words.ts';
