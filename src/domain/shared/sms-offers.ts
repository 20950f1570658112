import type { Queryable } from '../../store/db.ts';

/**
 * Every offer made by SMS that waits for the subscriber's reply word ("ДА"): a connection, a
 * transfer, a melody, a location request, the data-cap lift. Each kind keeps its own table.
 */
const OFFER_TABLES = ['sms_confirmation', 'sms_share_confirmation', 'sms_ringback_confirmation', 'sms_locator_confirmation', 'sms_data_lift_confirmation'] as const;
export type SmsOfferTable = (typeof OFFER_TABLES)[number];

/**
 * A reply confirms the last thing offered: making an offer of kind `keep` drops every other offer
 * still waiting for the number's reply, in the offer's own transaction.
 */
export async function dropOtherSmsOffers(tx: Queryable, msisdn: string, keep: SmsOfferTable): Promise<void> {
  for (const table of OFFER_TABLES) if (table !== keep) await tx.query(`DELETE FROM ${table} WHERE msisdn = $1`, [msisdn]);
}
