import type { Queryable } from '../../store/db.ts';
import type { Product } from '../catalog/schema.ts';

export interface InstanceRow {
  id: number;
  accountId: number;
  subscriberId: number;
  productCode: string;
  status: 'active' | 'suspended' | 'disabled' | 'limit_suspended';
  connectedAt: Date;
  nextChargeAt: Date | null;
  anchorDay: number;
  spec: Product;
}

/** Products a subscriber has that are not disabled, with their catalog spec. */
export async function liveInstances(q: Queryable, accountId: number, subscriberId: number): Promise<InstanceRow[]> {
  return q.query<InstanceRow>(
    `SELECT i.id, i.account_id AS "accountId", i.subscriber_id AS "subscriberId", i.product_code AS "productCode",
            i.status, i.connected_at AS "connectedAt", i.next_charge_at AS "nextChargeAt", i.anchor_day AS "anchorDay", p.spec
       FROM product_instance i JOIN product p ON p.code = i.product_code
      WHERE i.account_id = $1 AND i.subscriber_id = $2 AND i.status <> 'disabled'
      ORDER BY i.connected_at, i.id`,
    [accountId, subscriberId],
  );
}
