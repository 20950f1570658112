import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { blockNumber, unblockNumber, type BlockResult } from '../subscribers/set-block.ts';
import { requireBusinessAdmin } from './access.ts';

/** The portal's block: only a business admin who may change numbers; the number check is the use case's. */
export async function blockBusinessNumber(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BlockResult> {
  requireBusinessAdmin(ctx, 'write');
  return blockNumber(core, ctx, input);
}

export async function unblockBusinessNumber(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<BlockResult> {
  requireBusinessAdmin(ctx, 'write');
  return unblockNumber(core, ctx, input);
}
