import type { z } from 'zod';
import type { PriceFacts } from '../../text/price-facts.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import type { Channel, Ctx } from '../shared/context.ts';
import { DomainError, isDomainError, type ErrorCode } from '../shared/errors.ts';

/**
 * The action registry's contract. Every self-service action a channel offers is one `Action`:
 *
 *   1. `offer(core, ctx, { msisdn, ...target })` — what is offered to this number now: the price
 *      facts (every amount the subscriber will pay), or the reason it is not offered (`refusal`),
 *      and whether a channel should list it at all (`shown`). Pass the input (or the part that
 *      picks the offer, e.g. `{ productCode }`) and the offer also judges it: an amount out of
 *      bounds is refused here with AMOUNT_NOT_ALLOWED {min, max}, the same words on every channel.
 *   2. `input` — a Zod schema of the input and its type bounds (no msisdn; the channel knows whose
 *      number it is). A channel parses what the subscriber typed with it: a failure is VALIDATION.
 *   3. `confirmation(offer, channel)` — how the channel must confirm before `run` (none, an explicit
 *      confirm step that shows the offer's statement, or a reply word within a window on SMS).
 *   4. `run(core, ctx, { msisdn, ...input })` — the use case. It re-checks everything under its
 *      own lock; the offer is what the channel shows and checks first, never a substitute.
 *
 * `perform()` below does 2 → 1 → 4 in one call for channels whose request is already confirmed
 * (an HTTP request, a TMF order, a bulk operation, a USSD/voice "confirm" key, an SMS "YES").
 */

export type ActionId =
  | 'balance.read'
  | 'topup'
  | 'promised.take'
  | 'product.connect'
  | 'product.disable'
  | 'tariff.change'
  | 'content.stop_all'
  | 'content.ban'
  | 'bonus.exchange'
  | 'report.order'
  | 'app_link.send'
  | 'bill.send'
  | 'share.give'
  | 'family.invite'
  | 'family.accept'
  | 'family.leave'
  | 'family.remove'
  | 'family.set_limit'
  | 'family.set_plan'
  | 'locator.locate'
  | 'alerts.settings'
  | 'caps.settings'
  | 'voicemail.settings'
  | 'voicemail.greeting'
  | 'voicemail.heard'
  | 'voicemail.delete'
  | 'caps.lift_data'
  | 'ringback.buy'
  | 'ringback.set'
  | 'ringback.remove';

/** Why an action is not offered: the error its run would give, as channels render errors. */
export interface Refusal {
  code: ErrorCode;
  params: Record<string, string | number>;
}

/**
 * How a channel confirms before running:
 * - `none`: run at once.
 * - `explicit`: show the offer (its statement of price) and run only after the subscriber agrees
 *   (a dialog on web/app, a "1 — confirm" page on USSD, a key press on voice). On HTTP the
 *   client asks before it sends the request; the request itself is the confirmation.
 * - `reply`: SMS — answer with the offer and run only if one of `words` comes back within
 *   `windowMs` (see offerConnection/confirmOfferedConnection for paid connects).
 */
export type Confirmation = { kind: 'none' } | { kind: 'explicit' } | { kind: 'reply'; words: readonly string[]; windowMs: number };

export interface Offer<D> {
  action: ActionId;
  /** Null when the number may take it now; otherwise what `run` would refuse with. */
  refusal: Refusal | null;
  /**
   * Whether a channel lists it for this number at all. False for what is never offered to it
   * (a product of another segment or tariff, one already connected). A shown offer with a refusal
   * is listed as unavailable, with its reason.
   */
  shown: boolean;
  /** Every amount the subscriber pays for it; null for actions that cost nothing and state no price. */
  facts: PriceFacts | null;
  /** What the action adds to show it (names, options, bounds, the current state). */
  details: D;
}

