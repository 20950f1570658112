import type { Core } from '../domain/core.ts';
import { pruneEvents } from './event-retention.ts';

/** The history tables partitioned by month (migrations 043, 051 and 054). */
export const HISTORY_TABLES = ['usage_record', 'ledger_entry', 'audit_event', 'sms_message'] as const;

/** Months ahead of the current one whose partitions are made in advance. */
export const MONTHS_AHEAD = 2;

export interface HistoryResult {
  /** Partitions made, e.g. `usage_record_202702`. */
  created: string[];
  /** Usage partitions summarised into usage_daily and dropped. */
  dropped: string[];
  /** Records those partitions held. */
  summarised: number;
  /** Audit log partitions past AUDIT_RETENTION_MONTHS, dropped. */
  auditDropped: string[];
  /** SMS partitions past SMS_RETENTION_MONTHS, dropped. */
  smsDropped: string[];
  /** SMS partitions past SMS_RETENTION_MONTHS kept because a message in them is still to be sent or answered. */
  smsHeld: string[];
  /** Finished rows of the per-event tables past EVENT_RETENTION_MONTHS deleted, per table (see event-retention.ts). */
  eventsDeleted: Record<string, number>;
}

/**
 * Keeps the month partitions of the history tables: makes this month's and the next
 * {@link MONTHS_AHEAD} (and any month whose rows wait in a default partition), then applies the
 * usage retention: a month of usage detail older than `usageDetailRetentionMonths` is added to
 * usage_daily (per number, local day, kind and zone), its record keys are let go and its partition
 * is dropped, all in one transaction. A month is dropped only once the whole of it lies before the
 * ingest window (`usageMaxAgeDays`): no record of it can be booked again, so letting its keys go
 * cannot book one twice. Ledger entries are money and are never dropped. Then the audit log's and
 * the SMS history's months past their retention are dropped whole (an SMS month only when none of
 * its messages is still to be sent or answered), and the finished rows of the other per-event
 * tables past EVENT_RETENTION_MONTHS are deleted in batches (event-retention.ts).
 *
 * Each partition is its own transaction (creating or dropping one locks its table briefly);
 * running twice, or on two instances at once, does nothing the second time.
 */
