import type { Core } from '../core.ts';
import type { Actor } from '../shared/context.ts';

/**
 * The numbers a phone simulator may act for (dial USSD, send SMS, call, read the inbox): the demo
 * numbers everybody is shown, and the number of the subscriber who is logged in — never another
 * subscriber's, whose balance, settings and login codes are theirs alone. The logged-in number
 * comes first.
 */
export async function simulatorNumbers(core: Core, actor: Actor, demoNumbers: readonly string[]): Promise<string[]> {
  if (actor.kind !== 'subscriber') return [...demoNumbers];
  const rows = await core.db.query<{ msisdn: string }>('SELECT msisdn FROM subscriber WHERE id = $1', [actor.subscriberId]);
  const own = rows[0]?.msisdn;
  return own ? [own, ...demoNumbers.filter((n) => n !== own)] : [...demoNumbers];
}
