import type { Action, Confirmation, Offer, Refusal } from '../../domain/actions/types.ts';
import type { Channel } from '../../domain/shared/context.ts';
import type { PriceFacts } from '../../text/price-facts.ts';
import { statePrice } from '../../text/price.ts';

/** A price as the API states it: the facts, and the one statement of them in both languages. */
export interface Statement {
  ru: string;
  en: string;
}

export function statementOf(facts: PriceFacts): Statement {
  return { ru: statePrice(facts, 'ru', 'text'), en: statePrice(facts, 'en', 'text') };
}

/** The fields every offer has in the API, next to the action's own details. */
export interface OfferView {
  action: string;
  /** True when the number may take it now; otherwise `refusal` says why. */
  available: boolean;
  refusal: Refusal | null;
  /** Whether to list it at all (see the registry's Offer.shown). */
  shown: boolean;
  facts: PriceFacts | null;
  statement: Statement | null;
  /** How the client confirms before sending the request (web/app: explicit means a dialog). */
  confirmation: Confirmation;
}

export function offerView<D>(action: Pick<Action<object, object, unknown, D>, 'confirmation'>, offer: Offer<D>, channel: Channel): OfferView {
  return {
    action: offer.action,
    available: offer.refusal === null,
    refusal: offer.refusal,
    shown: offer.shown,
    facts: offer.facts,
    statement: offer.facts ? statementOf(offer.facts) : null,
    confirmation: action.confirmation(offer, channel),
  };
}
