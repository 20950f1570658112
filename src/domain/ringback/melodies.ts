import type { Queryable } from '../../store/db.ts';
import type { PriceFacts } from '../../text/price-facts.ts';
import type { Melody } from '../catalog/schema.ts';

/** The catalog product that is the service "Гудок" itself: connected and disabled like any option. */
export const RINGBACK_PRODUCT = 'ringback';

export async function listMelodies(q: Queryable): Promise<Melody[]> {
  const rows = await q.query<{ spec: Melody }>("SELECT spec FROM ringback_melody WHERE status = 'active' ORDER BY code");
  return rows.map((r) => r.spec);
}

export async function getMelody(q: Queryable, code: string): Promise<{ spec: Melody; status: 'active' | 'retired' } | undefined> {
  const rows = await q.query<{ spec: Melody; status: 'active' | 'retired' }>('SELECT spec, status FROM ringback_melody WHERE code = $1', [code]);
  return rows[0];
}

/** What a melody costs as every channel states it: its price per day or month, the first period charged today. */
export function melodyFacts(m: Pick<Melody, 'price'>): PriceFacts {
  return { price: m.price.amount, period: m.price.model === 'daily' ? 'day' : 'month', connectionFee: 0, commission: 0, chargedToday: m.price.amount };
}
