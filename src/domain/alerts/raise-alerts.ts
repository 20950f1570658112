import { DateTime } from 'luxon';
import type { Queryable } from '../../store/db.ts';
import type { CapRefusal } from '../caps/caps.ts';
import type { Core } from '../core.ts';
import { enqueueSmsBulk } from '../notifications/enqueue-sms.ts';
import { alertText, type AlertParams } from './alert-texts.ts';

/** Alerts wait from 22:00 until 09:00 in the number's region unless the subscriber allows the night. */
export const NIGHT_FROM_HOUR = 22;
export const MORNING_HOUR = 9;
const DAY_MS = 86_400_000;

/** When an alert raised at `at` may be sent in zone `tz`: at once, or the next local 09:00. */
export function releaseTime(at: Date, tz: string, allowNight: boolean): Date {
  if (allowNight) return at;
  const local = DateTime.fromJSDate(at, { zone: tz });
  if (local.hour >= MORNING_HOUR && local.hour < NIGHT_FROM_HOUR) return at;
  const day = local.hour >= NIGHT_FROM_HOUR ? local.plus({ days: 1 }) : local;
  return day.set({ hour: MORNING_HOUR, minute: 0, second: 0, millisecond: 0 }).toJSDate();
}

/**
 * The alerts a batch of usage (or a fee run) has earned, raised in the caller's transaction after
 * its quotas and balances are written: 80% and 100% of each quota it drew on, and a balance below
 * the threshold on each account it charged (once a month, and again after each top-up of the month:
 * the key names the month's latest settled payment). One statement; each threshold of each period is a
 * unique key of `alert`, so it fires exactly once however the batches come. Returns how many were
 * raised (almost always none: then nothing more is done).
 */
export async function raiseUsageAlerts(
  q: Queryable,
  at: Date,
  touched: { quotaAccounts: number[]; quotaIds: number[]; chargedAccounts: number[] },
): Promise<number> {
  if (touched.quotaIds.length === 0 && touched.chargedAccounts.length === 0) return 0;
  const rows = await q.query<{ id: number }>(
    `WITH pkg AS (
       SELECT q.subscriber_id, 'quota:' || q.id || ':' || l.level AS key, 'package_' || l.level AS kind,
              jsonb_build_object('unit', q.unit, 'source', q.source, 'remaining', q.included - q.used, 'periodEnd', q.period_end) AS params,
              s.via_sms, s.via_app
         FROM unnest($1::bigint[], $2::bigint[]) AS d(account_id, id)
         JOIN quota q ON q.account_id = d.account_id AND q.id = d.id
         JOIN alert_setting s ON s.subscriber_id = q.subscriber_id
        CROSS JOIN LATERAL (VALUES (80, s.package_80), (100, s.package_100)) AS l(level, wanted)
        WHERE l.wanted AND q.included > 0 AND q.used * 100 >= q.included * l.level
     ), low AS (
       SELECT n.id AS subscriber_id,
              'low_balance:' || s.low_balance || ':' || to_char($4::timestamptz AT TIME ZONE r.time_zone, 'YYYY-MM')
                || coalesce(':p' || (SELECT max(e.id) FROM ledger_entry e
                                      WHERE e.account_id = a.id AND e.kind = 'payment' AND e.idempotency_key LIKE 'payment:%'
                                        AND e.created_at >= date_trunc('month', $4::timestamptz AT TIME ZONE r.time_zone) AT TIME ZONE r.time_zone
                                        AND e.created_at >= $5 AND e.created_at < $6), '') AS key,
              'low_balance' AS kind, jsonb_build_object('balance', a.balance, 'threshold', s.low_balance) AS params, s.via_sms, s.via_app
         FROM unnest($3::bigint[]) AS c(id) JOIN account a ON a.id = c.id JOIN subscriber n ON n.account_id = a.id
         JOIN alert_setting s ON s.subscriber_id = n.id JOIN region r ON r.code = n.region_code
        WHERE s.low_balance IS NOT NULL AND a.balance < s.low_balance
     )
     INSERT INTO alert (subscriber_id, key, kind, params, via_sms, via_app, created_at, release_at)
     SELECT subscriber_id, key, kind, params, via_sms, via_app, $4, $4 FROM (SELECT * FROM pkg UNION ALL SELECT * FROM low) x
      WHERE NOT EXISTS (SELECT 1 FROM alert a WHERE a.subscriber_id = x.subscriber_id AND a.key = x.key)
     ON CONFLICT (subscriber_id, key) DO NOTHING
     RETURNING id`,
    // $5 and $6 bound the payments looked at to the month's partitions (no local month starts
    // earlier than 32 days back; a day ahead allows for another instance's clock).
    [touched.quotaAccounts, touched.quotaIds, touched.chargedAccounts, at, new Date(at.getTime() - 32 * DAY_MS), new Date(at.getTime() + DAY_MS)],
  );
  if (rows.length) await settleRaised(q, at, rows.map((r) => r.id));
  return rows.length;
}

