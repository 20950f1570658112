import type { Core } from '../core.ts';
import { findSubscriberByMsisdn } from '../subscribers/access.ts';
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

export async function findUssdCaller(core: Core, msisdn: string): Promise<UssdCaller | null> {
  const normalized = normalizeMsisdn(msisdn);
  if (!normalized) return null;
  const sub = await findSubscriberByMsisdn(core.db, normalized);
  if (!sub) return null;
  return { subscriberId: sub.id, accountId: sub.accountId, msisdn: sub.msisdn, language: sub.language, script: sub.script };
}

export async function loadUssdSession(core: Core, caller: UssdCaller): Promise<UssdSessionRow | null> {
  const rows = await core.db.query<{ session_id: string; service_code: string; state: UssdFrame[]; consumed: number; last_reply: UssdSessionRow['lastReply']; ended: boolean; started_at: Date; updated_at: Date }>(
    `SELECT session_id, service_code, state, consumed, last_reply, ended, started_at, updated_at
       FROM ussd_session WHERE account_id = $1 AND subscriber_id = $2`,
    [caller.accountId, caller.subscriberId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    sessionId: r.session_id,
    serviceCode: r.service_code,
    stack: r.state,
    consumed: Number(r.consumed),
    lastReply: r.last_reply,
    ended: r.ended,
    startedAt: new Date(r.started_at),
    updatedAt: new Date(r.updated_at),
  };
}

/** One row per subscriber: a new session replaces the previous one. */
export async function saveUssdSession(core: Core, caller: UssdCaller, s: UssdSessionRow): Promise<void> {
  await core.db.query(
    `INSERT INTO ussd_session (account_id, subscriber_id, session_id, service_code, state, consumed, last_reply, ended, started_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (account_id, subscriber_id) DO UPDATE SET session_id = EXCLUDED.session_id, service_code = EXCLUDED.service_code,
       state = EXCLUDED.state, consumed = EXCLUDED.consumed, last_reply = EXCLUDED.last_reply, ended = EXCLUDED.ended,
       started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at`,
    [caller.accountId, caller.subscriberId, s.sessionId, s.serviceCode, JSON.stringify(s.stack), s.consumed, JSON.stringify(s.lastReply), s.ended, s.startedAt, s.updatedAt],
  );
}
