/**
 * Usage as reports over any period see it: the records still kept, and what the history job
 * summarised of the months it dropped (usage_daily, one row per number, local day, kind and zone).
 * Each record is in exactly one of the two, so sums over this are whole; a summary row stands at
 * its local day's midnight (`started_at`) and counts `records` records. Itemised lists (detail,
 * the usage list) read usage_record alone: their periods (REPORT_MAX_MONTHS) lie within the
 * retention, which is never shorter.
 */
export const USAGE_WITH_SUMMARIES = `(
  SELECT account_id, subscriber_id, started_at, kind, zone, duration_seconds, bytes, billed_units, charged, 1::bigint AS records FROM usage_record
  UNION ALL
  SELECT account_id, subscriber_id, day_start, kind, zone, duration_seconds, bytes, billed_units, charged, records FROM usage_daily
)`;
