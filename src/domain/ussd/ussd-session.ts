import type { Core } from '../core.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';

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

/**
 * The start of every hop in one round trip: the caller behind the number, their stored USSD
 * session (any instance may have written it) and, for a new dial such as "*111*56#", the active
 * product or tariff whose own code it is (products first, then by code, as the menus list them).
 * Nothing is cached: the session and the catalog are read as they are now.
 */
export async function startUssdHop(core: Core, msisdn: string, dialCode: string | null): Promise<UssdHopStart | null> {
  const normalized = normalizeMsisdn(msisdn);
  if (!normalized) return null;
  const rows = await core.db.prepare<HopStartRow>(
    'ussd_hop_start',
    `SELECT s.id, s.account_id, s.msisdn, s.language, s.script,
            u.session_id, u.service_code, u.state, u.consumed, u.last_reply, u.ended, u.started_at, u.updated_at,
            CASE WHEN $2 IS NOT NULL THEN
              (SELECT p.code FROM product p WHERE p.status = 'active' AND p.spec->>'ussdCode' = $2 ORDER BY p.code LIMIT 1) END AS dial_product,
            CASE WHEN $2 IS NOT NULL THEN
              (SELECT t.code FROM tariff_plan t WHERE t.status = 'active' AND t.spec->>'ussdCode' = $2 ORDER BY t.code LIMIT 1) END AS dial_tariff
       FROM subscriber s LEFT JOIN ussd_session u ON u.account_id = s.account_id AND u.subscriber_id = s.id
      WHERE s.msisdn = $1`,
    ['text', 'text'],
  )([normalized, dialCode]);
  const r = rows[0];
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

/** One row per subscriber: a new session replaces the previous one. */
export async function saveUssdSession(core: Core, caller: UssdCaller, s: UssdSessionRow): Promise<void> {
  // Prepared: written on every hop. JSON and the flag travel as text and are cast here.
  await core.db.prepare(
    'ussd_session_save',
    `INSERT INTO ussd_session (account_id, subscriber_id, session_id, service_code, state, consumed, last_reply, ended, started_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8::boolean, $9, $10)
     ON CONFLICT (account_id, subscriber_id) DO UPDATE SET session_id = EXCLUDED.session_id, service_code = EXCLUDED.service_code,
       state = EXCLUDED.state, consumed = EXCLUDED.consumed, last_reply = EXCLUDED.last_reply, ended = EXCLUDED.ended,
       started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at`,
    ['bigint', 'bigint', 'text', 'text', 'text', 'bigint', 'text', 'text', 'timestamptz', 'timestamptz'],
  )([caller.accountId, caller.subscriberId, s.sessionId, s.serviceCode, JSON.stringify(s.stack), s.consumed, JSON.stringify(s.lastReply), String(s.ended), s.startedAt, s.updatedAt]);
}