export async function historyJob(
  core: Core,
  opts: { now: Date; retentionMonths?: number; auditRetentionMonths?: number; smsRetentionMonths?: number; eventRetentionMonths?: number },
): Promise<HistoryResult> {
  const result: HistoryResult = { created: [], dropped: [], summarised: 0, auditDropped: [], smsDropped: [], smsHeld: [], eventsDeleted: {} };
  const months = await core.db.query<{ t: string; m: string }>(
    `SELECT t, m::text FROM (
       SELECT t, ((($1::timestamptz AT TIME ZONE 'Europe/Moscow')::date) + make_interval(months => n))::date AS m
         FROM unnest($2::text[]) AS t, generate_series(0, $3::int) AS n
       UNION
       SELECT 'usage_record', date_trunc('month', started_at AT TIME ZONE 'Europe/Moscow')::date FROM (SELECT DISTINCT started_at FROM usage_record_default) d
       UNION
       SELECT 'ledger_entry', date_trunc('month', created_at AT TIME ZONE 'Europe/Moscow')::date FROM (SELECT DISTINCT created_at FROM ledger_entry_default) d
       UNION
       SELECT 'audit_event', date_trunc('month', at AT TIME ZONE 'Europe/Moscow')::date FROM (SELECT DISTINCT at FROM audit_event_default) d
       UNION
       SELECT 'sms_message', date_trunc('month', created_at AT TIME ZONE 'Europe/Moscow')::date FROM (SELECT DISTINCT created_at FROM sms_message_default) d
     ) x ORDER BY t, m`,
    [opts.now, HISTORY_TABLES, MONTHS_AHEAD],
  );
  for (const { t, m } of months) {
    const [made] = await core.db.tx((tx) => tx.query<{ made: boolean }>('SELECT history_partition($1, $2::date) AS made', [t, m]));
    if (made?.made) result.created.push(`${t}_${m.slice(0, 4)}${m.slice(5, 7)}`);
  }

  const retention = opts.retentionMonths ?? core.settings.usageDetailRetentionMonths;
  // The first month kept: `retention` months back, and never one the ingest window still reaches.
  const [edge] = await core.db.query<{ keep_from: string }>(
    `SELECT LEAST(date_trunc('month', ($1::timestamptz AT TIME ZONE 'Europe/Moscow') - make_interval(months => $2::int)),
                  date_trunc('month', ($1::timestamptz AT TIME ZONE 'Europe/Moscow') - make_interval(days => $3::int)))::date::text AS keep_from`,
    [opts.now, retention, core.settings.usageMaxAgeDays],
  );
  const keepFrom = edge!.keep_from.slice(0, 4) + edge!.keep_from.slice(5, 7);
  const old = await core.db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'usage_record'::regclass AND c.relname ~ '^usage_record_[0-9]{6}$' AND substr(c.relname, 14) < $1
      ORDER BY 1`,
    [keepFrom],
  );
  for (const { name } of old) {
    const n = await core.db.tx(async (tx) => {
      // Another instance may have dropped it since the list was read.
      const [still] = await tx.query<{ here: boolean }>('SELECT to_regclass($1) IS NOT NULL AS here', [name]);
      if (!still?.here) return null;
      const [summary] = await tx.query<{ records: number }>(
        `WITH days AS (
           SELECT u.account_id, u.subscriber_id, date_trunc('day', u.started_at AT TIME ZONE z.tz) AT TIME ZONE z.tz AS day_start, u.kind, u.zone,
                  count(*) AS records, COALESCE(sum(u.duration_seconds), 0) AS duration_seconds, COALESCE(sum(u.bytes), 0) AS bytes,
                  sum(u.billed_units) AS billed_units, sum(u.quota_units) AS quota_units, sum(u.charged) AS charged
             FROM ${ident(name)} u
             LEFT JOIN subscriber s ON s.id = u.subscriber_id
             LEFT JOIN region r ON r.code = s.region_code
             CROSS JOIN LATERAL (SELECT COALESCE(r.time_zone, 'Europe/Moscow') AS tz) z
            GROUP BY 1, 2, 3, 4, 5
         ), summed AS (
           INSERT INTO usage_daily AS d (account_id, subscriber_id, day_start, kind, zone, records, duration_seconds, bytes, billed_units, quota_units, charged)
           SELECT * FROM days
           ON CONFLICT (account_id, subscriber_id, day_start, kind, zone) DO UPDATE SET
             records = d.records + excluded.records, duration_seconds = d.duration_seconds + excluded.duration_seconds,
             bytes = d.bytes + excluded.bytes, billed_units = d.billed_units + excluded.billed_units,
             quota_units = d.quota_units + excluded.quota_units, charged = d.charged + excluded.charged
         )
         SELECT COALESCE(sum(records), 0)::bigint AS records FROM days`,
      );
      await tx.query(`DELETE FROM usage_record_key k USING ${ident(name)} u WHERE k.account_id = u.account_id AND k.record_id = u.record_id`);
      const month = `${name.slice(13, 17)}-${name.slice(17, 19)}-01`;
      await tx.query(`DROP TABLE ${ident(name)}`);
      await tx.query(
        `INSERT INTO history_retention (table_name, detail_from) VALUES ('usage_record', history_month_start(($1::date + interval '1 month')::date))
         ON CONFLICT (table_name) DO UPDATE SET detail_from = GREATEST(history_retention.detail_from, excluded.detail_from)`,
        [month],
      );
      return Number(summary?.records ?? 0);
    });
    if (n === null) continue;
    result.dropped.push(name);
    result.summarised += n;
  }

  result.auditDropped = await dropOldAudit(core, opts.now, opts.auditRetentionMonths ?? core.settings.auditRetentionMonths);
  Object.assign(result, await dropOldSms(core, opts.now, opts.smsRetentionMonths ?? core.settings.smsRetentionMonths));
  result.eventsDeleted = await pruneEvents(core, opts.now, opts.eventRetentionMonths ?? core.settings.eventRetentionMonths);
  return result;
}

/** The partitions of `parent` whose month is before the month `months` back from `now`, oldest first. */
async function monthsBefore(core: Core, parent: string, now: Date, months: number): Promise<string[]> {
  const [edge] = await core.db.query<{ keep_from: string }>(
    `SELECT date_trunc('month', ($1::timestamptz AT TIME ZONE 'Europe/Moscow') - make_interval(months => $2::int))::date::text AS keep_from`,
    [now, months],
  );
  const keepFrom = edge!.keep_from.slice(0, 4) + edge!.keep_from.slice(5, 7);
  const old = await core.db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::text::regclass AND c.relname ~ ('^' || $1::text || '_[0-9]{6}$') AND right(c.relname, 6) < $2
      ORDER BY 1`,
    [parent, keepFrom],
  );
  return old.map((r) => r.name);
}

