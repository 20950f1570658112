import type { Ctx } from './context.ts';

/**
 * The context of a second use case one request runs after the first (buy a melody, then set it):
 * its idempotency key is derived from the request's, so a repeat of the request repeats both and
 * each answers with its own first result, instead of the second finding the key taken.
 */
export function thenCtx(ctx: Ctx, step: string): Ctx {
  const { idempotencyKey, ...rest } = ctx;
  return idempotencyKey ? { ...rest, idempotencyKey: `${idempotencyKey}:${step}` } : rest;
}
