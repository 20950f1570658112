import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { POOL_RANGE_MAX, requirePoolOperator } from './access.ts';

export interface AddedRange {
  regionCode: string;
  from: string;
  to: string;
  added: number;
}

/**
 * Adds a range of consecutive numbers (`from`, `from + 1`, … `count` of them) to a region's pool of
 * free numbers that orders (number change, new numbers) hand out. All or nothing: a number that is
 * not a valid MSISDN, belongs to a subscriber or is already in the pool refuses the whole range,
 * naming that number.
 */
export async function addPoolNumbers(core: Core, ctx: Ctx, input: { regionCode: string; from: string; count: number }): Promise<AddedRange> {
  return runUseCase(core, ctx, 'numbers.pool.add', async (tx) => {
    requirePoolOperator(ctx);
    if (!Number.isSafeInteger(input.count) || input.count < 1 || input.count > POOL_RANGE_MAX) {
      throw new DomainError('VALIDATION', { field: 'count', max: POOL_RANGE_MAX }, `count must be 1..${POOL_RANGE_MAX}`);
    }
    const from = normalizeMsisdn(input.from);
    if (!from) throw new DomainError('VALIDATION', { field: 'from' }, 'not a phone number');
    const [region] = await tx.query<{ code: string }>('SELECT code FROM region WHERE code = $1', [input.regionCode]);
    if (!region) throw new DomainError('VALIDATION', { field: 'region' }, 'no such region');
    const numbers: string[] = [];
    const start = BigInt(from);
    for (let i = 0; i < input.count; i++) {
      const m = (start + BigInt(i)).toString();
      // The range may not run past the numbering (a Russian number has 11 digits).
      if (normalizeMsisdn(m) !== m || m.length !== from.length) throw new DomainError('NUMBER_INVALID', { msisdn: m });
      numbers.push(m);
    }
    const [owned] = await tx.query<{ msisdn: string }>('SELECT msisdn FROM subscriber WHERE msisdn = ANY($1::text[]) ORDER BY msisdn LIMIT 1', [numbers]);
    if (owned) throw new DomainError('NUMBER_TAKEN', { msisdn: owned.msisdn, by: 'subscriber' });
    const [pooled] = await tx.query<{ msisdn: string }>('SELECT msisdn FROM number_pool WHERE msisdn = ANY($1::text[]) ORDER BY msisdn LIMIT 1', [numbers]);
    if (pooled) throw new DomainError('NUMBER_TAKEN', { msisdn: pooled.msisdn, by: 'pool' });
    // A range added at the same moment by someone else: the primary key lets one through.
    const inserted = await tx.query<{ msisdn: string }>(
      `INSERT INTO number_pool (msisdn, region_code, status) SELECT m, $2, 'free' FROM unnest($1::text[]) AS m
       ON CONFLICT (msisdn) DO NOTHING RETURNING msisdn`,
      [numbers, region.code],
    );
    if (inserted.length !== numbers.length) {
      const got = new Set(inserted.map((r) => r.msisdn));
      throw new DomainError('NUMBER_TAKEN', { msisdn: numbers.find((m) => !got.has(m))!, by: 'pool' });
    }
    const out = { regionCode: region.code, from: numbers[0]!, to: numbers[numbers.length - 1]!, added: numbers.length };
    await recordAudit(tx, core, ctx, { action: 'numbers.pool.add', details: out });
    return out;
  });
}