/**
 * Drops the SMS history's months older than `months` back, whole, with the keys of their incoming
 * messages (sms_mo_key). A month that still holds a message to be sent (`queued`, `sending`: a
 * retry, a mailing scheduled far ahead) or an incoming one not yet answered (`received`,
 * `recovering`) is kept, and listed in `smsHeld`; the next run looks at it again. The table and the
 * partition are locked before it is looked at (the outbox's partial indexes answer the look), so no
 * message of it changes between the look and the drop; SMS traffic waits for that moment.
 * history_retention.detail_from for sms_message moves to the first month kept once no older month is
 * held.
 */
async function dropOldSms(core: Core, now: Date, months: number): Promise<{ smsDropped: string[]; smsHeld: string[] }> {
  const smsDropped: string[] = [];
  const smsHeld: string[] = [];
  for (const name of await monthsBefore(core, 'sms_message', now, months)) {
    const done = await core.db.tx(async (tx) => {
      // The parent first, as DROP TABLE takes them: a writer holding the parent never waits on us
      // for the partition while we wait on it for the parent.
      await tx.query(`LOCK TABLE ONLY sms_message IN ACCESS EXCLUSIVE MODE`);
      const [still] = await tx.query<{ here: boolean }>('SELECT to_regclass($1) IS NOT NULL AS here', [name]);
      if (!still?.here) return 'gone';
      await tx.query(`LOCK TABLE ${ident(name)} IN ACCESS EXCLUSIVE MODE`);
      const [open] = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${ident(name)}
          WHERE (direction = 'mt' AND status IN ('queued', 'sending')) OR (direction = 'mo' AND status IN ('received', 'recovering'))`,
      );
      if (open!.n > 0) return 'held';
      const month = `${name.slice(-6, -2)}-${name.slice(-2)}-01`;
      await tx.query(
        `DELETE FROM sms_mo_key WHERE created_at >= history_month_start($1::date) AND created_at < history_month_start(($1::date + interval '1 month')::date)`,
        [month],
      );
      await tx.query(`DROP TABLE ${ident(name)}`);
      return 'dropped';
    });
    if (done === 'dropped') smsDropped.push(name);
    else if (done === 'held') smsHeld.push(name);
  }
  // The history is whole from the first month kept, once no older month is held.
  if (smsDropped.length && !smsHeld.length) {
    await core.db.query(
      `INSERT INTO history_retention (table_name, detail_from)
       VALUES ('sms_message', history_month_start(date_trunc('month', ($1::timestamptz AT TIME ZONE 'Europe/Moscow') - make_interval(months => $2::int))::date))
       ON CONFLICT (table_name) DO UPDATE SET detail_from = GREATEST(history_retention.detail_from, excluded.detail_from)`,
      [now, months],
    );
  }
  if (smsHeld.length) core.log.warn({ smsHeld }, 'SMS months past their retention kept: messages in them are still to be sent or answered');
  return { smsDropped, smsHeld };
}

/**
 * Drops the audit log's months older than `months` back, whole: nothing summarises them (an audit
 * event is a fact about one action; counting them helps no one) and nothing refers to them.
 * history_retention.detail_from for audit_event moves to the first instant still kept.
 */
async function dropOldAudit(core: Core, now: Date, months: number): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of await monthsBefore(core, 'audit_event', now, months)) {
    const done = await core.db.tx(async (tx) => {
      const [still] = await tx.query<{ here: boolean }>('SELECT to_regclass($1) IS NOT NULL AS here', [name]);
      if (!still?.here) return false;
      await tx.query(`DROP TABLE ${ident(name)}`);
      await tx.query(
        `INSERT INTO history_retention (table_name, detail_from) VALUES ('audit_event', history_month_start(($1::date + interval '1 month')::date))
         ON CONFLICT (table_name) DO UPDATE SET detail_from = GREATEST(history_retention.detail_from, excluded.detail_from)`,
        [`${name.slice(12, 16)}-${name.slice(16, 18)}-01`],
      );
      return true;
    });
    if (done) dropped.push(name);
  }
  return dropped;
}

/** A partition name made by history_partition (letters, digits and _ only), quoted. */
function ident(name: string): string {
  if (!/^[a-z_]+_[0-9]{6}$/.test(name)) throw new RangeError(`not a history partition: ${name}`);
  return `"${name}"`;
}
