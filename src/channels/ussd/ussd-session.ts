import type { Core } from '../../domain/core.ts';
import { coalesced } from '../../store/batched-lookup.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';

/** Who dials: the subscriber behind the number an authenticated gateway reports. */
export interface UssdCaller {
  subscriberId: number;
  accountId: number;
  msisdn: string;
  language: 'ru' | 'en';
  script: 'cyrillic' | 'latin';
}

export interface UssdFrame {
  /** Menu node id. */
  n: string;
  /** Its argument (a product, tariff, amount…). */
  a?: string;
  /** Page shown. */
  p: number;
}

export interface UssdSessionRow {
  sessionId: string;
  serviceCode: string;
  stack: UssdFrame[];
  consumed: number;
  lastReply: { text: string; end: boolean };
  ended: boolean;
  startedAt: Date;
  updatedAt: Date;
}

/** A dial string's own product or tariff (its catalog `ussdCode`), active ones only. */
export type UssdDialTarget = { kind: 'product' | 'tariff'; code: string };

/** Everything a hop starts from, read in one statement. */
export interface UssdHopStart {
  caller: UssdCaller;
  session: UssdSessionRow | null;
  /** Set only when a dial code was asked about and an active product or tariff has it. */
  dialTarget: UssdDialTarget | null;
}

interface HopStartRow {
  id: number;
  account_id: number;
  msisdn: string;
  language: 'ru' | 'en';
  script: 'cyrillic' | 'latin';
  session_id: string | null;
  service_code: string;
  state: UssdFrame[];
  consumed: number;
  last_reply: UssdSessionRow['lastReply'];
  ended: boolean;
  started_at: Date;
  updated_at: Date;
  dial_product: string | null;
  dial_tariff: string | null;
}

const hopColumns = `s.id, s.account_id, s.msisdn, s.language, s.script,
  u.session_id, u.service_code, u.state, u.consumed, u.last_reply, u.ended, u.started_at, u.updated_at`;
const dialTargets = (dial: string) => `
  CASE WHEN ${dial} IS NOT NULL THEN
    (SELECT p.code FROM product p WHERE p.status = 'active' AND p.spec->>'ussdCode' = ${dial} ORDER BY p.code LIMIT 1) END AS dial_product,
  CASE WHEN ${dial} IS NOT NULL THEN
    (SELECT t.code FROM tariff_plan t WHERE t.status = 'active' AND t.spec->>'ussdCode' = ${dial} ORDER BY t.code LIMIT 1) END AS dial_tariff`;

interface HopKey {
  msisdn: string;
  dial: string | null;
}
const hopKey = (msisdn: string, dial: string | null) => `${msisdn}\n${dial ?? ''}`;

/** The hop starts that arrive together, in one statement (one key: the plain form). */
function hopStarts(core: Core) {
  return coalesced<HopKey, HopStartRow | undefined>(core.db, 'ussd_hop_start', async (keys) => {
    if (keys.length === 1) {
      const rows = await core.db.prepare<HopStartRow>(
        'ussd_hop_start',
        `SELECT ${hopColumns}, ${dialTargets('$2')}
           FROM subscriber s LEFT JOIN ussd_session u ON u.account_id = s.account_id AND u.subscriber_id = s.id
          WHERE s.msisdn = $1`,
        ['text', 'text'],
      )([keys[0]!.msisdn, keys[0]!.dial]);
      return [rows[0]];
    }
    const rows = await core.db.prepare<HopStartRow & { k_msisdn: string; k_dial: string | null }>(
      'ussd_hop_start_batch',
      `SELECT k.msisdn AS k_msisdn, k.dial AS k_dial, ${hopColumns}, ${dialTargets('k.dial')}
         FROM unnest($1, $2) AS k(msisdn, dial)
         JOIN subscriber s ON s.msisdn = k.msisdn
         LEFT JOIN ussd_session u ON u.account_id = s.account_id AND u.subscriber_id = s.id`,
      ['text[]', 'text[]'],
    )([keys.map((k) => k.msisdn), keys.map((k) => k.dial)]);
    const byKey = new Map(rows.map((r) => [hopKey(r.k_msisdn, r.k_dial), r]));
    return keys.map((k) => byKey.get(hopKey(k.msisdn, k.dial)));
  });
}

/**
 * The start of every hop in one round trip: the caller behind the number, their stored USSD
 * session (any instance may have written it) and, for a new dial such as "*111*56#", the active
 * product or tariff whose own code it is (products first, then by code, as the menus list them).
 * Nothing is cached: the session and the catalog are read as they are now. Hops arriving
 * together share the statement (`coalesced`).
 */
