import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { requirePoolOperator } from './access.ts';

/** Frees the quarantined numbers whose quarantine has ended (optionally in one region). */
export async function releaseQuarantine(core: Core, ctx: Ctx, input: { region?: string } = {}): Promise<{ released: number; msisdns: string[] }> {
  return runUseCase(core, ctx, 'numbers.pool.release', async (tx) => {
    requirePoolOperator(ctx);
    const rows = await tx.query<{ msisdn: string }>(
      `UPDATE number_pool SET status = 'free', available_at = NULL
        WHERE status = 'quarantined' AND available_at <= $1 ${input.region ? 'AND region_code = $2' : ''} RETURNING msisdn`,
      input.region ? [core.clock.now(), input.region] : [core.clock.now()],
    );
    const msisdns = rows.map((r) => r.msisdn).sort();
    if (msisdns.length) await recordAudit(tx, core, ctx, { action: 'numbers.pool.release', details: { region: input.region ?? null, released: msisdns.length, first: msisdns[0]!, last: msisdns[msisdns.length - 1]! } });
    return { released: msisdns.length, msisdns };
  });
}
