import type { Core } from '../../domain/core.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { emptyPage, readPage, type Paged, type SqlFilter, type StorePage } from '../../domain/shared/list-page.ts';
import { requireOperator } from '../../domain/shared/operator-access.ts';

/**
 * A saved card as the provider returned it (its token, last four digits, brand and expiry — Abonent
 * never sees more) with the number's auto-payment when it pays from this card.
 */
export interface SavedCardRecord {
  id: number;
  accountId: number;
  subscriberId: number;
  msisdn: string;
  customerKind: 'person' | 'business';
  provider: string;
  token: string;
  last4: string;
  brand: string;
  expiry: string;
  createdAt: Date;
  autoPayment: {
    enabled: boolean;
    mode: 'threshold' | 'monthly';
    threshold: number | null;
    amount: number;
    dayOfMonth: number | null;
    dailyLimit: number;
    monthlyLimit: number;
    nextRunAt: Date | null;
    updatedAt: Date;
  } | null;
}

/**
 * The cards saved and not removed: all, one number's, one account's, or one (`card-<n>`); `filter`:
 * a condition over SavedCardRecord's columns (x.id, x.msisdn, x.brand, x."autoPayment", …);
 * `page`: only that page, with the total.
 */
export async function listSavedCards(core: Core, ctx: Ctx, input: { msisdn?: string; accountId?: number; id?: string; filter?: SqlFilter }, page?: StorePage): Promise<Paged<SavedCardRecord>> {
  requireOperator(ctx);
  const none = () => emptyPage(page);
  const msisdn = input.msisdn === undefined ? null : normalizeMsisdn(input.msisdn);
  if (input.msisdn !== undefined && !msisdn) return none();
  const byId = input.id === undefined ? null : /^card-(\d{1,15})$/.exec(input.id);
  if (input.id !== undefined && !byId) return none();
  const params: unknown[] = [msisdn, input.accountId ?? null, byId ? Number(byId[1]) : null];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<SavedCardRecord>(
    core.db,
    `SELECT * FROM (
       SELECT c.id, c.account_id AS "accountId", c.subscriber_id AS "subscriberId", s.msisdn, cu.kind AS "customerKind", c.provider, c.token,
            c.last4, c.brand, c.expiry, c.created_at AS "createdAt",
            CASE WHEN ap.card_id IS NULL THEN NULL ELSE json_build_object(
              'enabled', ap.enabled, 'mode', ap.mode, 'threshold', ap.threshold, 'amount', ap.amount, 'dayOfMonth', ap.day_of_month,
              'dailyLimit', ap.daily_limit, 'monthlyLimit', ap.monthly_limit, 'nextRunAt', ap.next_run_at, 'updatedAt', ap.updated_at) END AS "autoPayment"
       FROM saved_card c JOIN subscriber s ON s.id = c.subscriber_id JOIN customer cu ON cu.id = s.customer_id
       LEFT JOIN auto_payment ap ON ap.account_id = c.account_id AND ap.subscriber_id = c.subscriber_id AND ap.card_id = c.id
      WHERE c.removed_at IS NULL AND ($1::text IS NULL OR s.msisdn = $1) AND ($2::bigint IS NULL OR c.account_id = $2) AND ($3::bigint IS NULL OR c.id = $3)) x WHERE ${where}`,
    params,
    'id',
    page,
  );
}
