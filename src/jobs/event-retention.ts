import type { Core } from '../domain/core.ts';

/**
 * The per-event tables that are not partitioned, and which of their rows are finished: a row
 * matching `finished` and older than the retention ($1, the first instant kept) is deleted by the
 * history job. Each is small per row and read only near its end (an outbox's pending rows, this
 * month's limit, the latest notifications or locations), so deleting old rows in batches keeps
 * it bounded without the month partitions the SMS history has.
 */
export const EVENT_TABLES = {
  /** TMF hub event deliveries: the outbox of callbacks; delivered or given up. */
  tmf_event_delivery: `status IN ('delivered', 'failed') AND created_at < $1`,
  /** The e-mail outbox: sent or given up. */
  mail_message: `status IN ('sent', 'failed') AND created_at < $1`,
  /**
   * Spending alerts, once released. An alert's unique key is what makes it fire once; every key
   * names its month or day, except a package's (`quota:<id>:<level>`), which goes only once the
   * package's period has ended, so it cannot fire again.
   */
  alert: `released_at IS NOT NULL AND created_at < $1 AND (key NOT LIKE 'quota:%' OR (params->>'periodEnd')::timestamptz < $1)`,
  /** Who located a number, when (the number's overview shows the latest 100). */
  locator_request: `at < $1`,
  /** Automatic top-up attempts (their limits count this day and this month). */
  auto_payment_attempt: `at < $1`,
  /** A company number's limit reached, one row per number and month (this month's is read). */
  number_limit_event: `at < $1`,
  /** Login sessions, once expired (only live ones are listed or accepted). */
  session: `expires_at < $1`,
  /** One-time login codes, once expired. */
  otp: `expires_at < $1`,
  /**
   * Requests made with an idempotency key and their first answers. A repeat within the retention
   * gets that answer; one older is a new request. Money is kept once by the ledger's own keys,
   * which are never deleted.
   */
  idempotency_record: `created_at < $1`,
  /** Parts of long incoming SMS whose other parts never came. */
  sms_mo_part: `received_at < $1`,
} as const;

/** Rows deleted per statement, and statements per table per run: one run stays short. */
export const EVENT_BATCH = 5000;
export const EVENT_MAX_BATCHES = 20;

/**
 * Deletes the finished rows of the per-event tables older than `months` back (Moscow months, as
 * the partitions), at most EVENT_MAX_BATCHES × EVENT_BATCH rows per table per run, each batch its
 * own statement: a backlog is worked off over the hourly runs without long locks. Returns the
 * rows deleted per table (tables with none left out).
 */
export async function pruneEvents(core: Core, now: Date, months: number): Promise<Record<string, number>> {
  const [edge] = await core.db.query<{ keep_from: Date }>(
    `SELECT history_month_start(date_trunc('month', ($1::timestamptz AT TIME ZONE 'Europe/Moscow') - make_interval(months => $2::int))::date) AS keep_from`,
    [now, months],
  );
  const deleted: Record<string, number> = {};
  for (const [table, finished] of Object.entries(EVENT_TABLES)) {
    let n = 0;
    for (let i = 0; i < EVENT_MAX_BATCHES; i++) {
      const rows = await core.db.query<{ n: number }>(
        `WITH gone AS (DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE ${finished} LIMIT ${EVENT_BATCH})) RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [edge!.keep_from],
      );
      const batch = rows[0]?.n ?? 0;
      n += batch;
      if (batch < EVENT_BATCH) break;
    }
    if (n) deleted[table] = n;
  }
  return deleted;
}
