import type { Queryable } from '../../store/db.ts';
import type { Melody } from '../catalog/schema.ts';
import { findSubscriberByMsisdn } from '../subscribers/access.ts';
import { chooseTone, localMinute } from './choose-tone.ts';
import { readRingback } from './settings.ts';

/**
 * The melody `caller` hears calling `msisdn` at `at` (null: ordinary ringing): the service must be
 * active, and the rule chosen most specific first (`chooseTone`) must name a melody still paid.
 */
export async function toneForCaller(q: Queryable, input: { msisdn: string; caller: string; at: Date }): Promise<{ melody: Melody; rule: number } | null> {
  const sub = await findSubscriberByMsisdn(q, input.msisdn);
  if (!sub) return null;
  const s = await readRingback(q, sub);
  if (s.service !== 'active') return null;
  const paid = new Map(s.library.filter((t) => t.status === 'active').map((t) => [t.melody.code, t.melody]));
  const rule = chooseTone(s.rules.filter((r) => paid.has(r.melody)), input.caller, localMinute(input.at, sub.timeZone));
  return rule ? { melody: paid.get(rule.melody)!, rule: rule.id } : null;
}
