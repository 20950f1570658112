import type { Queryable } from '../../store/db.ts';
import type { Product } from '../catalog/schema.ts';
import { DomainError } from '../shared/errors.ts';
import { localSql } from './period.ts';

/**
 * The corporate rules a product connection must pass on a business number, asked by
 * connect-product: the contract's allowed-services filter (no content subscriptions, products
 * named as denied) and the number's spending limit once reached with "block paid extras" (in the
 * number's own local month).
 * Returns the refusal, or null when the product may be connected.
 */
export async function corporateRefusal(q: Queryable, sub: { id: number; contractId: number | null }, product: Pick<Product, 'code' | 'content' | 'fee' | 'connectionFee'>, now: Date): Promise<DomainError | null> {
  const rows = await q.query<{ deny_content: boolean | null; denied_products: string[] | null; limit_blocked: boolean }>(
    `SELECT c.deny_content, c.denied_products,
            EXISTS (SELECT 1 FROM number_limit_event e JOIN subscriber s ON s.id = e.subscriber_id JOIN region r ON r.code = s.region_code
                     WHERE e.subscriber_id = $1 AND e.period = ${localSql.month('$3', 'r.time_zone')} AND e.action = 'block_extras') AS limit_blocked
       FROM (SELECT 1) one LEFT JOIN contract c ON c.id = $2`,
    [sub.id, sub.contractId, now],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.deny_content && product.content) return new DomainError('SERVICE_NOT_ALLOWED', { reason: 'content', product: product.code });
  if ((r.denied_products ?? []).includes(product.code)) return new DomainError('SERVICE_NOT_ALLOWED', { reason: 'product', product: product.code });
  const paid = (product.fee.model !== 'none' && product.fee.amount > 0) || (product.connectionFee ?? 0) > 0;
  if (r.limit_blocked && paid) return new DomainError('SERVICE_NOT_ALLOWED', { reason: 'limit', product: product.code });
  return null;
}