export async function startUssdHop(core: Core, msisdn: string, dialCode: string | null): Promise<UssdHopStart | null> {
  const normalized = normalizeMsisdn(msisdn);
  if (!normalized) return null;
  const r = await hopStarts(core)({ msisdn: normalized, dial: dialCode });
  if (!r) return null;
  const caller: UssdCaller = { subscriberId: Number(r.id), accountId: Number(r.account_id), msisdn: r.msisdn, language: r.language, script: r.script };
  const session: UssdSessionRow | null =
    r.session_id === null
      ? null
      : {
          sessionId: r.session_id,
          serviceCode: r.service_code,
          stack: r.state,
          consumed: Number(r.consumed),
          lastReply: r.last_reply,
          ended: r.ended,
          startedAt: new Date(r.started_at),
          updatedAt: new Date(r.updated_at),
        };
  const dialTarget: UssdDialTarget | null = r.dial_product
    ? { kind: 'product', code: r.dial_product }
    : r.dial_tariff
      ? { kind: 'tariff', code: r.dial_tariff }
      : null;
  return { caller, session, dialTarget };
}

const sessionUpsert = (values: string) => `INSERT INTO ussd_session (account_id, subscriber_id, session_id, service_code, state, consumed, last_reply, ended, started_at, updated_at)
     ${values}
     ON CONFLICT (account_id, subscriber_id) DO UPDATE SET session_id = EXCLUDED.session_id, service_code = EXCLUDED.service_code,
       state = EXCLUDED.state, consumed = EXCLUDED.consumed, last_reply = EXCLUDED.last_reply, ended = EXCLUDED.ended,
       started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at`;

interface SessionSave {
  caller: UssdCaller;
  s: UssdSessionRow;
}

/** The session writes that arrive together, in one statement; of two for one subscriber the later wins, as in turn. */
function sessionSaves(core: Core) {
  return coalesced<SessionSave, undefined>(core.db, 'ussd_session_save', async (saves) => {
    const last = new Map<string, SessionSave>();
    for (const v of saves) last.set(`${v.caller.accountId}:${v.caller.subscriberId}`, v);
    const rows = [...last.values()];
    if (rows.length === 1) {
      const { caller, s } = rows[0]!;
      // JSON and the flag travel as text and are cast here.
      await core.db.prepare(
        'ussd_session_save',
        sessionUpsert('VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8::boolean, $9, $10)'),
        ['bigint', 'bigint', 'text', 'text', 'text', 'bigint', 'text', 'text', 'timestamptz', 'timestamptz'],
      )([caller.accountId, caller.subscriberId, s.sessionId, s.serviceCode, JSON.stringify(s.stack), s.consumed, JSON.stringify(s.lastReply), String(s.ended), s.startedAt, s.updatedAt]);
    } else {
      await core.db.prepare(
        'ussd_session_save_batch',
        sessionUpsert(`SELECT a, sub, sid, sc, st::jsonb, c, lr::jsonb, e::boolean, sa, ua
                         FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS v(a, sub, sid, sc, st, c, lr, e, sa, ua)`),
        ['bigint[]', 'bigint[]', 'text[]', 'text[]', 'text[]', 'bigint[]', 'text[]', 'text[]', 'timestamptz[]', 'timestamptz[]'],
      )([
        rows.map((v) => v.caller.accountId),
        rows.map((v) => v.caller.subscriberId),
        rows.map((v) => v.s.sessionId),
        rows.map((v) => v.s.serviceCode),
        rows.map((v) => JSON.stringify(v.s.stack)),
        rows.map((v) => v.s.consumed),
        rows.map((v) => JSON.stringify(v.s.lastReply)),
        rows.map((v) => String(v.s.ended)),
        rows.map((v) => v.s.startedAt),
        rows.map((v) => v.s.updatedAt),
      ]);
    }
    return saves.map(() => undefined);
  });
}

/** One row per subscriber: a new session replaces the previous one. Written on every hop. */
export async function saveUssdSession(core: Core, caller: UssdCaller, s: UssdSessionRow): Promise<void> {
  await sessionSaves(core)({ caller, s });
}

/**
 * The network ended a dialogue (a release, an abort, a USSN confirmed): its session is closed, so
 * a later answer for it starts over instead of resuming it. Only that session: a newer dial of the
 * number, already stored under another id, stays as it is.
 */
export async function endUssdSession(core: Core, msisdn: string, sessionId: string): Promise<void> {
  const normalized = normalizeMsisdn(msisdn);
  if (!normalized) return;
  await core.db.query(
    `UPDATE ussd_session u SET ended = true
       FROM subscriber s
      WHERE s.msisdn = $1 AND u.account_id = s.account_id AND u.subscriber_id = s.id AND u.session_id = $2`,
    [normalized, sessionId],
  );
}