/**
 * Rating refused records of these numbers for a cap: one alert per number, cap and local month,
 * whether or not the number chose any alerts (a stopped service is always told), by its chosen
 * channels and night rule when it has some (SMS and the app, not at night, otherwise).
 */
export async function raiseCapAlerts(q: Queryable, at: Date, hits: { subscriberId: number; code: CapRefusal }[]): Promise<number> {
  const kinds = { SPENDING_CAP: 'cap_spending', ROAMING_CAP: 'cap_roaming', DATA_CAP: 'cap_data', FAMILY_LIMIT: 'cap_family' } as const;
  const unique = [...new Map(hits.map((h) => [`${h.subscriberId}|${h.code}`, h])).values()];
  const rows = await q.query<{ id: number }>(
    `INSERT INTO alert (subscriber_id, key, kind, params, via_sms, via_app, created_at, release_at)
     SELECT n.id, 'cap:' || h.kind || ':' || to_char($3::timestamptz AT TIME ZONE r.time_zone, 'YYYY-MM'), h.kind,
            jsonb_build_object('cap', CASE h.kind WHEN 'cap_spending' THEN c.monthly WHEN 'cap_roaming' THEN coalesce(c.roaming, ${500_000})
                                          WHEN 'cap_family' THEN (SELECT m.monthly_limit FROM family_member m WHERE m.subscriber_id = n.id AND m.status = 'active') ELSE 0 END),
            coalesce(s.via_sms, true), coalesce(s.via_app, true), $3, $3
       FROM unnest($1::bigint[], $2::text[]) AS h(id, kind)
       JOIN subscriber n ON n.id = h.id JOIN region r ON r.code = n.region_code
       LEFT JOIN spending_cap c ON c.subscriber_id = n.id LEFT JOIN alert_setting s ON s.subscriber_id = n.id
     ON CONFLICT (subscriber_id, key) DO NOTHING
     RETURNING id`,
    [unique.map((h) => h.subscriberId), unique.map((h) => kinds[h.code]), at],
  );
  if (rows.length) await settleRaised(q, at, rows.map((r) => r.id));
  return rows.length;
}

/**
 * Words and a send time for alerts just raised: by day (or when the night is allowed) they are
 * released now and their SMS queued in this transaction; at night they wait for the morning and
 * `releaseDueAlerts` sends them.
 */
export async function settleRaised(q: Queryable, at: Date, ids: number[]): Promise<void> {
  const rows = await q.query<{
    id: number;
    kind: AlertParams['kind'];
    params: Record<string, unknown>;
    via_sms: boolean;
    msisdn: string;
    language: 'ru' | 'en';
    tz: string;
    allow_night: boolean;
    name: { ru: string; en: string } | null;
  }>(
    `SELECT a.id, a.kind, a.params, a.via_sms, n.msisdn, n.language, r.time_zone AS tz, coalesce(s.allow_night, false) AS allow_night,
            CASE WHEN a.kind LIKE 'package%' THEN coalesce(
              (SELECT t.spec->'name' FROM tariff_plan t WHERE 'tariff:' || t.code = a.params->>'source'),
              (SELECT p.spec->'name' FROM product p WHERE p.code = a.params->>'source')) END AS name
       FROM alert a JOIN subscriber n ON n.id = a.subscriber_id JOIN region r ON r.code = n.region_code
       LEFT JOIN alert_setting s ON s.subscriber_id = a.subscriber_id
      WHERE a.id = ANY($1::bigint[]) ORDER BY a.id`,
    [ids],
  );
  const upd = { id: [] as number[], ru: [] as string[], en: [] as string[], release: [] as string[], released: [] as (string | null)[] };
  const sms: { msisdn: string; text: string; kind: string; at: Date }[] = [];
  for (const r of rows) {
    const p = { ...r.params, kind: r.kind, name: r.name ?? { ru: String(r.params.source ?? ''), en: String(r.params.source ?? '') } } as AlertParams;
    const ru = alertText(p, 'ru', r.tz);
    const en = alertText(p, 'en', r.tz);
    const release = releaseTime(at, r.tz, r.allow_night);
    const now = release.getTime() <= at.getTime();
    upd.id.push(r.id);
    upd.ru.push(ru);
    upd.en.push(en);
    upd.release.push(release.toISOString());
    upd.released.push(now ? at.toISOString() : null);
    if (now && r.via_sms) sms.push({ msisdn: r.msisdn, text: r.language === 'en' ? en : ru, kind: `alert.${r.kind}`, at });
  }
  await q.query(
    `UPDATE alert a SET text_ru = u.ru, text_en = u.en, release_at = u.rel, released_at = u.done
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS u(id, ru, en, rel, done)
      WHERE a.id = u.id`,
    [upd.id, upd.ru, upd.en, upd.release, upd.released],
  );
  await enqueueSmsBulk(q, sms);
}

