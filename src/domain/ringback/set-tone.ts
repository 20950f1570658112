import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { requireMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { minuteOf } from './choose-tone.ts';
import { RINGBACK_PRODUCT } from './melodies.ts';
import { queueRingbackPush, readRingback } from './settings.ts';

/** Rules one number may keep. */
export const MAX_RULES = 50;

export interface SetToneInput {
  msisdn: string;
  melody: string;
  /** Who hears it: absent for every caller; numbers, or a named group of numbers. */
  callers?: string[] | undefined;
  group?: string | undefined;
  /** A time of day "HH:MM"–"HH:MM" in the number's region; absent for all day. */
  from?: string | undefined;
  to?: string | undefined;
}

export interface SetToneResult {
  msisdn: string;
  rule: number;
  melody: string;
  /** False when the same rule was already there: nothing changed and nothing is pushed. */
  changed: boolean;
}

/**
 * Sets which melody callers hear: for everyone, chosen numbers or a group, all day or at a time of
 * day. A rule for the same callers and times is replaced (its melody changes); an identical one
 * changes nothing. The melody must be in the library and paid; the service "Гудок" must be on.
 */
export async function setTone(core: Core, ctx: Ctx, input: SetToneInput): Promise<SetToneResult> {
  return runUseCase(core, ctx, 'ringback.set', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const { msisdn: _m, ...request } = input;
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'ringback.set', { sub: sub.id, ...request }, async () => {
      const state = await readRingback(tx, sub);
      if (state.service !== 'active') throw new DomainError('PRODUCT_NOT_CONNECTED', { product: RINGBACK_PRODUCT });
      const owned = state.library.find((t) => t.melody.code === input.melody && t.status === 'active');
      if (!owned) throw new DomainError('MELODY_NOT_BOUGHT', { melody: input.melody });
      const callers = input.callers?.length ? [...new Set(input.callers.map(requireMsisdn))].sort() : null;
      const group = input.group?.trim() || null;
      if (group && !callers) throw new DomainError('VALIDATION', { field: 'callers', reason: 'a group needs its numbers' });
      if ((input.from === undefined) !== (input.to === undefined)) throw new DomainError('VALIDATION', { field: input.from === undefined ? 'from' : 'to', reason: 'both ends of the time of day' });
      const from = input.from === undefined ? null : minuteOf(input.from);
      const to = input.to === undefined ? null : minuteOf(input.to);
      if (from !== null && from === to) throw new DomainError('VALIDATION', { field: 'to', reason: 'the time of day ends where it starts' });
      const same = state.rules.find((r) => JSON.stringify(r.callers ? [...r.callers].sort() : null) === JSON.stringify(callers) && r.group === group && r.fromMinute === from && r.toMinute === to);
      const now = core.clock.now();
      let ruleId: number;
      if (same) {
        if (same.melody === input.melody) return { msisdn: sub.msisdn, rule: same.id, melody: same.melody, changed: false };
        await tx.query('UPDATE ringback_rule SET melody_code = $3 WHERE account_id = $1 AND id = $2', [sub.accountId, same.id, input.melody]);
        ruleId = same.id;
      } else {
        if (state.rules.length >= MAX_RULES) throw new DomainError('VALIDATION', { field: 'rules', reason: `at most ${MAX_RULES}` });
        const [row] = await tx.query<{ id: number }>(
          `INSERT INTO ringback_rule (account_id, subscriber_id, melody_code, callers, group_name, from_minute, to_minute, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [sub.accountId, sub.id, input.melody, callers, group, from, to, now],
        );
        ruleId = Number(mustExist(row, 'ringback rule').id);
      }
      await recordAudit(tx, core, ctx, { action: 'ringback.set', subscriberId: sub.id, customerId: sub.customerId, details: { melody: input.melody, rule: ruleId } });
      await queueRingbackPush(tx, sub, now);
      return { msisdn: sub.msisdn, rule: ruleId, melody: input.melody, changed: true };
    });
  });
}
