import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { requireMsisdn } from '../shared/msisdn.ts';
import { findSubscriberByMsisdn, type SubscriberRow } from '../subscribers/access.ts';
import { clearFailures, loginLimit, reserveAttempt, takeToken } from './rate-limit.ts';
import { burnPasswordCheck, hashCode, hashPassword, newCode, newPassword, sameHash, sha256, verifyPassword } from './secrets.ts';
import { createSession, type NewSession } from './sessions.ts';

interface Client {
  ip?: string | null;
  userAgent?: string | null;
}

const loginKey = (msisdn: string) => `login:${msisdn}`;

function sessionChannel(ctx: Ctx) {
  return ctx.channel === 'app' ? 'app' : 'web';
}

/** The attempt was counted when it was reserved; a failure only leaves it counted. */
async function failLogin(core: Core, ctx: Ctx, sub: SubscriberRow | undefined, code: 'INVALID_CREDENTIALS' | 'OTP_INVALID' | 'OTP_EXPIRED', method: string): Promise<never> {
  await recordAudit(core.db, core, ctx, { action: 'auth.login', subscriberId: sub?.id ?? null, outcome: 'refused', details: { method, code } });
  throw new DomainError(code);
}

async function succeed(core: Core, ctx: Ctx, sub: SubscriberRow, method: string, client: Client): Promise<NewSession & { msisdn: string }> {
  return core.db.tx(async (tx) => {
    await clearFailures(tx, loginKey(sub.msisdn));
    const session = await createSession(tx, core, { kind: 'subscriber', subjectId: sub.id, channel: sessionChannel(ctx), method, ...client });
    await recordAudit(tx, core, ctx, { action: 'auth.login', subscriberId: sub.id, customerId: sub.customerId, details: { method } });
    return { ...session, msisdn: sub.msisdn };
  });
}

/** Phone number and password. Failures count towards a lockout of the number. */
export async function loginWithPassword(core: Core, ctx: Ctx, input: { msisdn: string; password: string } & Client) {
  const msisdn = requireMsisdn(input.msisdn);
  await reserveAttempt(core.db, loginKey(msisdn), core.clock.now(), loginLimit(core));
  const sub = await findSubscriberByMsisdn(core.db, msisdn);
  const rows = sub ? await core.db.query<{ password_hash: string }>('SELECT password_hash FROM subscriber_credential WHERE subscriber_id = $1', [sub.id]) : [];
  const stored = rows[0]?.password_hash;
  const ok = stored ? await verifyPassword(stored, input.password) : (await burnPasswordCheck(input.password), false);
  if (!sub || !ok) return failLogin(core, ctx, sub, 'INVALID_CREDENTIALS', 'password');
  return succeed(core, ctx, sub, 'password', input);
}

/**
 * Sends a one-time login code by SMS. Answers the same whether the number exists or not, so the
 * endpoint does not reveal subscribers; requests per number are rate-limited.
 */
export async function requestLoginCode(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ sent: true; expiresInSeconds: number }> {
  const msisdn = requireMsisdn(input.msisdn);
  const now = core.clock.now();
  await takeToken(core.db, `otp-request:${msisdn}`, now, { limit: core.settings.otpRequestsPerHour, windowSeconds: 3600 });
  const sub = await findSubscriberByMsisdn(core.db, msisdn);
  if (sub) {
    const code = newCode();
    await core.db.tx(async (tx) => {
      // A new code replaces any earlier one.
      await tx.query("UPDATE otp SET consumed_at = $2 WHERE subject = $1 AND purpose = 'login' AND consumed_at IS NULL", [msisdn, now]);
      await tx.query(`INSERT INTO otp (subject, purpose, code_hash, expires_at, created_at) VALUES ($1, 'login', $2, $3, $4)`, [
        msisdn,
        hashCode(core.secret, msisdn, code),
        new Date(now.getTime() + core.settings.otpTtlSeconds * 1000),
        now,
      ]);
      const text =
        sub.language === 'en'
          ? `Your login code: ${code}. Valid for ${Math.round(core.settings.otpTtlSeconds / 60)} min. Do not tell it to anyone.`
          : `Код для входа: ${code}. Действует ${Math.round(core.settings.otpTtlSeconds / 60)} мин. Никому его не сообщайте.`;
      await enqueueSms(tx, { msisdn, text, kind: 'login_code', at: now });
      await recordAudit(tx, core, ctx, { action: 'auth.code_requested', subscriberId: sub.id, customerId: sub.customerId });
    });
  }
  return { sent: true, expiresInSeconds: core.settings.otpTtlSeconds };
}