export interface Action<Target extends object, Input extends object, Result, D> {
  readonly id: ActionId;
  /** One line on what it does, for menus, API summaries and logs. */
  readonly summary: string;
  /** The input (without msisdn) and its type bounds. Parse what the subscriber gave with it. */
  readonly input: z.ZodType<Input>;
  /** What is offered now; given the input (or the part that picks the offer) it judges it too. */
  offer(core: Core, ctx: Ctx, target: { msisdn: string } & Target): Promise<Offer<D>>;
  /** How `channel` must confirm this offer before `run`. */
  confirmation(offer: Offer<D>, channel: Channel): Confirmation;
  /** The use case. */
  run(core: Core, ctx: Ctx, input: { msisdn: string } & Input): Promise<Result>;
}

/** An action offered per catalog item (a product, a tariff, a reward): lists the offers for all of them. */
export interface CatalogAction<Target extends object, Input extends object, Result, D> extends Action<Target, Input, Result, D> {
  offers(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<Offer<D>[]>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAction = Action<any, any, any, any>;

export function refusalOf(e: DomainError): Refusal {
  return { code: e.code, params: e.params };
}

/** Runs `fn` and turns a DomainError it throws into a refusal (other errors pass through). */
export async function refusalFrom(fn: () => Promise<unknown>): Promise<Refusal | null> {
  try {
    await fn();
    return null;
  } catch (e) {
    if (isDomainError(e)) return refusalOf(e);
    throw e;
  }
}

/** Throws the offer's refusal, if it has one. */
export function requireOffered<D>(offer: Offer<D>): Offer<D> {
  if (offer.refusal) throw new DomainError(offer.refusal.code, offer.refusal.params);
  return offer;
}

/** Parses a channel's raw input with the action's schema; a failure is VALIDATION naming the field. */
export function parseInput<I extends object>(action: Action<object, I, unknown, unknown>, raw: unknown): I {
  const parsed = action.input.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DomainError('VALIDATION', { field: issue?.path.map(String).join('.') || 'input', reason: issue?.message ?? 'invalid' });
}

/**
 * Validates `raw` with the action's schema, checks the offer for it and runs the action: the one
 * path every channel takes once the subscriber has confirmed (per `confirmation`).
 *
 * A repeat of an idempotent request (ctx.idempotencyKey) goes to `run` even when the offer now
 * refuses — connecting again is ALREADY_CONNECTED — so that the use case can answer with the
 * first result; the use case refuses anything else with the same rules.
 */
export async function perform<T extends object, I extends object, R, D>(core: Core, ctx: Ctx, action: Action<T, I, R, D>, msisdn: string, raw: unknown): Promise<R> {
  const input = parseInput(action as Action<object, I, unknown, unknown>, raw);
  const target = { msisdn, ...input } as { msisdn: string } & T & I;
  let offer: Offer<D>;
  try {
    offer = await action.offer(core, ctx, target);
    if (offer.refusal && !ctx.idempotencyKey) requireOffered(offer);
  } catch (e) {
    if (isDomainError(e)) await auditRefusal(core, ctx, action.id, msisdn, e);
    throw e;
  }
  return action.run(core, ctx, target);
}

/**
 * A refusal by the offer is audited as the use case audits its own (runUseCase): the log shows
 * what was attempted, by whom, on which number the actor may see (none when it may not).
 */
async function auditRefusal(core: Core, ctx: Ctx, action: ActionId, msisdn: string, e: DomainError): Promise<void> {
  try {
    const sub = await loadSubscriber(core.db, ctx.actor, msisdn, { access: 'read' }).catch(() => null);
    await recordAudit(core.db, core, ctx, {
      action,
      subscriberId: sub?.id ?? null,
      customerId: sub?.customerId ?? null,
      outcome: 'refused',
      details: { code: e.code, ...e.params },
    });
  } catch (err) {
    core.log.error({ err, requestId: ctx.requestId }, 'audit of a refusal failed');
  }
}