/** Sends the alerts that waited for the morning: the scheduler's `alert-release` job. */
export async function releaseDueAlerts(core: Core, opts: { now: Date; limit?: number }): Promise<number> {
  return core.db.tx(async (tx) => {
    const rows = await tx.query<{ kind: string; via_sms: boolean; text_ru: string; text_en: string; msisdn: string; language: 'ru' | 'en' }>(
      `WITH due AS (SELECT id FROM alert WHERE released_at IS NULL AND release_at <= $1 ORDER BY release_at, id LIMIT $2 FOR UPDATE SKIP LOCKED),
            done AS (UPDATE alert a SET released_at = $1 FROM due WHERE a.id = due.id RETURNING a.id, a.subscriber_id, a.kind, a.via_sms, a.text_ru, a.text_en)
       SELECT d.kind, d.via_sms, d.text_ru, d.text_en, n.msisdn, n.language FROM done d JOIN subscriber n ON n.id = d.subscriber_id ORDER BY d.id`,
      [opts.now, opts.limit ?? 500],
    );
    await enqueueSmsBulk(
      tx,
      rows.filter((r) => r.via_sms).map((r) => ({ msisdn: r.msisdn, text: r.language === 'en' ? r.text_en : r.text_ru, kind: `alert.${r.kind}`, at: opts.now })),
    );
    return rows.length;
  });
}

/**
 * Each morning (from 09:00 to 22:00 local, whenever the job first runs), what yesterday cost the
 * numbers that asked for a daily digest: one alert per number and local day.
 */
export async function raiseDailyDigests(core: Core, opts: { now: Date }): Promise<number> {
  return core.db.tx(async (tx) => {
    const rows = await tx.query<{ id: number }>(
      `INSERT INTO alert (subscriber_id, key, kind, params, via_sms, via_app, created_at, release_at)
       SELECT n.id, 'digest:' || to_char(l.lt, 'YYYY-MM-DD'), 'daily_digest',
              jsonb_build_object('day', to_char(l.lt - interval '1 day', 'YYYY-MM-DD'), 'spent', sp.spent, 'balance', a.balance),
              s.via_sms, s.via_app, $1, $1
         FROM alert_setting s JOIN subscriber n ON n.id = s.subscriber_id JOIN account a ON a.id = n.account_id JOIN region r ON r.code = n.region_code
        CROSS JOIN LATERAL (SELECT $1::timestamptz AT TIME ZONE r.time_zone AS lt) l
        CROSS JOIN LATERAL (SELECT coalesce(-sum(e.amount), 0)::bigint AS spent FROM ledger_entry e
                             WHERE e.account_id = n.account_id AND e.amount < 0
                               AND e.created_at >= (date_trunc('day', l.lt) - interval '1 day') AT TIME ZONE r.time_zone
                               AND e.created_at < date_trunc('day', l.lt) AT TIME ZONE r.time_zone) sp
        WHERE s.daily_digest AND extract(hour FROM l.lt) >= ${MORNING_HOUR} AND extract(hour FROM l.lt) < ${NIGHT_FROM_HOUR}
       ON CONFLICT (subscriber_id, key) DO NOTHING
       RETURNING id`,
      [opts.now],
    );
    if (rows.length) await settleRaised(tx, opts.now, rows.map((r) => r.id));
    return rows.length;
  });
}
