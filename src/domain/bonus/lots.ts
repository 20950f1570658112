import type { Queryable } from '../../store/db.ts';
import type { CatalogSettings, Reward } from '../catalog/schema.ts';

/** Points an account can spend at `at`: what is left of lots not yet past their expiry. */
export async function spendablePoints(q: Queryable, accountId: number, at: Date): Promise<number> {
  const rows = await q.query<{ points: number }>(
    'SELECT COALESCE(SUM(remaining), 0)::bigint AS points FROM bonus_lot WHERE account_id = $1 AND remaining > 0 AND expires_at > $2',
    [accountId, at],
  );
  return Number(rows[0]?.points ?? 0);
}

/** The rewards of the catalog; settings written before rewards existed have none. */
export function rewardsOf(settings: CatalogSettings): Reward[] {
  return settings.bonus.rewards ?? [];
}