/** Checks a one-time code against the latest one issued for the subject and purpose. */
export async function checkCode(core: Core, subject: string, purpose: string, code: string): Promise<'ok' | 'OTP_INVALID' | 'OTP_EXPIRED'> {
  const now = core.clock.now();
  return core.db.tx(async (tx) => {
    const rows = await tx.query<{ id: number; code_hash: string; expires_at: Date; attempts: number }>(
      `SELECT id, code_hash, expires_at, attempts FROM otp
        WHERE subject = $1 AND purpose = $2 AND consumed_at IS NULL ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [subject, purpose],
    );
    const otp = rows[0];
    if (!otp) return 'OTP_INVALID';
    if (otp.expires_at.getTime() <= now.getTime()) return 'OTP_EXPIRED';
    const match = /^\d{4,8}$/.test(code) && sameHash(otp.code_hash, hashCode(core.secret, subject, code));
    if (match) {
      await tx.query('UPDATE otp SET consumed_at = $2 WHERE id = $1', [otp.id, now]);
      return 'ok';
    }
    // A code survives three wrong guesses at most.
    await tx.query('UPDATE otp SET attempts = attempts + 1, consumed_at = CASE WHEN attempts + 1 >= 3 THEN $2::timestamptz ELSE NULL END WHERE id = $1', [otp.id, now]);
    return 'OTP_INVALID';
  });
}

export async function loginWithCode(core: Core, ctx: Ctx, input: { msisdn: string; code: string } & Client) {
  const msisdn = requireMsisdn(input.msisdn);
  await reserveAttempt(core.db, loginKey(msisdn), core.clock.now(), loginLimit(core));
  const sub = await findSubscriberByMsisdn(core.db, msisdn);
  const result = await checkCode(core, msisdn, 'login', input.code.trim());
  if (!sub || result !== 'ok') return failLogin(core, ctx, sub, result === 'ok' ? 'OTP_INVALID' : result, 'sms_code');
  return succeed(core, ctx, sub, 'sms_code', input);
}

/**
 * "Send me a password by SMS": sets a new random password and texts it. Every session of the
 * number ends, but `sessionToken` when it is one of that subscriber's (asked while logged in).
 */
export async function sendPasswordBySms(core: Core, ctx: Ctx, input: { msisdn: string; sessionToken?: string | null }): Promise<{ sent: true }> {
  const msisdn = requireMsisdn(input.msisdn);
  const now = core.clock.now();
  await takeToken(core.db, `password-sms:${msisdn}`, now, { limit: 3, windowSeconds: 3600 });
  const sub = await findSubscriberByMsisdn(core.db, msisdn);
  if (sub) {
    const password = newPassword();
    const hash = await hashPassword(password);
    await core.db.tx(async (tx) => {
      const { sessionsEnded } = await setPasswordHash(tx, sub.id, hash, now, { keepSessionToken: input.sessionToken ?? null });
      const text = sub.language === 'en' ? `Your password for the personal account: ${password}` : `Ваш пароль для входа в личный кабинет: ${password}`;
      await enqueueSms(tx, { msisdn, text, kind: 'password', at: now });
      await recordAudit(tx, core, ctx, { action: 'auth.password_sent', subscriberId: sub.id, customerId: sub.customerId, details: { sessionsEnded } });
    });
  }
  return { sent: true };
}

/**
 * Sets a subscriber's password and ends every session of the subscriber but `keepSessionToken`
 * (the one making the change): whoever had the old password, or a session opened with it, is out.
 */
export async function setPasswordHash(
  q: Parameters<typeof enqueueSms>[0],
  subscriberId: number,
  hash: string,
  at: Date,
  opts: { keepSessionToken?: string | null } = {},
): Promise<{ sessionsEnded: number }> {
  await q.query(
    `INSERT INTO subscriber_credential (subscriber_id, password_hash, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (subscriber_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = EXCLUDED.updated_at`,
    [subscriberId, hash, at],
  );
  const ended = await q.query(
    `UPDATE session SET revoked_at = $2 WHERE kind = 'subscriber' AND subject_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $3::text RETURNING id`,
    [subscriberId, at, opts.keepSessionToken ? sha256(opts.keepSessionToken) : null],
  );
  return { sessionsEnded: ended.length };
}

/**
 * Changes the password of the subscriber who is logged in, after checking the current one. The
 * session making the change (`sessionToken`) stays open; every other session of the subscriber ends.
 */
export async function changePassword(
  core: Core,
  ctx: Ctx,
  input: { currentPassword: string; newPassword: string; sessionToken?: string | null },
): Promise<{ changed: true; sessionsEnded: number }> {
  if (ctx.actor.kind !== 'subscriber') throw new DomainError('FORBIDDEN');
  const id = ctx.actor.subscriberId;
  const rows = await core.db.query<{ password_hash: string | null; msisdn: string }>(
    'SELECT c.password_hash, s.msisdn FROM subscriber s LEFT JOIN subscriber_credential c ON c.subscriber_id = s.id WHERE s.id = $1',
    [id],
  );
  const row = rows[0];
  if (!row) throw new DomainError('SUBSCRIBER_NOT_FOUND');
  // Guesses of the current password count with the number's login failures: a stolen session
  // cannot be used to try passwords without limit.
  await reserveAttempt(core.db, loginKey(row.msisdn), core.clock.now(), loginLimit(core));
  if (!row.password_hash || !(await verifyPassword(row.password_hash, input.currentPassword))) {
    await recordAudit(core.db, core, ctx, { action: 'auth.password_changed', subscriberId: id, outcome: 'refused', details: { code: 'INVALID_CREDENTIALS' } });
    throw new DomainError('INVALID_CREDENTIALS');
  }
  const hash = await hashPassword(input.newPassword);
  return core.db.tx(async (tx) => {
    await clearFailures(tx, loginKey(row.msisdn));
    const { sessionsEnded } = await setPasswordHash(tx, id, hash, core.clock.now(), { keepSessionToken: input.sessionToken ?? null });
    await recordAudit(tx, core, ctx, { action: 'auth.password_changed', subscriberId: id, details: { sessionsEnded } });
    return { changed: true as const, sessionsEnded };
  });
}

/**
 * Login on the operator's own mobile data: the network's proxy put the number in a header. The
 * HTTP channel calls this only for requests that came from a configured proxy address.
 */
export async function loginByNetworkIdentity(core: Core, ctx: Ctx, input: { msisdn: string } & Client) {
  const msisdn = requireMsisdn(input.msisdn);
  const sub = await findSubscriberByMsisdn(core.db, msisdn);
  if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn });
  return succeed(core, ctx, sub, 'header_enrichment', input);
}
